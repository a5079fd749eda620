/**
 * Runs a search over run indices, in this thread or in worker threads, for the whole range or a
 * shard of it. Run indices are produced lazily and handed out in ascending order; when one
 * fails, no higher index is started, the runs already under way finish, and the lowest failing
 * index is the answer. Since every lower index was run, the answer is the same for any number
 * of workers or shards.
 *
 * A search is bounded by a number of runs, by wall-clock time, or by both (whichever comes
 * first). Time only stops new runs from starting: a run under way, and the shrinking of its
 * finding, always finish.
 *
 * With a watchdog (`SearchOptions.watchdog`; the command line always has one), runs execute in
 * worker threads even for one worker: a run that never yields or exhausts its memory is killed
 * and reported as a `hang` or `oom` finding with its replay file, written from the input the
 * worker announced before executing it, and a fresh worker takes over. Such findings are not
 * shrunk. Without a watchdog and with one worker, runs execute in this thread.
 */
import type { Scenario } from '../../scenarios/scenario.js';
import type { Finding } from '../check/finding.js';
import type { MutantSet } from '../mutants/registry.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-write.js';
import { codeHash } from './code-hash.js';
import { addCoverage, type CoverageTable, sortedCoverage } from './coverage.js';
import { REPLAY_FORMAT, type ReplayFile, serializeReplay } from './replay-file.js';
import type { RunInput } from './run.js';
import { RunCursor, type Shard, shardRunCount } from './run-indices.js';
import { scenarioHash } from './scenario-hash.js';
import {
  DEFAULT_EXHAUSTIVE_LIMITS,
  type ExhaustiveLimits,
  type FoundRecord,
  type RunOutcome,
  type RunSpec,
  replayPathFor,
  type SearchStrategy,
  searchRun,
  sizeOf,
} from './search.js';
import { type RunPlace, ScenarioCodeError } from './user-code.js';
import { workerEntryUrl } from './worker-entry.js';
import { DEFAULT_WATCHDOG, type TaskEnd, type WatchdogLimits, type WatchedWorker, WorkerPool } from './worker-pool.js';
import type { SearchRunSpec, WorkerReply } from './worker-protocol.js';

export type { Shard } from './run-indices.js';
export type { WatchdogLimits } from './worker-pool.js';

export interface SearchOptions {
  readonly scenario: Scenario<unknown>;
  /** Module the scenario comes from (workers load it themselves). */
  readonly scenarioModule: string;
  readonly seed: number;
  /** Runs to execute at most; absent: no limit (then give `timeLimitMs`). */
  readonly runs?: number;
  readonly strategy: SearchStrategy;
  readonly mutants: MutantSet;
  readonly outDir: string | null;
  readonly workers: number;
  readonly shard?: Shard;
  /** Keep searching after a finding (collect every failing run). */
  readonly keepGoing?: boolean;
  /** Stop starting new runs after this many wall-clock milliseconds. */
  readonly timeLimitMs?: number;
  readonly shrinkTimeLimitMs?: number;
  /** Bounds of the `exhaustive` strategy. */
  readonly exhaustive?: ExhaustiveLimits;
  /** Run in worker threads under this watchdog (even with one worker). */
  readonly watchdog?: WatchdogLimits;
  /** Worker threads to draw from; without one the search makes its own and ends it. */
  readonly pool?: WorkerPool;
  /** Told of every finished run, in completion order. */
  readonly onRun?: (run: number, found: FoundRecord | null) => void;
  /** Told when a run failed and its finding is being shrunk. */
  readonly onShrinking?: (run: number) => void;
  /** Wall clock (milliseconds), injected so that tests and callers control it. */
  readonly clock: () => number;
}

export interface SearchSummary {
  readonly scenario: string;
  /** Content hash of the scenario's module (shards of one search share it). */
  readonly scenarioHash: string;
  readonly strategy: SearchStrategy;
  readonly seed: number;
  readonly mutants: readonly string[];
  readonly shard: Shard | null;
  /** Whether the search went on after its first finding. */
  readonly keepGoing: boolean;
  /** The run limit of the whole search (all shards); null when only time bounds it. */
  readonly runs: number | null;
  /** The time limit, in milliseconds; null when only the run count bounds it. */
  readonly timeLimitMs: number | null;
  /** Runs of this shard (or search) within the run limit; null without one. */
  readonly runsRequested: number | null;
  /** Runs executed: always the first `runsDone` indices of the shard. */
  readonly runsDone: number;
  /** Findings sorted by run index. */
  readonly findings: readonly FoundRecord[];
  /** Model transitions taken, summed over the runs done (not over shrinking attempts). */
  readonly coverage: CoverageTable;
  readonly stoppedBy: 'runs' | 'finding' | 'time';
  readonly durationMs: number;
  /** For the `exhaustive` strategy: the schedule spaces covered, summed over the runs done. */
  readonly exploration?: SearchExploration;
  /** For the `pct` strategy: how many of the runs done used each depth (PCT deepens over runs). */
  readonly pctDepths?: readonly PctDepthRuns[];
}

export interface PctDepthRuns {
  /** A PCT depth, or `random`: scheduled uniformly at random (PCT's unbounded depth). */
  readonly depth: number | 'random';
  readonly runs: number;
}

export interface SearchExploration {
  readonly preemptionBound: number;
  readonly delayBound?: number;
  readonly maxExecutions: number;
  /** Runs after whose slice their world's every schedule within the bounds had been tried. */
  readonly runsExhausted: number;
  /** Distinct worlds explored: runs that were the first of their world. */
  readonly worlds: number;
  /** Worlds whose bounded schedule space was exhausted by one of the runs done. */
  readonly worldsExhausted: number;
  /** Executions of the runs' own slices. */
  readonly executions: number;
  readonly pruned: number;
  /** Executions spent re-walking earlier slices in other processes (cost only; see world-walks.ts). */
  readonly catchUpExecutions: number;
}

/** A bad combination of search options (a programming error of the caller). */
export class SearchOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchOptionsError';
  }
}

function checkOptions(o: SearchOptions): void {
  const count = (n: number | undefined, min: number) => n === undefined || (Number.isSafeInteger(n) && n >= min);
  if (o.runs === undefined && o.timeLimitMs === undefined) {
    throw new SearchOptionsError('search: give runs, timeLimitMs or both');
  }
  if (!count(o.runs, 0)) throw new SearchOptionsError(`search: runs must be a whole number >= 0, got ${o.runs}`);
  if (!count(o.timeLimitMs, 0)) throw new SearchOptionsError('search: timeLimitMs must be a whole number >= 0');
  if (!count(o.workers, 1)) throw new SearchOptionsError(`search: workers must be a whole number >= 1`);
  if ((o.workers > 1 || o.watchdog) && o.scenarioModule.trim() === '') {
    throw new SearchOptionsError(
      'search: worker threads load the scenario themselves: give scenarioModule, the module it comes from',
    );
  }
  if (o.shard && !(count(o.shard.count, 1) && count(o.shard.index, 1) && o.shard.index <= o.shard.count)) {
    throw new SearchOptionsError('search: shard must be { index, count } with 1 <= index <= count');
  }
}

export async function search(opts: SearchOptions): Promise<SearchSummary> {
  checkOptions(opts);
  const started = opts.clock();
  const cursor = new RunCursor(opts.runs ?? null, opts.shard);
  const found: FoundRecord[] = [];
  const coverage: CoverageTable = {};
  const explored = { runsExhausted: 0, worlds: 0, worldsExhausted: 0, executions: 0, pruned: 0, catchUpExecutions: 0 };
  const depthRuns = new Map<number | 'random', number>();
  let done = 0;
  let timeUp = false;
  const record = (run: number, o: RunOutcome) => {
    done++;
    if (o.found) found.push(o.found);
    addCoverage(coverage, o.coverage);
    if (o.exploration) {
      explored.executions += o.exploration.executions;
      explored.pruned += o.exploration.pruned;
      explored.catchUpExecutions += o.exploration.catchUpExecutions;
      if (o.exploration.exhausted) explored.runsExhausted++;
      if (o.exploration.slice === 0) explored.worlds++;
      if (o.exploration.finishedWorld) explored.worldsExhausted++;
    }
    if (o.pctDepth !== undefined) depthRuns.set(o.pctDepth, (depthRuns.get(o.pctDepth) ?? 0) + 1);
    opts.onRun?.(run, o.found);
  };
  const foundEnough = () => found.length > 0 && !opts.keepGoing;
  /** The next run to start, or null when the search is to stop starting runs. */
  const nextRun = (): number | null => {
    if (foundEnough()) return null;
    if (opts.timeLimitMs !== undefined && opts.clock() - started >= opts.timeLimitMs) {
      timeUp = true;
      return null;
    }
    return cursor.next();
  };

  if (opts.workers <= 1 && !opts.watchdog) {
    const spec = runSpecOf(opts);
    for (let i = nextRun(); i !== null; i = nextRun()) record(i, searchRun(spec, i));
  } else {
    await runInWorkers(opts, nextRun, record);
  }

  found.sort((a, b) => a.run - b.run);
  // With workers, runs above the lowest finding may have failed too; the answer is the lowest.
  const findings = opts.keepGoing ? found : found.slice(0, 1);
  return {
    scenario: opts.scenario.id,
    scenarioHash: scenarioHash(opts.scenario),
    strategy: opts.strategy,
    seed: opts.seed,
    mutants: opts.mutants.list(),
    shard: opts.shard ?? null,
    keepGoing: opts.keepGoing ?? false,
    runs: opts.runs ?? null,
    timeLimitMs: opts.timeLimitMs ?? null,
    runsRequested: shardRunCount(opts.runs ?? null, opts.shard),
    runsDone: done,
    findings,
    coverage: sortedCoverage(coverage),
    stoppedBy: findings.length > 0 && !opts.keepGoing ? 'finding' : timeUp ? 'time' : 'runs',
    durationMs: opts.clock() - started,
    ...(opts.strategy === 'exhaustive' ? { exploration: { ...limitsOf(opts), ...explored } } : {}),
    ...(opts.strategy === 'pct'
      ? {
          pctDepths: [...depthRuns]
            .sort((a, b) => depthOrder(a[0]) - depthOrder(b[0]))
            .map(([depth, runs]) => ({ depth, runs })),
        }
      : {}),
  };
}

/** Depths in increasing order, the unbounded one last. */
function depthOrder(d: number | 'random'): number {
  return d === 'random' ? Number.POSITIVE_INFINITY : d;
}

function limitsOf(opts: SearchOptions): ExhaustiveLimits {
  return opts.exhaustive ?? DEFAULT_EXHAUSTIVE_LIMITS;
}

function runSpecOf(opts: SearchOptions): RunSpec {
  return {
    scenario: opts.scenario,
    seed: opts.seed,
    strategy: opts.strategy,
    mutants: opts.mutants,
    outDir: opts.outDir,
    shrinkTimeLimitMs: opts.shrinkTimeLimitMs,
    exhaustive: opts.exhaustive,
    ...(opts.onShrinking
      ? { watch: { beat: () => {}, executing: () => {}, found: (f) => opts.onShrinking?.(f.run) } }
      : {}),
  };
}

/** Worker threads for searches and replays; `close()` it when done. */
export function newWorkerPool(): WorkerPool {
  return new WorkerPool(workerEntryUrl());
}

/** Seconds, for messages: `30 s`, `0.5 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The finding of a run the watchdog killed. */
export function killedFinding(end: { kind: 'hang' | 'oom' }, limits: WatchdogLimits): Finding {
  const message =
    end.kind === 'hang'
      ? `the run did not yield for ${seconds(limits.runTimeoutMs)} (--run-timeout): a synchronous loop in the system under test or the scenario; the watchdog stopped it`
      : `the run exhausted its heap of ${limits.memoryMb} MB (--run-memory); the watchdog stopped it`;
  return {
    kind: end.kind,
    property: end.kind,
    message,
    step: 0,
    timeUs: 0,
    threads: [],
    objects: [],
    traceHash: '',
  };
}

interface RunState {
  run: number;
  /** The last input of the run itself the worker announced. */
  input: RunInput | null;
  /** The unshrunk finding, once the run failed (it is being shrunk). */
  found: FoundRecord | null;
  outcome: RunOutcome | null;
}

async function runInWorkers(
  opts: SearchOptions,
  nextRun: () => number | null,
  record: (run: number, o: RunOutcome) => void,
): Promise<void> {
  const limits = opts.watchdog ?? DEFAULT_WATCHDOG;
  const pool = opts.pool ?? newWorkerPool();
  const spec: SearchRunSpec = {
    scenarioModule: opts.scenarioModule,
    scenarioId: opts.scenario.id,
    seed: opts.seed,
    strategy: opts.strategy,
    mutants: opts.mutants.list(),
    outDir: opts.outDir,
    shrinkTimeLimitMs: opts.shrinkTimeLimitMs,
    exhaustive: opts.exhaustive,
  };
  const busy = new Set<WatchedWorker>();
  let failure: Error | null = null;

  const outcomeOfKill = (st: RunState, end: { kind: 'hang' | 'oom' }): RunOutcome => {
    if (st.found) {
      // Killed while shrinking: the run's finding stands unshrunk (its replay file is written).
      const attempt = end.kind === 'hang' ? 'hung' : 'ran out of memory';
      return {
        found: { ...st.found, unshrunk: `a shrinking attempt ${attempt}, so it stands as found` },
        coverage: [],
      };
    }
    if (!st.input) {
      // Nothing executed yet: the scenario's own generators never returned.
      throw new ScenarioCodeError(
        opts.scenario.id,
        'params',
        end.kind === 'hang'
          ? `or faults did not finish generating the run within ${seconds(limits.runTimeoutMs)} (--run-timeout)`
          : `or faults exhausted the heap of ${limits.memoryMb} MB (--run-memory) generating the run`,
        null,
        { run: st.run, searchSeed: opts.seed },
      );
    }
    const finding = killedFinding(end, limits);
    const replay = killedReplay(opts, st.run, st.input, finding);
    const replayPath = replayPathFor({ outDir: opts.outDir, seed: opts.seed, scenario: opts.scenario }, st.run);
    if (replayPath) writeFileAtomic(replayPath, serializeReplay(replay));
    const unshrunk = 'hang and oom findings are not shrunk';
    return { found: { run: st.run, finding, replay, replayPath, unshrunk }, coverage: [] };
  };

  const runOne = async (w: WatchedWorker, run: number) => {
    const st: RunState = { run, input: null, found: null, outcome: null };
    let problem: Error | null = null;
    const onReply = (m: WorkerReply): boolean => {
      switch (m.type) {
        case 'executing':
          st.input = m.input;
          return false;
        case 'found':
          st.found = m.found;
          opts.onShrinking?.(run);
          return false;
        case 'done':
          st.outcome = m.outcome;
          return true;
        case 'scenario-error':
          problem = ScenarioCodeError.fromData(m.error);
          return true;
        case 'input-error':
          problem = new SearchInputError(m.message);
          return true;
        case 'internal-error':
          problem = new Error(`worker failed on run ${run}: ${m.message}`);
          return true;
        default:
          return false;
      }
    };
    const end = await w.request({ type: 'run', spec, run }, onReply, limits.runTimeoutMs);
    return { end, st, problem: problem as Error | null };
  };

  /** Stops the search: the other workers' runs are abandoned (their workers end). */
  const fail = (e: unknown, self: WatchedWorker) => {
    if (failure !== null) return;
    failure = e instanceof Error ? e : new Error(String(e));
    for (const other of busy) if (other !== self) void other.terminate();
  };

  const loop = async () => {
    let w = pool.acquire(limits.memoryMb);
    busy.add(w);
    try {
      for (let run = nextRun(); run !== null && failure === null; run = nextRun()) {
        const { end, st, problem } = await runOne(w, run);
        if (failure !== null) return;
        if (problem) {
          fail(problem, w);
          return;
        }
        if (end.kind === 'done' && st.outcome) {
          record(run, st.outcome);
          continue;
        }
        if (end.kind === 'hang' || end.kind === 'oom') {
          record(run, outcomeOfKill(st, end));
        } else {
          fail(workerEnded(end, opts.scenario.id, { run, searchSeed: opts.seed }), w);
          return;
        }
        // The killed worker is gone: a fresh one takes over.
        busy.delete(w);
        w = pool.acquire(limits.memoryMb);
        busy.add(w);
      }
    } catch (e) {
      fail(e, w);
    } finally {
      busy.delete(w);
      pool.release(w);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, loop));
  } finally {
    if (!opts.pool) await pool.close();
  }
  if (failure !== null) throw failure;
}

/**
 * Why a worker ended without answering: it exited (`process.exit` outside a run, which only the
 * scenario's code can call: a scenario error), or it crashed (an uncaught error of gnt-sim's own
 * worker code, e.g. its start-up: an internal error).
 */
export function workerEnded(end: TaskEnd, scenario: string, place: RunPlace | null): Error {
  if (end.kind === 'exit') {
    return new ScenarioCodeError(
      scenario,
      'scenario code',
      `ended the worker thread running it with exit code ${end.code} (does it call process.exit?)`,
      null,
      place,
    );
  }
  return new Error(`a worker thread failed: ${end.kind === 'crash' ? end.message : end.kind}`);
}

/** A module or replay problem a worker reported (exit 2, one line). */
export class SearchInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchInputError';
  }
}

/** The replay file of a killed run: it replays the run's schedule, since it recorded no choices. */
function killedReplay(opts: SearchOptions, run: number, input: RunInput, finding: Finding): ReplayFile {
  const size = sizeOf(opts.scenario, { params: input.params, faults: input.faults, mutants: opts.mutants });
  const { recorded: _recorded, ...schedule } = input.schedule;
  return {
    format: REPLAY_FORMAT,
    tool: { name: TOOL_NAME, version: TOOL_VERSION, code: codeHash() },
    scenario: { id: opts.scenario.id, hash: scenarioHash(opts.scenario) },
    seed: input.seed,
    params: input.params,
    faults: input.faults,
    mutants: opts.mutants.list(),
    schedule,
    choices: [],
    finding,
    traceHash: '',
    size: { ...size, preemptions: 0 },
    origin: { searchSeed: opts.seed, run, strategy: opts.strategy, shrunk: false },
  };
}
