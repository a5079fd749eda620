/**
 * Every libvirt checker a scenario of the libvirt lock manager gets: the §6.4 invariants over
 * trace events. The two lifecycle models (domain lock, lock resource) are monitored in every run
 * by `genericCheckers`, like every model of `models/index.ts`.
 */

import type { Checker } from './checker.js';
import { libvirtDiskWritersChecker } from './libvirt-disk-writers.js';
import { libvirtKillBoundChecker, sanlockLeaseLossChecker } from './libvirt-kill-bound.js';
import { libvirtLockTableChecker } from './libvirt-lock-table.js';
import { libvirtPauseReleasesChecker } from './libvirt-pause-releases.js';

export interface LibvirtCheckerOptions {
  /** lockd in direct mode: HOLD can read each disk's lock from the lock daemon's table. */
  readonly directMode: boolean;
  /** Time from a sanlock lease loss by which its holders must be gone (default 3 s). */
  readonly sanlockKillBoundUs?: number;
}

export function libvirtCheckers(opts: LibvirtCheckerOptions): Checker[] {
  return [
    libvirtDiskWritersChecker(opts),
    libvirtLockTableChecker(),
    libvirtKillBoundChecker(),
    sanlockLeaseLossChecker(opts.sanlockKillBoundUs ?? 3_000_000),
    libvirtPauseReleasesChecker(),
  ];
}
