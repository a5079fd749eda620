/**
 * STARV: in the liveness phase (after `fault.calm`: faults over, world healed, schedule fair),
 * no lock request may stay pending longer than a threshold. Ganeti's locks are FIFO within a
 * priority and its lock-timeout strategy bounds every wait but the final blocking one, so in a
 * healed cluster a request pending for longer than any logical unit holds a lock is starved by
 * the system: overtaken forever, or waiting on a lock nobody will release.
 *
 * Pending means between `lock.wait` and the same thread's `lock.acquired`, `lock.timeout` or
 * `lock.error` on that lock, or the death of the thread's process. The clock of a wait that
 * began in the fault phase starts at the calm: faults may legitimately delay it until then.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { ProcessMap } from './process-map.js';

export interface LockStarvationOptions {
  /** Longest a lock request may stay pending in the liveness phase, in virtual µs. */
  readonly thresholdUs: number;
}

interface PendingWait {
  readonly thread: number;
  readonly lock: string;
  readonly sinceUs: number;
}

export function lockStarvationChecker(opts: LockStarvationOptions): Checker {
  const procs = new ProcessMap();
  /** Keyed `thread lock`; insertion order is wait order, so the first entry is the oldest. */
  const pending = new Map<string, PendingWait>();
  let calmAtUs: number | null = null;
  const key = (thread: number, lock: string) => `${thread} ${lock}`;
  return {
    name: 'STARV',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const died = procs.observe(r);
      if (died !== null) {
        for (const [k, w] of pending) if (procs.process(w.thread) === died) pending.delete(k);
        return;
      }
      if (isEvent(r, 'fault.calm')) {
        calmAtUs = r.time;
      } else if (isEvent(r, 'lock.wait')) {
        pending.set(key(r.thread, r.subject), { thread: r.thread, lock: r.subject, sinceUs: r.time });
      } else if (isEvent(r, 'lock.acquired') || isEvent(r, 'lock.timeout') || isEvent(r, 'lock.error')) {
        pending.delete(key(r.thread, r.subject));
      }
      if (calmAtUs === null) return;
      // Waits are kept in the order they began, so the first one has waited longest.
      const oldest = pending.values().next();
      if (oldest.done) return;
      const w = oldest.value;
      const waited = r.time - Math.max(w.sinceUs, calmAtUs);
      if (waited > opts.thresholdUs) {
        ctx.violation(
          'STARV',
          `${procs.name(w.thread)} has waited ${waited} us for ${w.lock} in the liveness phase ` +
            `(threshold ${opts.thresholdUs} us)`,
          [w.lock],
        );
      }
    },
  };
}
