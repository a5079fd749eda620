/**
 * MX for disks (libvirt spec §6.4, invariants 8 and 10, and the "no disk is written by
 * two domains unless its access mode allows it"), judged from what the guests actually wrote.
 *
 * A QEMU is an active writer of a disk from its `guest.write` until its vCPUs stop, it unplugs
 * the disk, or it dies. A write while another live QEMU is an active writer of the same disk,
 * one of them in exclusive mode, is a violation (`MX`); migration hand-over is covered because
 * the source stops before the destination starts. A write by a QEMU that does not hold the
 * disk's lock in any lock daemon (direct mode: the image path in the default lockspace) breaks
 * "running ⇒ holds" (`HOLD`).
 *
 * The documented unsafe windows (spec §2.4 and invariant 8 (a) and (b)) are findings of their own
 * kind: a QEMU whose lock daemon crashed, or whose vCPUs QEMU resumed behind libvirt's back, runs
 * on unprotected, so a conflict involving it is reported as `UNSAFE` only when `reportUnsafe` is
 * set, and excused otherwise (libvirt behaves so by design; a search for bugs must not stop there).
 * The post-copy migration window (8 (c)) is inferred in the spec and not simulated.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { LibvirtView } from './libvirt-view.js';

export interface DiskWritersOptions {
  /** Also check HOLD: disks are locked directly (the image path in the default lockspace). */
  readonly directMode: boolean;
  /** Report conflicts in the daemon-crash window as `UNSAFE` instead of excusing them. */
  readonly reportUnsafe?: boolean;
}

export function libvirtDiskWritersChecker(opts: DiskWritersOptions): Checker {
  const view = new LibvirtView();
  /** path -> writer pid -> [mode, subject]. */
  const active = new Map<string, Map<number, ['shared' | 'exclusive', string]>>();
  const stopWriting = (pid: number) => {
    for (const writers of active.values()) writers.delete(pid);
  };
  return {
    name: 'libvirt-disk-writers',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      const died = view.observe(r);
      if (died !== null) {
        stopWriting(died);
        return;
      }
      if (isEvent(r, 'guest.cpus') && r.fields[0] === 'stopped') {
        const pid = Number(r.subject.slice(r.subject.lastIndexOf('/') + 1));
        stopWriting(pid);
      } else if (isEvent(r, 'guest.detach')) {
        const [, pid] = r.fields;
        active.get(r.subject)?.delete(pid);
      } else if (isEvent(r, 'guest.write')) {
        const [who, pid, mode] = r.fields;
        let writers = active.get(r.subject);
        if (!writers) {
          writers = new Map();
          active.set(r.subject, writers);
        }
        const excused = view.isUnprotected(pid);
        for (const [other, [otherMode, otherWho]] of writers) {
          if (other === pid || view.isDead(other)) continue;
          if (mode !== 'exclusive' && otherMode !== 'exclusive') continue;
          if (excused || view.isUnprotected(other)) {
            if (!opts.reportUnsafe) continue;
            ctx.violation(
              'UNSAFE',
              `disk ${r.subject}: ${who} and ${otherWho} both write it; one runs unprotected (its lock daemon crashed, or QEMU resumed it behind libvirt's back)`,
              [r.subject, who, otherWho],
            );
            return;
          }
          ctx.violation(
            'MX',
            `disk ${r.subject}: ${who} writes it (${mode}) while ${otherWho} writes it (${otherMode})`,
            [r.subject, who, otherWho],
          );
          return;
        }
        writers.set(pid, [mode, who]);
        if (opts.directMode && !excused) {
          const holds = view.recordsOf(`|${r.subject}`).some(([, rec]) => rec.owners.includes(pid));
          if (!holds) {
            ctx.violation('HOLD', `disk ${r.subject}: ${who} writes it while its vCPUs run without holding its lock`, [
              r.subject,
              who,
            ]);
          }
        }
      }
    },
  };
}
