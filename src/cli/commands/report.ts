/**
 * `gnt-sim report PATH`: the HTML report of a search or of one finding.
 *
 * PATH is a search's output directory, its `summary.json`, or a merged summary (`gnt-sim merge
 * --out`): the report goes to `DIR/index.html` (DIR: the directory holding the summary) and
 * covers the summary, the models with the search's coverage, and each finding replayed from its
 * replay file (looked up in DIR first, then where the summary says) with a full trace. PATH may also be one replay file:
 * the report of that finding alone goes next to it (`X.replay.json` -> `X.html`). `--out FILE`
 * writes elsewhere. Every search writes its report itself; this command rebuilds it, e.g. after
 * `gnt-sim merge` or for a replay file received from elsewhere.
 *
 * Findings are replayed in a worker thread under the watchdog; a `hang` or `oom` finding is not
 * replayed at all (its run would only be killed again), and says so.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Scenario } from '../../../scenarios/scenario.js';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { newWorkerPool, type SearchSummary } from '../../explore/coordinator.js';
import { sortedCoverage } from '../../explore/coverage.js';
import { readInputFile } from '../../explore/input-file.js';
import { ioReason } from '../../explore/io-reason.js';
import { checkCompatible } from '../../explore/replay.js';
import { isKilledRun, type ReplayFile, ReplayFileError, readReplayFile } from '../../explore/replay-file.js';
import { replayWatched } from '../../explore/replay-watched.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario } from '../../explore/scenario-loader.js';
import { readSummaryFile, type SummaryFile, type SummaryFinding, summaryJson } from '../../explore/summary-file.js';
import { ScenarioCodeError } from '../../explore/user-code.js';
import { DEFAULT_WATCHDOG, type WatchdogLimits, type WorkerPool } from '../../explore/worker-pool.js';
import { buildReportHtml, type ReplayedFinding } from '../../report/build-report.js';
import type { ReportSummary } from '../../report/html.js';
import { type Output, UsageError } from '../output.js';

/** Findings detailed (replayed, drawn, traced) in one report; the rest are counted. */
export const MAX_DETAILED_FINDINGS = 10;

export interface ReportCliOptions {
  readonly out?: string;
  readonly scenarioFile?: string;
  readonly force: boolean;
}

/** The worker threads and limits replays run with. */
export interface ReplayContext {
  readonly pool?: WorkerPool;
  readonly limits?: WatchdogLimits;
}

function reportSummary(s: SummaryFile): ReportSummary {
  return {
    scenario: s.scenario,
    strategy: s.strategy,
    seed: s.seed,
    mutants: s.mutants,
    runsRequested: s.runsRequested,
    runsDone: s.runsDone,
    timeLimitMs: s.timeLimitMs,
    durationMs: s.durationMs,
    stoppedBy: s.stoppedBy,
    shard: s.shard,
    keepGoing: s.keepGoing,
  };
}

function counterexampleOf(r: ReplayFile): ReplayedFinding['counterexample'] {
  return { seed: r.seed, params: r.params, faults: r.faults, choices: r.choices, mutants: r.mutants, size: r.size };
}

/** Replays one finding with a full trace; never throws for a bad, stale or hanging replay, says why instead. */
async function replayed(
  file: ReplayFile,
  scenario: Scenario<unknown> | Error,
  o: { force: boolean; scenarioModule: string; pool: WorkerPool; limits: WatchdogLimits },
): Promise<{
  replay?: ReplayedFinding['replay'];
  coverage?: Record<string, Record<string, number>>;
  problem?: string;
}> {
  if (scenario instanceof Error) return { problem: scenario.message };
  if (isKilledRun(file.finding)) {
    return { problem: `the watchdog stopped this run (${file.finding.kind}); it is not replayed` };
  }
  try {
    checkCompatible(file, scenario, o.force);
  } catch (e) {
    if (e instanceof ReplayFileError) return { problem: e.message };
    throw e;
  }
  let r: Awaited<ReturnType<typeof replayWatched>>;
  try {
    r = await replayWatched(file, { scenarioModule: o.scenarioModule, limits: o.limits, pool: o.pool });
  } catch (e) {
    if (e instanceof ScenarioCodeError || e instanceof ReplayFileError) return { problem: e.message };
    throw e;
  }
  if (r.kind === 'killed') return { problem: `the replay was stopped by the watchdog (${r.reason})` };
  const run = r.run;
  const coverage: Record<string, Record<string, number>> = {};
  for (const c of run.coverage) coverage[c.model] = { ...c.transitions };
  return {
    replay: {
      reproduced: run.reproduced,
      differences: run.differences,
      ...(o.force ? { note: 'replayed with --force' } : {}),
      records: run.records,
      threadNames: new Map(run.threadNames),
      ...(run.waitFor ? { waitFor: run.waitFor } : {}),
    },
    coverage: sortedCoverage(coverage),
  };
}

/** A finding the report shows without replaying it, with the reason in its heading line. */
function unreplayed(f: SummaryFinding, problem: string, file?: ReplayFile): ReplayedFinding {
  return {
    finding: f.finding,
    run: f.run,
    ...(f.replayPath ? { replayPath: f.replayPath } : {}),
    ...(file ? { counterexample: counterexampleOf(file) } : {}),
    notReplayed: problem,
  };
}

export interface SearchReportOptions {
  readonly scenarioModule: string;
  readonly force: boolean;
  readonly pool: WorkerPool;
  readonly limits: WatchdogLimits;
  /** Replay files already in memory (a search that just ran), by run index. */
  readonly replays?: ReadonlyMap<number, ReplayFile>;
}

/** Builds the report of a search whose output directory is `dir`. */
export async function searchReportHtml(dir: string, summary: SummaryFile, o: SearchReportOptions): Promise<string> {
  const scenario = await loadScenario(o.scenarioModule, summary.scenario).catch((e: Error) => e);
  const findings: ReplayedFinding[] = [];
  for (const f of summary.findings.slice(0, MAX_DETAILED_FINDINGS)) {
    let file = o.replays?.get(f.run);
    if (!file) {
      const local = f.replayPath ? join(dir, basename(f.replayPath)) : null;
      const path = local && existsSync(local) ? local : f.replayPath;
      if (!path) {
        findings.push(unreplayed(f, 'the search wrote no replay file'));
        continue;
      }
      try {
        file = readReplayFile(path);
      } catch (e) {
        if (!(e instanceof ReplayFileError)) throw e;
        findings.push(unreplayed(f, e.message));
        continue;
      }
    }
    const r = await replayed(file, scenario, o);
    if (!r.replay) {
      findings.push(unreplayed(f, r.problem ?? 'unknown reason', file));
      continue;
    }
    findings.push({
      finding: f.finding,
      run: f.run,
      ...(f.replayPath ? { replayPath: f.replayPath } : {}),
      counterexample: counterexampleOf(file),
      replay: r.replay,
    });
  }
  return buildReportHtml({
    title: `gnt-sim search report: ${summary.scenario}`,
    summary: reportSummary(summary),
    coverage: summary.coverage,
    coverageNote: `model transitions summed over the ${summary.runsDone} runs of the search`,
    findings,
    omittedFindings: Math.max(0, summary.findings.length - MAX_DETAILED_FINDINGS),
  });
}

/** Runs `fn` with the context's worker pool, or with one of its own that it closes after. */
async function withPool<T>(ctx: ReplayContext, fn: (pool: WorkerPool) => Promise<T>): Promise<T> {
  if (ctx.pool) return fn(ctx.pool);
  const pool = newWorkerPool();
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/** Writes `index.html` into a search's output directory (the hook `gnt-sim search` calls). */
export async function writeSearchReport(
  dir: string,
  summary: SearchSummary,
  scenarioModule: string,
  ctx: ReplayContext = {},
): Promise<string> {
  const replays = new Map(summary.findings.map((f) => [f.run, f.replay]));
  const html = await withPool(ctx, (pool) =>
    searchReportHtml(dir, summaryJson(summary), {
      scenarioModule,
      force: false,
      replays,
      pool,
      limits: ctx.limits ?? DEFAULT_WATCHDOG,
    }),
  );
  const path = join(dir, 'index.html');
  writeFileAtomic(path, html);
  return path;
}

async function replayReportHtml(path: string, o: ReportCliOptions, pool: WorkerPool, limits: WatchdogLimits) {
  const file = readReplayFile(path);
  const scenarioModule = o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE;
  const scenario = await loadScenario(scenarioModule, file.scenario.id).catch((e: Error) => {
    throw new UsageError(`replay file names scenario "${file.scenario.id}": ${e.message}`);
  });
  checkCompatible(file, scenario, o.force);
  const r = await replayed(file, scenario, { force: o.force, scenarioModule, pool, limits });
  return buildReportHtml({
    title: `gnt-sim finding report: ${basename(path)}`,
    ...(r.coverage ? { coverage: r.coverage, coverageNote: 'model transitions taken in this run' } : {}),
    findings: [
      {
        finding: file.finding,
        run: file.origin.run,
        replayPath: path,
        counterexample: counterexampleOf(file),
        ...(r.replay ? { replay: r.replay } : r.problem ? { notReplayed: r.problem } : {}),
      },
    ],
  });
}

/** Replay files start with a checksum line; anything else given as a file is read as a summary. */
function isReplayFile(path: string): boolean {
  const r = readInputFile(path);
  if ('problem' in r) throw new UsageError(`cannot read ${path}: ${r.problem}`);
  try {
    const first = JSON.parse(r.text.slice(0, Math.max(0, r.text.indexOf('\n')))) as unknown;
    return typeof first === 'object' && first !== null && 'checksum' in first;
  } catch {
    return false;
  }
}

/** `--out FILE` of a report: a file path, not a directory. */
function checkOutFile(path: string): void {
  if (path.trim() === '') throw new UsageError('--out must name a file, got the empty string');
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a directory`);
}

export async function runReportCommand(
  target: string,
  o: ReportCliOptions,
  ctx: { out: Output; pool: WorkerPool; limits: WatchdogLimits },
): Promise<number> {
  if (target.trim() === '' || !existsSync(target)) throw new UsageError(`no such file or directory: ${target}`);
  if (o.out !== undefined) checkOutFile(o.out);
  let html: string;
  let path: string;
  const isDir = statSync(target).isDirectory();
  if (isDir || !isReplayFile(target)) {
    // A search directory, its summary.json, or a summary written elsewhere (gnt-sim merge --out).
    const dir = isDir ? target : dirname(target);
    const summaryPath = isDir ? join(dir, 'summary.json') : target;
    if (!existsSync(summaryPath)) throw new UsageError(`${dir} has no summary.json: not a search output directory`);
    html = await searchReportHtml(dir, readSummaryFile(summaryPath), {
      scenarioModule: o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE,
      force: o.force,
      pool: ctx.pool,
      limits: ctx.limits,
    });
    path = o.out ?? join(dir, 'index.html');
  } else {
    html = await replayReportHtml(target, o, ctx.pool, ctx.limits);
    path = o.out ?? `${target.replace(/(\.replay)?\.json$/, '')}.html`;
  }
  try {
    writeFileAtomic(path, html);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${ioReason(e)}`);
  }
  ctx.out.line(path);
  return 0;
}
