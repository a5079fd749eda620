/**
 * Order among lock waiters (Ganeti `SharedLock`, spec §1.3-1.5), from `lock.wait`,
 * `lock.notify`, `lock.acquired`, `lock.timeout`, `lock.error` and `lock.delete` events:
 *
 * - PRIO: a waiter is granted the lock only while no other waiter of strictly better priority
 *   (lower number) waits for it. Grants go to the top of the highest-priority queue only.
 * - PRIO (batching): a sharer may join a shared batch only while that batch has not been woken;
 *   joining a woken batch lets it overtake the exclusive waiters queued behind the batch.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { ProcessMap } from './process-map.js';

interface Waiter {
  readonly thread: number;
  readonly exclusive: boolean;
  readonly priority: number;
  /** Sequence number of the queue entry (condition) it waits on. */
  readonly seq: number;
}

/** The waiters of every lock, kept up to date from the trace. */
class WaitTable {
  readonly procs = new ProcessMap();
  readonly waiting = new Map<string, Map<number, Waiter>>();
  readonly woken = new Map<string, Set<number>>();
  /**
   * Process whose memory each lock lives in (that of the first thread seen using it): when it
   * dies the lock is gone, and a restarted daemon's lock of the same name numbers its batches
   * afresh.
   */
  private readonly home = new Map<string, string | null>();

  /** Applies `r`; returns the waiter it concerns when it is a `lock.wait` or `lock.acquired`. */
  apply(r: TraceRecord): { kind: 'wait' | 'acquired'; waiter: Waiter | undefined } | null {
    const died = this.procs.observe(r);
    if (died !== null) {
      for (const table of this.waiting.values()) {
        for (const t of [...table.keys()]) if (this.procs.process(t) === died) table.delete(t);
      }
      for (const [lock, proc] of [...this.home]) {
        if (proc !== died) continue;
        this.home.delete(lock);
        this.waiting.delete(lock);
        this.woken.delete(lock);
      }
      return null;
    }
    if (
      (isEvent(r, 'lock.wait') || isEvent(r, 'lock.notify') || isEvent(r, 'lock.acquired')) &&
      !this.home.has(r.subject)
    ) {
      this.home.set(r.subject, this.procs.process(r.thread));
    }
    if (isEvent(r, 'lock.wait')) {
      const [mode, priority, seq] = r.fields;
      const w: Waiter = { thread: r.thread, exclusive: mode === 'exclusive', priority, seq };
      this.table(r.subject).set(r.thread, w);
      return { kind: 'wait', waiter: w };
    }
    if (isEvent(r, 'lock.notify')) {
      const [, seq] = r.fields;
      let s = this.woken.get(r.subject);
      if (!s) this.woken.set(r.subject, (s = new Set()));
      s.add(seq);
      return null;
    }
    if (isEvent(r, 'lock.acquired')) {
      const t = this.table(r.subject);
      const w = t.get(r.thread);
      t.delete(r.thread);
      return { kind: 'acquired', waiter: w };
    }
    if (isEvent(r, 'lock.timeout') || isEvent(r, 'lock.error')) {
      this.table(r.subject).delete(r.thread);
    } else if (isEvent(r, 'lock.delete')) {
      this.waiting.delete(r.subject);
      this.woken.delete(r.subject);
      this.home.delete(r.subject);
    }
    return null;
  }

  table(lock: string): Map<number, Waiter> {
    let t = this.waiting.get(lock);
    if (!t) this.waiting.set(lock, (t = new Map()));
    return t;
  }
}

/** PRIO: no waiter is served while a waiter of strictly better priority waits for the same lock. */
export function lockPriorityChecker(): Checker {
  const wt = new WaitTable();
  return {
    name: 'PRIO',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const e = wt.apply(r);
      if (e?.kind !== 'acquired' || !e.waiter) return;
      const served = e.waiter;
      for (const other of wt.table(r.subject).values()) {
        if (other.priority < served.priority) {
          ctx.violation(
            'PRIO',
            `${r.subject}: ${wt.procs.name(served.thread)} (priority ${served.priority}) was served while ` +
              `${wt.procs.name(other.thread)} (priority ${other.priority}) waited for it`,
            [r.subject],
          );
          return;
        }
      }
    },
  };
}

/**
 * PRIO (batching): a sharer that joins an already-woken batch overtakes every exclusive waiter
 * of the same or worse priority queued before it arrived.
 */
export function lockBatchChecker(): Checker {
  const wt = new WaitTable();
  return {
    name: 'PRIO-batch',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const before = isEvent(r, 'lock.wait') ? [...wt.table(r.subject).values()] : [];
      const e = wt.apply(r);
      if (e?.kind !== 'wait' || !e.waiter || e.waiter.exclusive) return;
      const joined = e.waiter;
      if (!wt.woken.get(r.subject)?.has(joined.seq)) return;
      const overtaken = before.find((w) => w.exclusive && w.priority <= joined.priority && w.thread !== joined.thread);
      if (overtaken) {
        ctx.violation(
          'PRIO',
          `${r.subject}: ${wt.procs.name(joined.thread)} joined shared batch #${joined.seq} after it was woken, ` +
            `overtaking exclusive waiter ${wt.procs.name(overtaken.thread)} queued before it`,
          [r.subject],
        );
      }
    },
  };
}
