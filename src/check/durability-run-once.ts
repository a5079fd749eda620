/**
 * CRASH: an opcode that started running is never run a second time, whatever crashes. The
 * executor reports each start of a logical unit's work, after `NotifyStart` made the opcode
 * `running` durably: `lu.exec job/<id>/op/<i>` (the test-delay executor) or `mcpu.exec job/<id>`
 * (the opcode processor; the opcode is the one of that job that last became `running`).
 * Recovery must turn an interrupted running opcode into `error`, never run it again.
 */
import { isEvent } from '../sim/events.js';
import type { Checker } from './checker.js';

export function runOnceChecker(): Checker {
  const started = new Map<string, number>();
  /** Per job, the opcode that last became running. */
  const running = new Map<string, string>();
  return {
    name: 'CRASH-run-once',
    onEvent(r, ctx) {
      let opcode: string | undefined;
      if (isEvent(r, 'opcode.status') && r.fields[1] === 'running') {
        running.set(r.subject.slice(0, r.subject.indexOf('/op/')), r.subject);
        return;
      }
      if (isEvent(r, 'lu.exec')) opcode = r.subject;
      else if (isEvent(r, 'mcpu.exec')) opcode = running.get(r.subject);
      if (opcode === undefined) return;
      const first = started.get(opcode);
      if (first !== undefined) {
        ctx.violation('CRASH', `${opcode} ran twice (first at step ${first}, again at step ${r.step})`, [opcode]);
        return;
      }
      started.set(opcode, r.step);
    },
  };
}
