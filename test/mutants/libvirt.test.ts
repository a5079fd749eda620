/**
 * The libvirt mutants of `spec/mutants.md`: for each, a property over random domain lifecycles
 * (the `libvirt-domain-lifecycle` scenario, restricted to the operations and faults that matter)
 * that holds for our lock manager and fails once the mutant is switched on. fast-check runs with
 * a fixed seed, so both verdicts are reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenario } from '../../scenarios/libvirt-domain-lifecycle.js';
import type { Checker, Scenario } from '../../scenarios/scenario.js';
import { libvirtDiskWritersChecker } from '../../src/check/libvirt-disk-writers.js';
import { libvirtKillBoundChecker } from '../../src/check/libvirt-kill-bound.js';
import { libvirtPauseReleasesChecker } from '../../src/check/libvirt-pause-releases.js';
import { executeRun } from '../../src/explore/run.js';
import { scheduleArbitrary } from '../../src/explore/schedule.js';
import { type MutantName, MutantSet } from '../../src/mutants/registry.js';

/** The scenario with only `checkers` watching, so a verdict names exactly one property. */
function watchedBy(checkers: () => Checker[]): Scenario<unknown> {
  const base = scenario as unknown as Scenario<unknown>;
  return { ...base, build: (world, input) => ({ ...base.build(world, input), checkers: checkers() }) };
}

/** Runs the property "no run has a finding" without and with the mutant; returns both verdicts. */
function verdicts(name: MutantName, sc: Scenario<unknown>, features: readonly string[], numRuns: number) {
  const prop = (mutants: MutantSet) =>
    fc.property(
      sc.params(new Set(features)),
      sc.faults(new Set(features)),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      scheduleArbitrary({ kind: 'pct' }),
      (params, faults, seed, schedule) => {
        const r = executeRun(sc, { seed, params, faults, schedule }, { mutants, trace: 'hash' });
        if (r.finding) throw new Error(`${r.finding.property}: ${r.finding.message}`);
      },
    );
  const opts = { numRuns, seed: 20261129, endOnFailure: true };
  return { clean: fc.check(prop(MutantSet.none), opts), mutated: fc.check(prop(MutantSet.of(name)), opts) };
}

const mxOnly = watchedBy(() => [libvirtDiskWritersChecker({ directMode: false })]);

describe('libvirt mutants', () => {
  it('release-all-leases: no disk is written by two domains (MX) across hot-unplugs; fails only with the mutant', () => {
    const { clean, mutated } = verdicts('release-all-leases', mxOnly, ['op:hotplug'], 300);
    expect(clean.failed).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/MX: disk .* writes it/);
  });

  it('release-without-kill: no disk is written by two domains (MX) when lock connections drop; fails only with the mutant', () => {
    const { clean, mutated } = verdicts('release-without-kill', mxOnly, ['fault:conn-drop'], 300);
    expect(clean.failed).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/MX: disk .* writes it/);
  });

  it('release-without-kill: a process whose locks were freed on disconnect dies within 3 s (KILL); fails only with the mutant', () => {
    const sc = watchedBy(() => [libvirtKillBoundChecker()]);
    const { clean, mutated } = verdicts('release-without-kill', sc, ['fault:conn-drop'], 100);
    expect(clean.failed).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/KILL: .* lost its locks but is still alive/);
  });

  it('acquire-after-resume: no guest writes a disk another domain writes (MX) at start-up; fails only with the mutant', () => {
    const { clean, mutated } = verdicts('acquire-after-resume', mxOnly, [], 200);
    expect(clean.failed).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/MX: disk .* writes it/);
  });

  it('lease-release-noop: a paused domain holds no lock (LEAK), so resume and migration can acquire; fails only with the mutant', () => {
    const sc = watchedBy(() => [libvirtPauseReleasesChecker()]);
    const { clean, mutated } = verdicts('lease-release-noop', sc, ['op:suspend', 'op:migrate'], 200);
    expect(clean.failed).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/LEAK: .* paused but still holds/);
  });
});
