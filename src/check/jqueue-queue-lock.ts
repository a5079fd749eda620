/**
 * QLOCK: the queue lock is not held while an opcode runs (Ganeti doc/locking, seed 000). A worker
 * must release the `JobQueue` lock before it hands an opcode to the processor: the logical unit
 * calls back into the queue (`NotifyStart`, `Feedback` take the lock shared, `SubmitManyJobs`
 * exclusively), and holding it across the opcode deadlocks as soon as an exclusive request is
 * queued. Checked at `jqueue.exec.start` (the worker is about to run an opcode) and at
 * `jqueue.exec.end` (the callbacks must have released what they took), from the holders the
 * `lock.acquired` / `lock.release` events of the queue lock name.
 */

import type { LockMode } from '../locking/constants.js';
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { ProcessMap } from './process-map.js';

/** Name of the job queue's lock (`QUEUE_LOCK_NAME` of `src/jqueue/job-queue.ts`). */
export const QUEUE_LOCK_SUBJECT = 'JobQueue';

export function queueLockChecker(lockName = QUEUE_LOCK_SUBJECT): Checker {
  const procs = new ProcessMap();
  /** Threads holding the queue lock, with their mode. */
  const holders = new Map<number, LockMode>();
  return {
    name: 'QLOCK',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      procs.observe(r);
      if (isEvent(r, 'lock.create')) {
        if (r.subject === lockName) holders.clear();
      } else if (isEvent(r, 'lock.acquired')) {
        if (r.subject === lockName) holders.set(r.thread, r.fields[0]);
      } else if (isEvent(r, 'lock.release')) {
        if (r.subject === lockName) holders.delete(r.thread);
      } else if (isEvent(r, 'jqueue.exec.start') || isEvent(r, 'jqueue.exec.end')) {
        const mode = holders.get(r.thread);
        if (mode === undefined) return;
        const when = r.kind === 'jqueue.exec.start' ? 'runs' : 'returned from';
        ctx.violation(
          'QLOCK',
          `${procs.name(r.thread)} ${when} opcode ${r.subject} while holding the queue lock ${lockName} (${mode})`,
          [r.subject, lockName],
        );
      }
    },
  };
}
