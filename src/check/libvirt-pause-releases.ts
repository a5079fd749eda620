/**
 * LEAK (libvirt spec §6.4, invariant 9: paused ⇒ startup resources released): when a QEMU's
 * vCPUs stopped and ProcessPause reported success, the QEMU holds nothing in any lock daemon
 * (hotplugs while paused and partial resumes come later, from `paused`, and are allowed). A pause
 * whose release failed (only a warning in libvirt) is not judged, nor is a QEMU whose daemon
 * crashed. A lock kept across a pause means the resume, or the migration target, can never
 * acquire: the domain never runs again.
 */
import type { CheckContext, Checker } from '../../scenarios/scenario.js';
import type { TraceRecord } from '../sim/trace.js';
import { LibvirtView, pidOfSubject } from './libvirt-view.js';

export function libvirtPauseReleasesChecker(): Checker {
  const view = new LibvirtView();
  const pauseFailed = new Set<number>();
  return {
    name: 'libvirt-pause-releases',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      view.observe(r);
      if (r.kind === 'lock.op' && r.fields[0] === 'ProcessPause' && r.fields[2] !== 'ok') {
        const pid = r.fields[1];
        if (typeof pid === 'number') pauseFailed.add(pid);
      } else if (r.kind === 'libvirt.domain') {
        const [from, to] = r.fields;
        const pid = pidOfSubject(r.subject);
        if (to === 'running') pauseFailed.delete(pid);
        if (from !== 'running' || to !== 'paused') return;
        if (pauseFailed.has(pid) || view.isUnprotected(pid)) return;
        const held = view.heldBy(pid);
        if (held.length > 0) {
          ctx.violation('LEAK', `${r.subject} paused but still holds ${held.join(', ')}`, [r.subject, ...held]);
        }
      }
    },
  };
}
