/**
 * KILL (libvirt spec §6.4, invariant 7: lock lost ⇒ killed): when a lock daemon frees the
 * resources of an owner whose connection closed while it was alive, that process must be dead
 * within `boundUs` (virtlockd: 15 ticks of 200 ms). Checked at every event and at the end of the
 * run; a run that ends before the bound has passed decides nothing.
 */

import { LOCKD_KILL_BOUND_US } from '../lockd/constants.js';
import { isEvent } from '../sim/events.js';
import type { RunResult } from '../sim/kernel.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
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
      if (isEvent(r, 'lockd.conn-close')) {
        const [, clientPid, ownerPid, released] = r.fields;
        if (ownerPid !== 0 && clientPid === ownerPid && released > 0) {
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

/**
 * KILL for sanlock (spec §3, §6.4 invariant 7): once a node's delta lease is lost, every process
 * on that node that still holds resource leases must be gone within `boundUs`: killed, stopped
 * and released through the kill-path helper, or taken down with the host by the watchdog.
 */
export function sanlockLeaseLossChecker(boundUs: number): Checker {
  const view = new LibvirtView();
  /** pid -> lease names held (from `sanlock.acquire` / `sanlock.release`). */
  const held = new Map<number, Set<string>>();
  /** pid -> node, for QEMU processes. */
  const nodeOf = new Map<number, string>();
  /** node -> deadline. */
  const pending = new Map<string, number>();
  const check = (now: number, ctx: CheckContext) => {
    for (const [node, deadline] of pending) {
      if (now <= deadline) continue;
      pending.delete(node);
      for (const [pid, names] of held) {
        if (nodeOf.get(pid) !== node || view.isDead(pid) || names.size === 0) continue;
        ctx.violation(
          'KILL',
          `${view.label(pid)} still holds ${[...names].join(',')} ${boundUs} us after ${node} lost its lease`,
          [view.label(pid)],
        );
        return;
      }
    }
  };
  return {
    name: 'sanlock-lease-loss',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const died = view.observe(r);
      if (died !== null) held.delete(died);
      if (isEvent(r, 'proc.start')) {
        const [pid] = r.fields;
        nodeOf.set(pid, r.subject.slice(0, r.subject.indexOf('/')));
      } else if (isEvent(r, 'sanlock.acquire') || isEvent(r, 'sanlock.release')) {
        const [pid, names, result] = r.fields;
        if (result !== 'ok') return;
        const set = held.get(pid) ?? new Set<string>();
        for (const n of names.split(',').filter((x) => x !== '')) {
          if (r.kind === 'sanlock.acquire') set.add(n);
          else set.delete(n);
        }
        held.set(pid, set);
      } else if (isEvent(r, 'sanlock.lease-lost')) {
        const node = r.subject.slice(0, r.subject.indexOf('/'));
        if (!pending.has(node)) pending.set(node, r.time + boundUs);
      }
      if (pending.size > 0) check(r.time, ctx);
    },
    atEnd(result: RunResult, ctx: CheckContext) {
      check(result.timeUs, ctx);
    },
  };
}
