/**
 * The two kinds of failure of the lock manager, kept apart on purpose.
 *
 * - `LockError` is Ganeti's `errors.LockError`: an *operating* error that correct code must expect
 *   (a lock deleted under a waiter, an unknown name in an exact acquire, a duplicate add caused by
 *   concurrency). Messages are Ganeti's, word for word.
 * - `LockUsageError` replaces Ganeti's Python `assert`s: a *programming* error (double acquire,
 *   level order, releasing what is not held). Ganeti only checks these without `-O`; we always
 *   check them. The error is thrown in the offending thread; the kernel reports the uncaught throw as
 *   an `exception` outcome, and the checker maps a `LockUsageError` (recognise it with
 *   `isLockUsageError`) to a violation named after its `rule`.
 */

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

/** The assertion of Ganeti's `locking.py` that a `LockUsageError` stands for. */
export type LockUsageRule =
  // SharedLock
  | 'double-acquire'
  | 'release-unowned'
  | 'downgrade-unowned'
  | 'delete-while-sharing'
  | 'negative-timeout'
  // LockSet
  | 'lockset-double-acquire'
  | 'lockset-release-unowned'
  | 'lockset-release-unheld'
  | 'lockset-downgrade-unowned'
  | 'lockset-downgrade-unheld'
  | 'lockset-add-partial'
  | 'lockset-remove-partial'
  | 'lockset-remove-failed'
  | 'lockset-opportunistic-timeout'
  | 'lockset-owner-status'
  // GanetiLockManager
  | 'manager-singleton'
  | 'level-invalid'
  | 'level-immutable'
  | 'bgl-not-owned'
  | 'level-order'
  | 'bgl-release'
  // Conditions bound to a lock
  | 'condition-unowned'
  // LockMonitor
  | 'monitor-duplicate';

export class LockUsageError extends Error {
  constructor(
    readonly rule: LockUsageRule,
    message: string,
  ) {
    super(message);
    this.name = 'LockUsageError';
  }
}

/** True for a `LockUsageError`, also when it crossed a realm or was re-wrapped by name only. */
export function isLockUsageError(e: unknown): e is LockUsageError {
  return e instanceof LockUsageError || (e instanceof Error && e.name === 'LockUsageError' && 'rule' in e);
}

/** Throws a `LockUsageError` unless `cond` holds: the counterpart of a Python `assert`. */
export function usageCheck(cond: boolean, rule: LockUsageRule, message: string | (() => string)): asserts cond {
  if (!cond) throw new LockUsageError(rule, typeof message === 'string' ? message : message());
}
