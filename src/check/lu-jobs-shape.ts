/**
 * LUJOBS: the result of an LU that submitted jobs has the documented shape (spec §7,
 * `ht.TJobIdListOnly`): its `jobs` entry is a list with one `[true, <job id>]` or
 * `[false, <message>]` per generated job, where every job id is a non-negative integer, and the
 * ids of one submission are distinct. Read from `mcpu.jobs job/<id> <json>` events.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';

function problemOf(value: unknown): string | null {
  if (!Array.isArray(value)) return 'is not a list';
  const ids = new Set<number>();
  for (const [i, entry] of value.entries()) {
    if (!Array.isArray(entry) || entry.length !== 2) return `entry ${i} is not a pair`;
    const [ok, what] = entry as [unknown, unknown];
    if (ok === true) {
      if (typeof what !== 'number' || !Number.isInteger(what) || what < 0) return `entry ${i} has no job id`;
      if (ids.has(what)) return `job id ${what} is listed twice`;
      ids.add(what);
    } else if (ok === false) {
      if (typeof what !== 'string') return `entry ${i} has no error message`;
    } else {
      return `entry ${i} does not start with a boolean`;
    }
  }
  return null;
}

export function luJobsShapeChecker(): Checker {
  return {
    name: 'LUJOBS',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      if (!isEvent(r, 'mcpu.jobs')) return;
      const [raw] = r.fields;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = undefined;
      }
      const problem = value === undefined ? 'is not JSON' : problemOf(value);
      if (problem) ctx.violation('LUJOBS', `${r.subject}: the "jobs" result of its LU ${problem}: ${raw}`, [r.subject]);
    },
  };
}
