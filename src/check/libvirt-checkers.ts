/**
 * Every libvirt checker a scenario of the libvirt lock manager gets: the §6.4 invariants over
 * trace events, plus the two lifecycle models (domain lock, lock resource) as LST monitors.
 */

import { domainLockMachine, lockResourceMachine } from '../../models/index.js';
import type { Checker } from '../../scenarios/scenario.js';
import { libvirtDiskWritersChecker } from './libvirt-disk-writers.js';
import { libvirtKillBoundChecker } from './libvirt-kill-bound.js';
import { libvirtLockTableChecker } from './libvirt-lock-table.js';
import { libvirtPauseReleasesChecker } from './libvirt-pause-releases.js';
import { modelStatusChecker } from './model-monitor.js';
import { compileTransitions } from './model-table.js';

const domainTable = compileTransitions(domainLockMachine);
const resourceTable = compileTransitions(lockResourceMachine);

export function libvirtCheckers(opts: { readonly directMode: boolean }): Checker[] {
  return [
    libvirtDiskWritersChecker(opts),
    libvirtLockTableChecker(),
    libvirtKillBoundChecker(),
    libvirtPauseReleasesChecker(),
    modelStatusChecker(domainTable, 'libvirt.domain'),
    modelStatusChecker(resourceTable, 'libvirt.resource'),
  ];
}
