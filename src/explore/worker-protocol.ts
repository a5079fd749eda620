/**
 * Messages between the main thread and its worker threads (structured-cloneable data only).
 *
 * A worker serves requests one at a time: runs of a search, or the replay of a finding. Before
 * every execution of a simulated world it bumps a shared heartbeat counter, and before each
 * execution of a run's own input it posts that input, so that the main thread's watchdog can
 * kill a worker that stopped beating (a run that never yields) and still write the run's replay
 * file. The worker loads scenario modules on demand and keeps them, so one worker can serve many
 * searches and replays (see `worker-pool.ts`).
 */
import type { MutantName } from '../mutants/registry.js';
import type { ReplayedRun } from './replay.js';
import type { ReplayFile } from './replay-file.js';
import type { RunInput } from './run.js';
import type { ExhaustiveLimits, FoundRecord, RunOutcome, SearchStrategy } from './search.js';
import type { ScenarioCodeErrorData } from './user-code.js';

export interface WorkerInit {
  /** One Int32: incremented before every execution. */
  readonly heartbeat: SharedArrayBuffer;
}

/** A search's runs, as a worker rebuilds their `RunSpec`. */
export interface SearchRunSpec {
  readonly scenarioModule: string;
  readonly scenarioId: string;
  readonly seed: number;
  readonly strategy: SearchStrategy;
  readonly mutants: readonly MutantName[];
  readonly outDir: string | null;
  readonly shrinkTimeLimitMs?: number;
  readonly exhaustive?: ExhaustiveLimits;
}

export interface ReplayRequest {
  readonly scenarioModule: string;
  readonly file: ReplayFile;
  /** Stop after this many scheduling steps (the lock monitor at a step). */
  readonly maxSteps?: number;
  /** Also render the lock monitor at the end. */
  readonly lockMonitor?: boolean;
}

export type WorkerRequest =
  | { readonly type: 'run'; readonly spec: SearchRunSpec; readonly run: number }
  | { readonly type: 'replay'; readonly request: ReplayRequest };

export type WorkerReply =
  | { readonly type: 'executing'; readonly run: number; readonly input: RunInput }
  | { readonly type: 'found'; readonly found: FoundRecord }
  | { readonly type: 'done'; readonly run: number; readonly outcome: RunOutcome }
  | { readonly type: 'replayed'; readonly result: ReplayedRun }
  /** The scenario's own code threw (exit 2, one line). */
  | { readonly type: 'scenario-error'; readonly error: ScenarioCodeErrorData }
  /** Bad input: the scenario module could not be loaded or has the wrong shape, or the replay file is malformed. */
  | { readonly type: 'input-error'; readonly message: string }
  /** A bug of gnt-sim itself. */
  | { readonly type: 'internal-error'; readonly message: string };
