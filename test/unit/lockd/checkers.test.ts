/**
 * The libvirt checkers on hand-made runs: each reports its property when the system really does
 * what the property forbids, and the documented unsafe window is a finding of its own kind.
 */
import { describe, expect, it } from 'vitest';
import { libvirtDiskWritersChecker } from '../../../src/check/libvirt-disk-writers.js';
import { libvirtKillBoundChecker } from '../../../src/check/libvirt-kill-bound.js';
import { libvirtPauseReleasesChecker } from '../../../src/check/libvirt-pause-releases.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { domainDef, runLibvirt } from './support.js';

describe('libvirt checkers', () => {
  it("a lock-daemon crash lets a second domain take a running domain's disk: UNSAFE when asked, excused by default", () => {
    const workload = function* (h: Parameters<Parameters<typeof runLibvirt>[1]>[0]) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      h.hv('node1').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      const d = h.cluster.lockDaemons.get('node1');
      const p = d?.process();
      if (!d || !p) throw new Error('no daemon');
      h.world.processes.crashProcess(p, 'test');
      d.restart();
      yield* h.world.sleep(1_000);
      yield* h.hv('node1').start('b'); // the new daemon's table is empty: b gets the disk
      yield* h.world.sleep(300_000);
    };
    const strict = runLibvirt(
      { checkers: [libvirtDiskWritersChecker({ directMode: true, reportUnsafe: true })] },
      workload,
    );
    expect(strict.violations[0]).toMatch(/^UNSAFE: disk \/var\/lib\/libvirt\/images\/d1\.img: .* runs unprotected/);
    const lenient = runLibvirt({ checkers: [libvirtDiskWritersChecker({ directMode: true })] }, workload);
    expect(lenient.violations).toEqual([]);
  });

  it("a QEMU resumed behind libvirt's back writes without its lock while another domain takes the disk: UNSAFE when asked, excused by default", () => {
    const workload = function* (h: Parameters<Parameters<typeof runLibvirt>[1]>[0]) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      h.hv('node1').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      yield* h.hv('node1').suspend('a'); // paused: its lock is released
      yield* h.hv('node1').start('b'); // so b may take the disk
      expect(h.hv('node1').qemuSideResume('a')).toBe(true); // and a runs again, with no lock call
      expect(h.hv('node1').domain('a')?.state).toBe('paused'); // as far as libvirt knows
      yield* h.world.sleep(300_000);
    };
    const strict = runLibvirt(
      { checkers: [libvirtDiskWritersChecker({ directMode: true, reportUnsafe: true })] },
      workload,
    );
    expect(strict.violations[0]).toMatch(
      /^UNSAFE: disk \/var\/lib\/libvirt\/images\/d1\.img: .* runs unprotected \(its lock daemon crashed, or QEMU resumed it behind libvirt's back\)/,
    );
    const lenient = runLibvirt({ checkers: [libvirtDiskWritersChecker({ directMode: true })] }, workload);
    expect(lenient.violations).toEqual([]);
  });

  it('KILL is reported when a disconnected owner keeps running past 3 s (release-without-kill)', () => {
    const { violations } = runLibvirt(
      { mutants: MutantSet.of('release-without-kill'), checkers: [libvirtKillBoundChecker()] },
      function* (h) {
        h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
        yield* h.hv('node1').start('a');
        const pid = h.hv('node1').domain('a')?.qemu?.pid ?? 0;
        h.cluster.lockDaemons.get('node1')?.dropOwnerConnection(pid);
        yield* h.world.sleep(4_000_000);
      },
    );
    expect(violations).toEqual([expect.stringMatching(/^KILL: node1\/qemu-a#1 lost its locks but is still alive/)]);
  });

  it('LEAK is reported when a pause leaves the lock held (lease-release-noop), not otherwise', () => {
    const workload = function* (h: Parameters<Parameters<typeof runLibvirt>[1]>[0]) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      yield* h.hv('node1').suspend('a');
    };
    const clean = runLibvirt({ checkers: [libvirtPauseReleasesChecker()] }, workload);
    expect(clean.violations).toEqual([]);
    const mutated = runLibvirt(
      { mutants: MutantSet.of('lease-release-noop'), checkers: [libvirtPauseReleasesChecker()] },
      workload,
    );
    expect(mutated.violations).toEqual([expect.stringMatching(/^LEAK: a\/\d+ paused but still holds node1:\|/)]);
  });
});
