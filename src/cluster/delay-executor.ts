/**
 * An opcode executor for `OP_TEST_DELAY` (Ganeti's `LUTestDelay`: sleep `duration` seconds), the
 * opcode Ganeti's own queue tests and `gnt-debug delay` use to keep a job running for a while.
 * It takes no cluster locks; it checks for cancellation as a lock level would
 * (`CurrentPriority`), calls `NotifyStart`, and only then does its work, which it reports as
 * `lu.exec job/<id>/op/<index>` so that checkers can count how often an opcode really ran.
 */

import { OPCODE_REASON_SRC_OPCODE } from '../jqueue/constants.js';
import type { OpExecCallbacks, OpExecutor } from '../jqueue/op-executor.js';
import type { OpInput } from '../jqueue/opcode.js';
import type { Proc, Runtime } from '../sim/ports.js';

export const OP_TEST_DELAY = 'OP_TEST_DELAY';

/** `{ OP_ID: 'OP_TEST_DELAY', duration }`, `duration` in seconds as in Ganeti. */
export function testDelayOp(durationSeconds: number): OpInput {
  return { OP_ID: OP_TEST_DELAY, duration: durationSeconds };
}

/** The opcode's index in its job, from the reason trail the queue added (`job=<id>;index=<i>`). */
export function opIndexOf(op: OpInput): number | null {
  for (const [source, text] of op.reason ?? []) {
    if (!source.startsWith(`${OPCODE_REASON_SRC_OPCODE}:`)) continue;
    const m = /;index=(\d+)$/.exec(text);
    if (m) return Number(m[1]);
  }
  return null;
}

export class DelayExecutor implements OpExecutor {
  constructor(
    private readonly rt: Runtime,
    private readonly jobId: number,
  ) {}

  *execOpCode(op: OpInput, cbs: OpExecCallbacks, _timeoutUs: number | null): Proc<unknown> {
    if (op.OP_ID !== OP_TEST_DELAY) throw new Error(`DelayExecutor: unsupported opcode ${op.OP_ID}`);
    cbs.currentPriority();
    yield* cbs.notifyStart();
    this.rt.emit('lu.exec', `job/${this.jobId}/op/${opIndexOf(op) ?? '?'}`, op.OP_ID);
    const seconds = typeof op.duration === 'number' ? op.duration : 0;
    yield* this.rt.sleep(Math.max(0, Math.round(seconds * 1_000_000)));
    return null;
  }
}

export function delayExecutorFactory(rt: Runtime): (jobId: number) => OpExecutor {
  return (jobId) => new DelayExecutor(rt, jobId);
}
