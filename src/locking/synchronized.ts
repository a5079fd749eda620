/**
 * Runs a body while holding a lock: the counterpart of Ganeti's `ssynchronized(lock, shared)`
 * decorator (a generator cannot be decorated in place, so it wraps the call instead).
 */
import type { Proc } from '../sim/ports.js';
import type { SharedLock } from './shared-lock.js';

export function* synchronized<T>(lock: SharedLock, opts: { shared?: boolean }, body: () => Proc<T>): Proc<T> {
  yield* lock.acquire({ shared: opts.shared ?? false });
  try {
    return yield* body();
  } finally {
    lock.release();
  }
}
