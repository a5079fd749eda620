/**
 * MX: lock compatibility at every step. No two exclusive holders, and no exclusive holder
 * together with sharers, for every lock named in `lock.acquired` / `lock.release` events. Locks
 * live in the memory of the process that made them; when it dies they are gone, so are their
 * holders.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { ProcessMap } from './process-map.js';

interface Holders {
  exclusive: number | null;
  readonly shared: Set<number>;
  /** Process whose memory the lock lives in (that of its first holder). */
  readonly process: string | null;
}

export function lockExclusionChecker(): Checker {
  const procs = new ProcessMap();
  const locks = new Map<string, Holders>();
  const name = (t: number) => procs.name(t);
  return {
    name: 'MX',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const died = procs.observe(r);
      if (died !== null) {
        for (const [lock, h] of locks) if (h.process === died) locks.delete(lock);
        return;
      }
      if (isEvent(r, 'lock.acquired')) {
        const [mode] = r.fields;
        const exclusive = mode === 'exclusive';
        let h = locks.get(r.subject);
        if (!h) {
          h = { exclusive: null, shared: new Set(), process: procs.process(r.thread) };
          locks.set(r.subject, h);
        }
        if (h.exclusive !== null) {
          ctx.violation(
            'MX',
            `${r.subject}: ${name(r.thread)} acquired it while ${name(h.exclusive)} holds it exclusively`,
            [r.subject],
          );
        } else if (exclusive && h.shared.size > 0) {
          ctx.violation('MX', `${r.subject}: ${name(r.thread)} acquired it exclusively while it is shared`, [
            r.subject,
          ]);
        }
        if (exclusive) h.exclusive = r.thread;
        else h.shared.add(r.thread);
      } else if (isEvent(r, 'lock.release')) {
        const h = locks.get(r.subject);
        if (!h) return;
        if (h.exclusive === r.thread) h.exclusive = null;
        h.shared.delete(r.thread);
      } else if (isEvent(r, 'lock.downgrade')) {
        const h = locks.get(r.subject);
        if (h && h.exclusive === r.thread) {
          h.exclusive = null;
          h.shared.add(r.thread);
        }
      } else if (isEvent(r, 'lock.delete')) {
        locks.delete(r.subject);
      }
    },
  };
}
