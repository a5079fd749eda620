/**
 * What a lock (or any other provider registered with the `LockMonitor`) reports about itself:
 * Ganeti's `GetLockInfo(requested) -> [(name, mode, owners, pending)]`, plus the edges of the
 * wait-for graph that the deadlock reporter builds from the same providers.
 */
import type { LockInfoMode } from './constants.js';
import type { WaitForEdge } from './wait-for.js';

/** Information items a query can ask for (`query.LQ_MODE`, `LQ_OWNER`, `LQ_PENDING`). */
export type LockQueryItem = 'mode' | 'owner' | 'pending';

export const LQ_MODE: LockQueryItem = 'mode';
export const LQ_OWNER: LockQueryItem = 'owner';
export const LQ_PENDING: LockQueryItem = 'pending';
export const ALL_LOCK_QUERY_ITEMS: ReadonlySet<LockQueryItem> = new Set<LockQueryItem>(['mode', 'owner', 'pending']);

/** One queued entry: `"exclusive"`, `"shared"` (one batch of sharers), or e.g. `"job"` for dependencies. */
export interface PendingInfo {
  readonly mode: string;
  /** Names of the waiting threads (or jobs), in arrival order; the monitor nice-sorts them. */
  readonly threads: readonly string[];
}

/** A row of lock information; fields that were not requested are `null`. */
export interface LockInfo {
  readonly name: string;
  readonly mode: LockInfoMode | null;
  /** Owner thread names, or `null` when free (or not requested). */
  readonly owners: readonly string[] | null;
  /** Queued entries in service order (priority, then FIFO); `[]` when none; `null` when not requested. */
  readonly pending: readonly PendingInfo[] | null;
}

/**
 * Anything the `LockMonitor` can list: every `SharedLock` created with a monitor, and other
 * parties such as the job dependency manager (`job/<id>` rows).
 */
export interface LockInfoProvider {
  /** Rows for the requested items (`GetLockInfo`); may be empty or hold several rows. */
  lockInfo(requested: ReadonlySet<LockQueryItem>): readonly LockInfo[];
  /** Who waits for whom through this provider right now (optional; locks implement it). */
  waitEdges?(): readonly WaitForEdge[];
}
