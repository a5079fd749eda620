/**
 * KILL (libvirt spec §6.4, invariant 7: lock lost ⇒ killed): when a lock daemon frees the
 * resources of an owner whose connection closed while it was alive, that process must be dead
 * within `boundUs` (virtlockd: 15 ticks of 200 ms). Checked at every event and at the end of the
 * run; a run that ends before the bound has passed decides nothing.
 */
import type { CheckContext, Checker } from '../../scenarios/scenario.js';
import { LOCKD_KILL_BOUND_US } from '../lockd/constants.js';
import type { RunResult } from '../sim/kernel.js';
import type { TraceRecord } from '../sim/trace.js';
import { LibvirtView } from './libvirt-view.js';

export function libvirtKillBoundChecker(boundUs: number = LOCKD_KILL_BOUND_US): Checker {
  const view = new LibvirtView();
  /** pid -> deadline (virtual µs). */
  const pending = new Map<number, number>();
  const check = (now: number, ctx: CheckContext) => {
    for (const [pid, deadline] of pending) {
      if (view.isDead(pid)) pending.delete(pid);
      else if (now > deadline) {
        pending.delete(pid);
        ctx.violation('KILL', `${view.label(pid)} lost its locks but is still alive ${boundUs} us later`, [
          view.label(pid),
        ]);
        return;
      }
    }
  };
  return {
    name: 'libvirt-kill-bound',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      view.observe(r);
      if (r.kind === 'lockd.conn-close') {
        const [, clientPid, ownerPid, released] = r.fields;
        if (typeof ownerPid === 'number' && ownerPid !== 0 && clientPid === ownerPid && Number(released) > 0) {
          if (!view.isDead(ownerPid) && !pending.has(ownerPid)) pending.set(ownerPid, r.time + boundUs);
        }
      }
      if (pending.size > 0) check(r.time, ctx);
    },
    atEnd(result: RunResult, ctx: CheckContext) {
      check(result.timeUs, ctx);
    },
  };
}
