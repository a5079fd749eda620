/**
 * PRIO (worker pool): a worker always picks the queued task that comes first in the pool's order —
 * lowest priority value, then lowest sequence number (FIFO within a priority; a deferred task gets
 * a new number) — spec §5.17. Tasks are learned from `pool.add` / `pool.reprioritize` (an entry
 * whose priority changed keeps its sequence number) and checked at `pool.pick`. The job queue has
 * one pool per process; a `pool.create` or the death of the process starts that process's table
 * afresh.
 */

import { type EventRecord, isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { ProcessMap } from './process-map.js';

interface Entry {
  readonly taskId: number | null;
  readonly priority: number;
  readonly seq: number;
}

function before(a: Entry, b: Entry): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

export function poolOrderChecker(): Checker {
  const procs = new ProcessMap();
  /** Queued entries by sequence number, per process label ('' for free-standing threads). */
  const pools = new Map<string, Map<number, Entry>>();
  const poolOf = (thread: number) => {
    const key = procs.process(thread) ?? '';
    let pool = pools.get(key);
    if (!pool) {
      pool = new Map();
      pools.set(key, pool);
    }
    return pool;
  };
  const entryOf = (r: EventRecord<'pool.add' | 'pool.reprioritize' | 'pool.pick'>): Entry => {
    const [taskId, priority, seq] = r.fields;
    return { taskId, priority, seq };
  };
  return {
    name: 'PRIO:pool',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const died = procs.observe(r);
      if (died !== null) {
        pools.delete(died);
        return;
      }
      if (isEvent(r, 'pool.create')) {
        poolOf(r.thread).clear();
      } else if (isEvent(r, 'pool.add') || isEvent(r, 'pool.reprioritize')) {
        const e = entryOf(r);
        poolOf(r.thread).set(e.seq, e);
      } else if (isEvent(r, 'pool.pick')) {
        const e = entryOf(r);
        const pool = poolOf(r.thread);
        pool.delete(e.seq);
        let first: Entry | null = null;
        for (const p of pool.values()) if (first === null || before(p, first)) first = p;
        if (first && before(first, e)) {
          ctx.violation(
            'PRIO',
            `${procs.name(r.thread)} picked task ${e.taskId} (priority ${e.priority}, #${e.seq}) while task ${first.taskId} (priority ${first.priority}, #${first.seq}) was queued ahead of it`,
            [`job/${e.taskId}`, `job/${first.taskId}`],
          );
        }
      }
    },
  };
}
