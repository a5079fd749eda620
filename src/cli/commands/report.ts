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
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ModelCoverage, Scenario } from '../../../scenarios/scenario.js';
import type { Finding } from '../../check/finding.js';
import type { SearchSummary } from '../../explore/coordinator.js';
import { sortedCoverage } from '../../explore/coverage.js';
import { checkCompatible, replayFinding } from '../../explore/replay.js';
import { type ReplayFile, ReplayFileError, readReplayFile } from '../../explore/replay-file.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario } from '../../explore/scenario-loader.js';
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

/** A summary.json entry (see `summaryJson` in search.ts). */
interface SummaryFinding {
  readonly run: number;
  readonly finding: Finding;
  readonly replayPath: string | null;
}

type SummaryFile = Omit<SearchSummary, 'findings'> & { readonly findings: readonly SummaryFinding[] };

function readSummary(path: string): SummaryFile {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read search summary ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const s = v as Partial<SummaryFile> | null;
  if (!s || typeof s.scenario !== 'string' || typeof s.runsDone !== 'number' || !Array.isArray(s.findings)) {
    throw new UsageError(`${path} is not a search summary (no scenario, runsDone and findings)`);
  }
  return s as SummaryFile;
}

function reportSummary(s: SummaryFile): ReportSummary {
  return {
    scenario: s.scenario,
    strategy: s.strategy,
    seed: s.seed,
    mutants: s.mutants ?? [],
    runsRequested: s.runsRequested,
    runsDone: s.runsDone,
    durationMs: s.durationMs,
    stoppedBy: s.stoppedBy,
    shard: s.shard ?? null,
    keepGoing: s.keepGoing ?? false,
  };
}

function coverageOf(runs: readonly ModelCoverage[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of runs) out[c.model] = { ...c.transitions };
  return sortedCoverage(out);
}

function counterexampleOf(r: ReplayFile): ReplayedFinding['counterexample'] {
  return { seed: r.seed, params: r.params, faults: r.faults, choices: r.choices, mutants: r.mutants, size: r.size };
}

/** Replays one finding with a full trace; never throws for a bad or stale replay file, says why instead. */
async function replayed(
  file: ReplayFile,
  scenario: Scenario<unknown> | Error,
  force: boolean,
): Promise<{
  replay?: ReplayedFinding['replay'];
  coverage?: Record<string, Record<string, number>>;
  problem?: string;
}> {
  if (scenario instanceof Error) return { problem: scenario.message };
  try {
    checkCompatible(file, scenario, force);
  } catch (e) {
    if (e instanceof ReplayFileError) return { problem: e.message };
    throw e;
  }
  const r = replayFinding(file, scenario);
  const trace = r.report.result.trace;
  return {
    replay: {
      reproduced: r.reproduced,
      differences: r.differences,
      ...(force ? { note: 'replayed with --force' } : {}),
      records: trace.snapshot(),
      threadNames: trace.threadNames,
      ...(r.report.instance.waitFor ? { waitFor: r.report.instance.waitFor() } : {}),
    },
    coverage: coverageOf(r.report.coverage),
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
    const r = await replayed(file, scenario, o.force);
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
    coverage: summary.coverage ?? {},
    coverageNote: `model transitions summed over the ${summary.runsDone} runs of the search`,
    findings,
    omittedFindings: Math.max(0, summary.findings.length - MAX_DETAILED_FINDINGS),
  });
}

/** Writes `index.html` into a search's output directory (the hook `gnt-sim search` calls). */
export async function writeSearchReport(
  dir: string,
  summary: SearchSummary,
  scenarioModule: string,
  out?: string,
): Promise<string> {
  const replays = new Map(summary.findings.map((f) => [f.run, f.replay]));
  const file: SummaryFile = {
    ...summary,
    findings: summary.findings.map((f) => ({ run: f.run, finding: f.finding, replayPath: f.replayPath })),
  };
  const html = await searchReportHtml(dir, file, { scenarioModule, force: false, replays });
  const path = out ?? join(dir, 'index.html');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return path;
}

async function replayReportHtml(path: string, o: ReportCliOptions): Promise<string> {
  const file = readReplayFile(path);
  const scenario = await loadScenario(o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE, file.scenario.id).catch(
    (e: Error) => {
      throw new UsageError(`replay file names scenario "${file.scenario.id}": ${e.message}`);
    },
  );
  checkCompatible(file, scenario, o.force);
  const r = await replayed(file, scenario, o.force);
  return buildReportHtml({
    title: `gnt-sim finding report: ${basename(path)}`,
    ...(r.coverage ? { coverage: r.coverage, coverageNote: 'model transitions taken in this run' } : {}),
    findings: [
      {
        finding: file.finding,
        run: file.origin.run,
        replayPath: path,
        counterexample: counterexampleOf(file),
        ...(r.replay ? { replay: r.replay } : {}),
      },
    ],
  });
}

/** Replay files start with a checksum line; anything else given as a file is read as a summary. */
function isReplayFile(path: string): boolean {
  const text = readFileSync(path, 'utf8');
  try {
    const first = JSON.parse(text.slice(0, Math.max(0, text.indexOf('\n')))) as unknown;
    return typeof first === 'object' && first !== null && 'checksum' in first;
  } catch {
    return false;
  }
}

export async function runReportCommand(target: string, o: ReportCliOptions, out: Output): Promise<number> {
  if (!existsSync(target)) throw new UsageError(`no such file or directory: ${target}`);
  let html: string;
  let path: string;
  if (statSync(target).isDirectory() || !isReplayFile(target)) {
    // A search directory, its summary.json, or a summary written elsewhere (gnt-sim merge --out).
    const isDir = statSync(target).isDirectory();
    const dir = isDir ? target : dirname(target);
    const summaryPath = isDir ? join(dir, 'summary.json') : target;
    if (!existsSync(summaryPath)) throw new UsageError(`${dir} has no summary.json: not a search output directory`);
    html = await searchReportHtml(dir, readSummary(summaryPath), {
      scenarioModule: o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE,
      force: o.force,
    });
    path = o.out ?? join(dir, 'index.html');
  } else {
    html = await replayReportHtml(target, o);
    path = o.out ?? `${target.replace(/(\.replay)?\.json$/, '')}.html`;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  out.line(path);
  return 0;
}
