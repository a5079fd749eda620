/**
 * CRASH: an opcode that started running is never run a second time, whatever crashes. The
 * executor reports each start of a logical unit's work (`lu.exec job/<id>/op/<i>`, after
 * `NotifyStart` made the opcode `running` durably); recovery must turn an interrupted running
 * opcode into `error`, never run it again.
 */
import type { Checker } from '../../scenarios/scenario.js';

export function runOnceChecker(): Checker {
  const started = new Map<string, number>();
  return {
    name: 'CRASH-run-once',
    onEvent(r, ctx) {
      if (r.kind !== 'lu.exec') return;
      const first = started.get(r.subject);
      if (first !== undefined) {
        ctx.violation('CRASH', `${r.subject} ran twice (first at step ${first}, again at step ${r.step})`, [r.subject]);
        return;
      }
      started.set(r.subject, r.step);
    },
  };
}
