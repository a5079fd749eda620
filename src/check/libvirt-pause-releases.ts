/**
 * LEAK (libvirt spec §6.4, invariant 9: paused ⇒ startup resources released): when a QEMU's
 * vCPUs stopped and ProcessPause reported success, the QEMU holds nothing in any lock daemon
 * (hotplugs while paused and partial resumes come later, from `paused`, and are allowed). A pause
 * whose release failed (only a warning in libvirt) is not judged, nor is a QEMU whose daemon
 * crashed. Nor is the disk of a hotplug or unplug whose lock call never returned (libvirtd
 * died in between: the definition and the lock table disagree, and libvirt leaks that lock until
 * QEMU dies, a window of its own), nor a QEMU any of whose lock-manager calls was cut short by a
 * libvirtd restart (a release that never ran, or an acquire re-done, so that a shared lock is held
 * twice: the same window). A lock kept across a pause means the resume, or the migration target,
 * can never acquire: the domain never runs again.
 */

import type { DomainLockOp } from '../lockd/domain-lock.js';
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { LibvirtView, pidOfSubject } from './libvirt-view.js';

export function libvirtPauseReleasesChecker(): Checker {
  const view = new LibvirtView();
  const pauseFailed = new Set<number>();
  /** pid -> the lock-manager call in progress (a domain's calls are serialised by its job). */
  const inProgress = new Map<number, DomainLockOp>();
  /** PIDs with a lock-manager call that never returned. */
  const cutShort = new Set<number>();
  /** pid -> paths whose ImageAttach/ImageDetach started and never returned. */
  const imageOps = new Map<number, Set<string>>();
  /** pid -> the path of its latest image op (a domain's jobs are serialised). */
  const lastImageOp = new Map<number, string>();
  return {
    name: 'libvirt-pause-releases',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      view.observe(r);
      if (isEvent(r, 'lock.begin')) {
        const [op, pid] = r.fields;
        if (inProgress.has(pid)) cutShort.add(pid);
        inProgress.set(pid, op);
      } else if (isEvent(r, 'lock.op')) {
        inProgress.delete(r.fields[1]);
      }
      if (isEvent(r, 'hv.image')) {
        const [, pid] = r.fields;
        const set = imageOps.get(pid) ?? new Set<string>();
        set.add(r.subject);
        imageOps.set(pid, set);
        lastImageOp.set(pid, r.subject);
      } else if (isEvent(r, 'lock.op') && (r.fields[0] === 'ImageAttach' || r.fields[0] === 'ImageDetach')) {
        const [, pid] = r.fields;
        const path = lastImageOp.get(pid);
        if (path !== undefined) imageOps.get(pid)?.delete(path);
      } else if (isEvent(r, 'lock.op') && r.fields[0] === 'ProcessPause' && r.fields[2] !== 'ok') {
        pauseFailed.add(r.fields[1]);
      } else if (isEvent(r, 'libvirt.domain')) {
        const [from, to] = r.fields;
        const pid = pidOfSubject(r.subject);
        if (to === 'running') pauseFailed.delete(pid);
        if (from !== 'running' || to !== 'paused') return;
        if (pauseFailed.has(pid) || cutShort.has(pid) || view.isUnprotected(pid)) return;
        const interrupted = [...(imageOps.get(pid) ?? [])];
        const held = view.heldBy(pid).filter((k) => !interrupted.some((path) => k.endsWith(`|${path}`)));
        if (held.length > 0) {
          ctx.violation('LEAK', `${r.subject} paused but still holds ${held.join(', ')}`, [r.subject, ...held]);
        }
      }
    },
  };
}
