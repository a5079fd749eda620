/**
 * A condition bound to a `SharedLock`, like a Python `threading.Condition(lock)` or Ganeti's
 * `PipeCondition(lock)`: `wait` releases the lock, waits on a kernel `Condition`, and re-acquires
 * the lock in the mode it was held in (`_release_save` / `_acquire_restore`). Waiting or notifying
 * without holding the lock is a usage error (Python raises `RuntimeError`).
 */
import type { Condition, Proc, Runtime } from '../sim/ports.js';
import { usageCheck } from './errors.js';
import type { SharedLock } from './shared-lock.js';

export class LockedCondition {
  private readonly cond: Condition;

  constructor(
    rt: Runtime,
    readonly lock: SharedLock,
    name = `${lock.name}:condition`,
  ) {
    this.cond = rt.condition(name);
  }

  /** Waits for a notification or `timeoutUs`; returns whether it was notified. Keeps the lock mode. */
  *wait(timeoutUs?: number | null): Proc<boolean> {
    usageCheck(this.lock.isOwned(), 'condition-unowned', 'cannot wait on un-acquired lock');
    const shared = this.lock.releaseSave();
    let notified = false;
    try {
      notified = yield* this.cond.wait(timeoutUs);
    } finally {
      yield* this.lock.acquireRestore(shared);
    }
    return notified;
  }

  notifyAll(): void {
    usageCheck(this.lock.isOwned(), 'condition-unowned', 'cannot notify on un-acquired lock');
    this.cond.notifyAll();
  }

  notify(): void {
    usageCheck(this.lock.isOwned(), 'condition-unowned', 'cannot notify on un-acquired lock');
    this.cond.notify();
  }

  /** Threads waiting right now. */
  waiters(): number {
    return this.cond.waiters().length;
  }
}
