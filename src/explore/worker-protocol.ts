/** Messages between a parallel search and its worker threads (structured-cloneable data only). */
import type { MutantName } from '../mutants/registry.js';
import type { ExhaustiveLimits, RunOutcome, SearchStrategy } from './search.js';

export interface WorkerInit {
  readonly scenarioModule: string;
  readonly scenarioId: string;
  readonly seed: number;
  readonly strategy: SearchStrategy;
  readonly mutants: readonly MutantName[];
  readonly outDir: string | null;
  readonly shrinkTimeLimitMs?: number;
  readonly exhaustive?: ExhaustiveLimits;
}

export type WorkerRequest = { readonly type: 'run'; readonly run: number } | { readonly type: 'stop' };

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly run: number; readonly outcome: RunOutcome }
  | { readonly type: 'error'; readonly run: number; readonly message: string };
