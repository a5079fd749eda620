/**
 * Constants of Ganeti's `locking.py` (v2.10), with times converted to integer virtual
 * microseconds.
 */

/** Priority of an acquire that names none (`_DEFAULT_PRIORITY`). Lower numbers are served first. */
export const DEFAULT_PRIORITY = 0;

/**
 * `_LOCK_ACQUIRE_MIN_TIMEOUT` (1 ms): an acquire that cannot be granted at once and whose timeout is
 * below this fails immediately, without queueing.
 */
export const LOCK_ACQUIRE_MIN_TIMEOUT_US = 1000;

/** Mode texts of lock information (`_EXCLUSIVE_TEXT`, `_SHARED_TEXT`, `_DELETED_TEXT`). */
export const EXCLUSIVE_TEXT = 'exclusive';
export const SHARED_TEXT = 'shared';
export const DELETED_TEXT = 'deleted';

export type LockMode = typeof SHARED_TEXT | typeof EXCLUSIVE_TEXT;

/** Mode of a lock as shown by the monitor: free (`null`), held, or deleted. */
export type LockInfoMode = LockMode | typeof DELETED_TEXT | null;

/** Ownership mode asked about by `isOwned` (Ganeti's `shared=-1 | 0 | 1`). */
export type OwnedMode = 'any' | LockMode;

/**
 * "Every lock of the set" (Ganeti's `ALL_SET = None`). A symbol rather than `null` so that a name
 * list that is accidentally missing is a type error, not a request for the whole set.
 */
export const ALL_SET: unique symbol = Symbol.for('gnt-sim.locking.ALL_SET');
export type AllSet = typeof ALL_SET;

export function modeText(shared: boolean): LockMode {
  return shared ? SHARED_TEXT : EXCLUSIVE_TEXT;
}
