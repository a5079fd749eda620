/** `gnt-sim search`: the property-based search for deadlocks and ordering violations. */
import { join } from 'node:path';
import type { Scenario } from '../../../scenarios/scenario.js';
import { describeFinding } from '../../check/describe.js';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { type SearchSummary, type Shard, search } from '../../explore/coordinator.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario, loadScenarios } from '../../explore/scenario-loader.js';
import {
  DEFAULT_EXHAUSTIVE_LIMITS,
  type ExhaustiveLimits,
  SEARCH_STRATEGIES,
  type SearchStrategy,
} from '../../explore/search.js';
import { isMutantName, MutantSet } from '../../mutants/registry.js';
import { type Output, UsageError } from '../output.js';
import { writeSearchReport } from './report.js';

/** Runs of a search when neither --runs nor --time is given. */
export const DEFAULT_RUNS = 1000;

export interface SearchCliOptions {
  readonly runs?: number;
  readonly time?: number;
  readonly seed: number;
  readonly strategy: string;
  readonly mutant: readonly string[];
  readonly workers: number;
  readonly shard?: string;
  readonly json: boolean;
  readonly out?: string;
  readonly scenarioFile?: string;
  readonly keepGoing: boolean;
  readonly preemptions?: number;
  readonly delays?: number;
  readonly maxExecutions?: number;
}

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 2/4), got "${s}"`);
  }
  return { index, count };
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export async function runSearchCommand(
  scenarioId: string | undefined,
  o: SearchCliOptions,
  out: Output,
): Promise<number> {
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
  const module = o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE;
  const scenario = await (scenarioId
    ? loadScenario(module, scenarioId)
    : loadScenarios(module).then((all) => all[0] as Scenario<unknown>)
  ).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const shard = o.shard ? parseShard(o.shard) : undefined;
  const runs = o.runs ?? (o.time ? Number.MAX_SAFE_INTEGER : DEFAULT_RUNS);
  const outDir = o.out ?? join('reports', scenario.id, timestamp());
  const mutants = new MutantSet(o.mutant.filter(isMutantName));
  const t0 = performance.now();
  if (!o.json) {
    out.line(
      `gnt-sim search: scenario ${scenario.id}, strategy ${o.strategy}, seed ${o.seed}, ` +
        `${o.time ? `${o.time} s` : `${runs} runs`}${shard ? `, shard ${shard.index}/${shard.count}` : ''}, ` +
        `workers ${o.workers}, mutants ${mutants.list().join(',') || 'none'}` +
        (o.strategy === 'exhaustive'
          ? `, at most ${boundsText(exhaustive)} and ${exhaustive.maxExecutions} executions per run`
          : ''),
    );
  }
  let done = 0;
  let found = 0;
  const summary = await search({
    scenario,
    scenarioModule: module,
    seed: o.seed,
    runs,
    strategy: o.strategy as SearchStrategy,
    mutants,
    outDir,
    workers: o.workers,
    shard,
    keepGoing: o.keepGoing,
    exhaustive: o.strategy === 'exhaustive' ? exhaustive : undefined,
    timeLimitMs: o.time ? o.time * 1000 : undefined,
    clock: () => performance.now(),
    onRun: (_run, f) => {
      done++;
      if (f) found++;
      const secs = (performance.now() - t0) / 1000;
      out.progress(`runs ${done}  ${(done / Math.max(secs, 1e-3)).toFixed(1)} runs/s  findings ${found}`);
    },
  });
  out.endProgress();
  writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify(summaryJson(summary), null, 2)}\n`);
  // Every search leaves its HTML report (summary, coverage, findings with traces) next to it.
  // A report that cannot be drawn must not cost the search's result, which is already on disk.
  const reportPath = await writeSearchReport(outDir, summary, module).catch((e: Error) => {
    out.error(`gnt-sim: no HTML report written: ${e.message}`);
    return null;
  });
  if (o.json) {
    out.line(JSON.stringify(summaryJson(summary), null, 2));
  } else {
    printSummary(summary, outDir, out);
    if (reportPath) out.line(`report: ${reportPath}`);
  }
  return summary.findings.length > 0 ? 1 : 0;
}

export function summaryJson(s: SearchSummary): unknown {
  return {
    ...s,
    findings: s.findings.map((f) => ({
      run: f.run,
      finding: f.finding,
      size: f.replay.size,
      replayPath: f.replayPath,
    })),
  };
}

/** "2 preemptions", or "2 preemptions, 1 delay" with a delay bound. */
function boundsText(b: { readonly preemptionBound: number; readonly delayBound?: number }): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const p = plural(b.preemptionBound, 'preemption');
  return b.delayBound === undefined ? p : `${p}, ${plural(b.delayBound, 'delay')}`;
}

function printSummary(s: SearchSummary, outDir: string, out: Output): void {
  const rate = s.runsDone / Math.max(s.durationMs / 1000, 1e-3);
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
  if (s.findings.length === 0) {
    out.line(
      out.green(`no finding in ${s.runsDone} runs`) +
        ` (${(s.durationMs / 1000).toFixed(1)} s, ${rate.toFixed(1)} runs/s)`,
    );
    return;
  }
  for (const f of s.findings) {
    out.line(out.red(out.bold(`FINDING at run ${f.run}: ${describeFinding(f.finding)}`)));
    const z = f.replay.size;
    out.line(
      `  counterexample: ${plural(z.jobs, 'job')}, ${plural(z.faults, 'fault')}, ${plural(z.preemptions, 'preemption')}`,
    );
    out.line(`  replay: gnt-sim replay ${f.replayPath}`);
  }
  out.line(
    `${s.runsDone} runs in ${(s.durationMs / 1000).toFixed(1)} s (${rate.toFixed(1)} runs/s); results in ${outDir}`,
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
