/** `gnt-sim search`: the property-based search for deadlocks and ordering violations. */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../../../scenarios/scenario.js';
import { describeFinding } from '../../check/describe.js';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { type SearchSummary, search } from '../../explore/coordinator.js';
import { replayCommand } from '../../explore/replay-command.js';
import { shardRunCount } from '../../explore/run-indices.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario, loadScenarios } from '../../explore/scenario-loader.js';
import {
  DEFAULT_EXHAUSTIVE_LIMITS,
  type ExhaustiveLimits,
  SEARCH_STRATEGIES,
  type SearchStrategy,
} from '../../explore/search.js';
import { summaryJson } from '../../explore/summary-file.js';
import type { WatchdogLimits, WorkerPool } from '../../explore/worker-pool.js';
import { isMutantName, MutantSet } from '../../mutants/registry.js';
import { parseShard } from '../args.js';
import { freshDir, prepareOutDir } from '../out-dir.js';
import { type Output, UsageError } from '../output.js';
import { SearchProgress } from '../progress.js';
import { writeSearchReport } from './report.js';

/** Runs of a search when neither --runs nor --time is given. */
export const DEFAULT_RUNS = 1000;

export interface SearchCliOptions {
  readonly runs?: number;
  readonly time?: number;
  readonly seed: number;
  readonly strategy: string;
  readonly mutant: readonly string[];
  readonly workers: number | 'auto';
  readonly shard?: string;
  readonly json: boolean;
  readonly out?: string;
  readonly force: boolean;
  readonly scenarioFile?: string;
  readonly keepGoing: boolean;
  readonly preemptions?: number;
  readonly delays?: number;
  readonly maxExecutions?: number;
}

/** What a command needs from the process around it. */
export interface CommandContext {
  readonly out: Output;
  readonly pool: WorkerPool;
  readonly limits: WatchdogLimits;
  /** Cores available to this process (`--workers auto`, the too-many-workers warning). */
  readonly cores: number;
}

export function coresAvailable(): number {
  return availableParallelism();
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** "1000 runs", "5 s", or "1000 runs or 5 s, whichever comes first". */
function boundText(runs: number | null, time: number | undefined): string {
  const r = runs === null ? null : `${runs} run${runs === 1 ? '' : 's'}`;
  const t = time === undefined ? null : `${time} s`;
  if (r && t) return `${r} or ${t}, whichever comes first`;
  return (r ?? t) as string;
}

export async function runSearchCommand(
  scenarioId: string | undefined,
  o: SearchCliOptions,
  ctx: CommandContext,
): Promise<number> {
  const { out } = ctx;
  if (!(SEARCH_STRATEGIES as readonly string[]).includes(o.strategy)) {
    throw new UsageError(`--strategy must be one of ${SEARCH_STRATEGIES.join(', ')}, got "${o.strategy}"`);
  }
  const exhaustiveFlags = o.preemptions !== undefined || o.delays !== undefined || o.maxExecutions !== undefined;
  if (exhaustiveFlags && o.strategy !== 'exhaustive') {
    throw new UsageError('--preemptions, --delays and --max-executions apply only to --strategy exhaustive');
  }
  const exhaustive: ExhaustiveLimits = {
    preemptionBound: o.preemptions ?? DEFAULT_EXHAUSTIVE_LIMITS.preemptionBound,
    ...(o.delays !== undefined ? { delayBound: o.delays } : {}),
    maxExecutions: o.maxExecutions ?? DEFAULT_EXHAUSTIVE_LIMITS.maxExecutions,
  };
  for (const m of o.mutant) if (!isMutantName(m)) throw new UsageError(`unknown mutant "${m}" (see gnt-sim mutants)`);
  const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
  const runs = o.runs ?? (o.time !== undefined ? null : DEFAULT_RUNS);
  if (shardRunCount(runs, shard) === 0) {
    throw new UsageError(`--shard ${shard?.index}/${shard?.count} has no runs among the first ${runs}`);
  }
  if (o.out !== undefined && o.out.trim() === '') {
    throw new UsageError('--out must name a directory, got the empty string');
  }
  const module = o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE;
  const scenario = await (scenarioId !== undefined
    ? loadScenario(module, scenarioId)
    : loadScenarios(module).then((all) => all[0] as Scenario<unknown>));
  const workers = o.workers === 'auto' ? ctx.cores : o.workers;
  if (o.workers !== 'auto' && workers > ctx.cores) {
    out.error(
      `gnt-sim: warning: --workers ${workers} is more than the ${ctx.cores} cores available; the search will be slower, not faster`,
    );
  }
  // Checked before the first run: a search must never end unable to write what it found.
  const outDir = o.out ?? freshDir(join('reports', scenario.id, timestamp()));
  prepareOutDir(outDir, o.force);
  const mutants = new MutantSet(o.mutant.filter(isMutantName));
  if (!o.json) {
    out.line(
      `gnt-sim search: scenario ${scenario.id}, strategy ${o.strategy}, seed ${o.seed}, ` +
        `${boundText(runs, o.time)}${shard ? `, shard ${shard.index}/${shard.count}` : ''}, ` +
        `workers ${workers}, mutants ${mutants.list().join(',') || 'none'}` +
        (o.strategy === 'exhaustive'
          ? `, at most ${boundsText(exhaustive)} and ${exhaustive.maxExecutions} executions per run`
          : ''),
    );
  }
  const progress = new SearchProgress(out);
  const summary = await (async () => {
    try {
      return await search({
        scenario,
        // Workers load only the scenario's own module, not every built-in one.
        scenarioModule: o.scenarioFile ?? scenario.source,
        seed: o.seed,
        ...(runs !== null ? { runs } : {}),
        strategy: o.strategy as SearchStrategy,
        mutants,
        outDir,
        workers,
        shard,
        keepGoing: o.keepGoing,
        exhaustive: o.strategy === 'exhaustive' ? exhaustive : undefined,
        timeLimitMs: o.time !== undefined ? o.time * 1000 : undefined,
        watchdog: ctx.limits,
        pool: ctx.pool,
        clock: () => performance.now(),
        onRun: (run, f) => progress.runDone(run, f !== null),
        onShrinking: (run) => progress.shrinking(run),
      });
    } finally {
      progress.stop();
    }
  })();
  writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify(summaryJson(summary), null, 2)}\n`);
  // Every search leaves its HTML report (summary, coverage, findings with traces) next to it.
  // A report that cannot be drawn must not cost the search's result, which is already on disk.
  const reportPath = await writeSearchReport(outDir, summary, module, ctx).catch((e: Error) => {
    out.error(`gnt-sim: no HTML report written: ${e.message.split('\n')[0]}`);
    return null;
  });
  if (o.json) {
    out.line(JSON.stringify({ ...summaryJson(summary), outDir, reportPath }, null, 2));
  } else {
    printSummary(summary, outDir, progress.runsPerSecond(summary), o.scenarioFile, out);
    if (reportPath) out.line(`report: ${reportPath}`);
  }
  return summary.findings.length > 0 ? 1 : 0;
}

/** "2 preemptions", or "2 preemptions, 1 delay" with a delay bound. */
function boundsText(b: { readonly preemptionBound: number; readonly delayBound?: number }): string {
  const p = plural(b.preemptionBound, 'preemption');
  return b.delayBound === undefined ? p : `${p}, ${plural(b.delayBound, 'delay')}`;
}

function printSummary(
  s: SearchSummary,
  outDir: string,
  rate: number,
  scenarioFile: string | undefined,
  out: Output,
): void {
  const x = s.exploration;
  if (x) {
    out.line(
      `exhaustive: ${x.worldsExhausted} of ${x.worlds} worlds had every schedule with at most ` +
        `${boundsText(x)} tried (${x.executions} executions over ${s.runsDone} runs, ` +
        `${x.pruned} alternatives pruned by sleep sets)`,
    );
  }
  if (s.pctDepths && s.pctDepths.length > 0) {
    out.line(`pct depths (runs): ${s.pctDepths.map((d) => `${d.depth} (${d.runs})`).join(', ')}`);
  }
  const stopped = s.stoppedBy === 'time' ? '; time is up' : '';
  if (s.findings.length === 0) {
    out.line(
      out.green(`no finding in ${plural(s.runsDone, 'run')}`) +
        ` (${(s.durationMs / 1000).toFixed(1)} s, ${rate.toFixed(1)} runs/s${stopped})`,
    );
    return;
  }
  for (const f of s.findings) {
    out.line(out.red(out.bold(`FINDING at run ${f.run}: ${describeFinding(f.finding)}`)));
    const z = f.replay.size;
    out.line(
      `  counterexample: ${plural(z.jobs, 'job')}, ${plural(z.faults, 'fault')}, ${plural(z.preemptions, 'preemption')}`,
    );
    if (f.unshrunk) out.line(`  not shrunk: ${f.unshrunk}`);
    if (f.replayPath) out.line(`  replay: ${replayCommand(f.replayPath, scenarioFile)}`);
  }
  out.line(
    `${plural(s.runsDone, 'run')} in ${(s.durationMs / 1000).toFixed(1)} s (${rate.toFixed(1)} runs/s); results in ${outDir}`,
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
