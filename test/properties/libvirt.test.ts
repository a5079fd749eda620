/**
 * The invariants of libvirt spec §6.4 as properties over random domain lifecycles: the
 * `libvirt-domain-lifecycle` scenario (domains sharing images on two nodes; start, pause, resume,
 * hotplug, migrate, save, failover; lock-daemon crashes and re-execs, libvirtd restarts, dropped
 * lock connections, QEMU crashes, slow lease storage), run under random PCT schedules with only
 * the checker of the invariant at hand watching, so a failure names exactly that invariant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainLockMachine, lockResourceMachine } from '../../models/index.js';
import { scenario } from '../../scenarios/libvirt-domain-lifecycle.js';
import type { Checker, Scenario } from '../../scenarios/scenario.js';
import { libvirtDiskWritersChecker } from '../../src/check/libvirt-disk-writers.js';
import { libvirtKillBoundChecker, sanlockLeaseLossChecker } from '../../src/check/libvirt-kill-bound.js';
import { libvirtLockTableChecker } from '../../src/check/libvirt-lock-table.js';
import { libvirtPauseReleasesChecker } from '../../src/check/libvirt-pause-releases.js';
import { modelStatusChecker } from '../../src/check/model-monitor.js';
import { compileTransitions } from '../../src/check/model-table.js';
import { executeRun } from '../../src/explore/run.js';
import { scheduleArbitrary } from '../../src/explore/schedule.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { domainDef, runLibvirt } from '../unit/lockd/support.js';

const ALL_FEATURES = scenario.features;
const FAULTS = ALL_FEATURES.filter((f) => f.startsWith('fault:'));
const OPS = ALL_FEATURES.filter((f) => !f.startsWith('fault:'));

function holds(checkers: () => Checker[], features: readonly string[], numRuns: number): void {
  const base = scenario as unknown as Scenario<unknown>;
  const sc: Scenario<unknown> = { ...base, build: (w, i) => ({ ...base.build(w, i), checkers: checkers() }) };
  fc.assert(
    fc.property(
      sc.params(new Set(features)),
      sc.faults(new Set(features)),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      scheduleArbitrary({ kind: 'pct' }),
      (params, faults, seed, schedule) => {
        const r = executeRun(sc, { seed, params, faults, schedule }, { mutants: MutantSet.none, trace: 'hash' });
        if (r.finding) throw new Error(`${r.finding.property}: ${r.finding.message}`);
        expect(['completed', 'quiescent']).toContain(r.result.outcome.kind);
      },
    ),
    { numRuns, seed: 8_004 },
  );
}

describe('libvirt invariants (spec §6.4) over random lifecycles', () => {
  it('1-2: an exclusive record has one owner, and no resource is exclusive on one node and held on another', () => {
    holds(() => [libvirtLockTableChecker()], ALL_FEATURES, 150);
  });

  it('6 and 11: an owner whose connection closed holds no exclusive record; a re-exec leaves the table unchanged', () => {
    holds(
      () => [libvirtLockTableChecker()],
      ['fault:conn-drop', 'fault:qemu-crash', 'fault:lockd-reexec', ...OPS],
      150,
    );
  });

  it('7: a process whose locks were freed because its connection closed is dead within 3 s', () => {
    holds(() => [libvirtKillBoundChecker()], ['fault:conn-drop', 'op:suspend', 'op:hotplug'], 100);
  });

  it('7 (sanlock): once a host loses its delta lease, no process there holds a lease beyond the bound (killed, paused or fenced)', () => {
    holds(
      () => [sanlockLeaseLossChecker(350_000)],
      ['lock:sanlock', 'fault:lease-storage', 'op:suspend', 'op:migrate'],
      100,
    );
  });

  it('8: a running guest writes only disks its QEMU holds the lock of (outside the daemon-crash window)', () => {
    // HOLD reads lockd's table (direct mode), so sanlock runs are left out.
    const lockd = ALL_FEATURES.filter((f) => f !== 'lock:sanlock');
    holds(() => [libvirtDiskWritersChecker({ directMode: true })], lockd, 150);
  });

  it('9: a domain whose pause succeeded holds no lock', () => {
    holds(() => [libvirtPauseReleasesChecker()], ALL_FEATURES, 150);
  });

  it('5 and LST: every domain-lock and lock-resource change is a transition of its xstate model (no re-entrancy, no upgrade)', () => {
    const models = () => [
      modelStatusChecker(compileTransitions(domainLockMachine), 'libvirt.domain'),
      modelStatusChecker(compileTransitions(lockResourceMachine), 'libvirt.resource'),
    ];
    holds(models, ALL_FEATURES, 150);
  });

  it('10 and MX: no disk is written by two domains, through migrations, failovers and faults', () => {
    holds(() => [libvirtDiskWritersChecker({ directMode: false })], [...OPS, ...FAULTS], 150);
  });
});

describe('libvirt lock acquisition', () => {
  const modes = fc.constantFrom('exclusive', 'shared', 'readonly');
  it('3 and 4: a readonly disk never conflicts, and a conflicting acquire fails at once instead of waiting', () => {
    fc.assert(
      fc.property(modes, modes, fc.integer({ min: 0, max: 1000 }), (first, second, seed) => {
        const flags = (m: string) => ({ image: 'd1.img', shared: m === 'shared', readonly: m === 'readonly' });
        let secondStartUs = 0;
        let secondOk = false;
        runLibvirt({ seed }, function* (h) {
          h.hv('node1').define(domainDef('a', [flags(first)]));
          h.hv('node2').define(domainDef('b', [flags(second)]));
          yield* h.hv('node1').start('a');
          const t0 = h.world.now();
          try {
            yield* h.hv('node2').start('b');
            secondOk = true;
          } catch {
            secondOk = false;
          }
          secondStartUs = h.world.now() - t0;
        });
        const conflict =
          first !== 'readonly' && second !== 'readonly' && (first === 'exclusive' || second === 'exclusive');
        expect(secondOk).toBe(!conflict);
        // A handful of local RPCs and file-lock calls: far below any wait (guests tick every 100 ms).
        expect(secondStartUs).toBeLessThan(5_000);
      }),
      { numRuns: 40, seed: 8_003 },
    );
  });
});
