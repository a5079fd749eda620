/**
 * Runs a search over run indices, in this thread or in worker threads, for the whole range or a
 * shard of it. Run indices are handed out in ascending order; when one fails, no higher index is
 * started, the runs already under way finish, and the lowest failing index is the answer. Since
 * every lower index was run, the answer is the same for any number of workers or shards.
 */
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../../scenarios/scenario.js';
import type { MutantSet } from '../mutants/registry.js';
import { addCoverage, type CoverageTable, sortedCoverage } from './coverage.js';
import {
  DEFAULT_EXHAUSTIVE_LIMITS,
  type ExhaustiveLimits,
  type FoundRecord,
  type RunOutcome,
  type RunSpec,
  type SearchStrategy,
  searchRun,
} from './search.js';
import type { WorkerInit, WorkerReply } from './worker-protocol.js';

export interface Shard {
  /** 1-based, as on the command line (`--shard 2/4`). */
  readonly index: number;
  readonly count: number;
}

export interface SearchOptions {
  readonly scenario: Scenario<unknown>;
  /** Module the scenario comes from (workers load it themselves). */
  readonly scenarioModule: string;
  readonly seed: number;
  readonly runs: number;
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
  /** Told of every finished run, in completion order. */
  readonly onRun?: (run: number, found: FoundRecord | null) => void;
  /** Wall clock (milliseconds), injected so that tests and callers control it. */
  readonly clock: () => number;
}

export interface SearchSummary {
  readonly scenario: string;
  readonly strategy: SearchStrategy;
  readonly seed: number;
  readonly mutants: readonly string[];
  readonly shard: Shard | null;
  /** Whether the search went on after its first finding. */
  readonly keepGoing: boolean;
  readonly runsRequested: number;
  /** Run indices that were executed (sorted). */
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

/** The run indices of a search or shard, ascending, without listing them (`--time` asks for 2^53). */
export interface RunRange {
  readonly length: number;
  /** The k-th run index, 0 <= k < length. */
  at(k: number): number;
}

/** The run indices of a shard, ascending: i with i mod count = index - 1. */
export function shardRuns(runs: number, shard: Shard | undefined): RunRange {
  if (!shard) return { length: runs, at: (k) => k };
  const first = shard.index - 1;
  return { length: Math.max(0, Math.ceil((runs - first) / shard.count)), at: (k) => first + k * shard.count };
}

export async function search(opts: SearchOptions): Promise<SearchSummary> {
  const started = opts.clock();
  const indices = shardRuns(opts.runs, opts.shard);
  const found: FoundRecord[] = [];
  const coverage: CoverageTable = {};
  const explored = { runsExhausted: 0, worlds: 0, worldsExhausted: 0, executions: 0, pruned: 0, catchUpExecutions: 0 };
  const depthRuns = new Map<number | 'random', number>();
  let done = 0;
  let stoppedBy: SearchSummary['stoppedBy'] = 'runs';
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
  const outOfTime = () => opts.timeLimitMs !== undefined && opts.clock() - started >= opts.timeLimitMs;

  if (opts.workers <= 1) {
    const spec = runSpecOf(opts);
    for (let k = 0; k < indices.length; k++) {
      const i = indices.at(k);
      if (outOfTime()) {
        stoppedBy = 'time';
        break;
      }
      record(i, searchRun(spec, i));
      if (found.length > 0 && !opts.keepGoing) {
        stoppedBy = 'finding';
        break;
      }
    }
  } else {
    stoppedBy = await runInWorkers(opts, indices, record, () => found.length > 0 && !opts.keepGoing, outOfTime);
  }

  found.sort((a, b) => a.run - b.run);
  // With workers, runs above the lowest finding may have failed too; the answer is the lowest.
  const findings = opts.keepGoing ? found : found.slice(0, 1);
  return {
    scenario: opts.scenario.id,
    strategy: opts.strategy,
    seed: opts.seed,
    mutants: opts.mutants.list(),
    shard: opts.shard ?? null,
    keepGoing: opts.keepGoing ?? false,
    runsRequested: indices.length,
    runsDone: done,
    findings,
    coverage: sortedCoverage(coverage),
    stoppedBy: findings.length > 0 && !opts.keepGoing ? 'finding' : stoppedBy,
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
  };
}

async function runInWorkers(
  opts: SearchOptions,
  indices: RunRange,
  record: (run: number, o: RunOutcome) => void,
  foundEnough: () => boolean,
  outOfTime: () => boolean,
): Promise<SearchSummary['stoppedBy']> {
  const init: WorkerInit = {
    scenarioModule: opts.scenarioModule,
    scenarioId: opts.scenario.id,
    seed: opts.seed,
    strategy: opts.strategy,
    mutants: opts.mutants.list(),
    outDir: opts.outDir,
    shrinkTimeLimitMs: opts.shrinkTimeLimitMs,
    exhaustive: opts.exhaustive,
  };
  let next = 0;
  let stoppedBy: SearchSummary['stoppedBy'] = 'runs';
  const count = Math.min(opts.workers, Math.max(1, indices.length));
  // A plain-JS bootstrap registers the TypeScript loader inside the worker thread.
  const workerUrl = new URL('./worker-boot.mjs', import.meta.url);
  const loops = Array.from({ length: count }, () => {
    const w = new Worker(workerUrl, { workerData: init });
    return new Promise<void>((resolve, reject) => {
      const dispatch = () => {
        if (foundEnough()) stoppedBy = 'finding';
        else if (outOfTime()) stoppedBy = 'time';
        if (foundEnough() || outOfTime() || next >= indices.length) {
          w.postMessage({ type: 'stop' });
          return;
        }
        w.postMessage({ type: 'run', run: indices.at(next++) });
      };
      w.on('message', (m: WorkerReply) => {
        if (m.type === 'error') {
          reject(new Error(`worker failed on run ${m.run}: ${m.message}`));
          void w.terminate();
          return;
        }
        if (m.type === 'done') record(m.run, m.outcome);
        dispatch();
      });
      w.on('error', reject);
      w.on('exit', () => resolve());
    });
  });
  await Promise.all(loops);
  return stoppedBy;
}
