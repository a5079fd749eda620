/**
 * Every libvirt checker a scenario of the libvirt lock manager gets: the §6.4 invariants over
 * trace events, plus the two lifecycle models (domain lock, lock resource) as LST monitors.
 */

import { domainLockMachine, lockResourceMachine } from '../../models/index.js';
import type { Checker } from '../../scenarios/scenario.js';
import { libvirtDiskWritersChecker } from './libvirt-disk-writers.js';
import { libvirtKillBoundChecker, sanlockLeaseLossChecker } from './libvirt-kill-bound.js';
import { libvirtLockTableChecker } from './libvirt-lock-table.js';
import { libvirtPauseReleasesChecker } from './libvirt-pause-releases.js';
import { modelStatusChecker } from './model-monitor.js';
import { compileTransitions } from './model-table.js';

const domainTable = compileTransitions(domainLockMachine);
const resourceTable = compileTransitions(lockResourceMachine);

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
    modelStatusChecker(domainTable, 'libvirt.domain'),
    modelStatusChecker(resourceTable, 'libvirt.resource'),
  ];
}
