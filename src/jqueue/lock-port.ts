/**
 * The shared lock as the job queue uses it (the queue lock, the dependency manager's lock),
 * stated as an interface so that the queue's parts take their locks by injection. `SharedLock`
 * from `src/locking` satisfies it.
 */
import type { Proc } from '../sim/ports.js';

export interface LockAcquireOptions {
  /** Shared (true) or exclusive (false, the default). */
  readonly shared?: boolean;
  /** Give up after this many virtual µs; null/undefined waits forever. */
  readonly timeoutUs?: number | null;
  /** Lower value = served first; default `OP_PRIO_DEFAULT`. */
  readonly priority?: number;
}

/** A `SharedLock` as the queue uses it: the queue lock and the dependency manager's lock. */
export interface SharedLockPort {
  readonly name: string;
  /** Returns false when the timeout expired. */
  acquire(opts?: LockAcquireOptions): Proc<boolean>;
  release(): void;
  /** Whether the calling thread holds the lock (in any mode). */
  isOwned(): boolean;
}
