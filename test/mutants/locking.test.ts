/**
 * The locking mutants of `spec/mutants.md`: for each, a property that holds for the real lock
 * manager and fails once the mutant is switched on. fast-check runs with a fixed seed, so both
 * verdicts are reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_SET, LockSet, LockUsageError, SharedLock } from '../../src/locking/index.js';
import { type MutantName, MutantSet } from '../../src/mutants/registry.js';
import { describeOutcome } from '../../src/sim/outcome.js';
import { Simulation } from '../../src/sim/simulation.js';
import { priorityInversion, queuedGrants, strategyArb } from '../properties/locking-support.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Runs the property without and with the mutant; returns both verdicts. */
function verdicts<Ts extends [unknown, ...unknown[]]>(
  name: MutantName,
  prop: (mutants: MutantSet) => fc.IPropertyWithHooks<Ts>,
  numRuns: number,
) {
  const params = { numRuns, seed: 20240611 };
  const clean = fc.check(prop(MutantSet.none), params);
  const mutated = fc.check(prop(MutantSet.of(name)), params);
  return { clean, mutated };
}

/** An "all" acquirer against a named acquirer of every member: never a deadlock. */
const allVersusNamed = (mutants: MutantSet) =>
  fc.property(
    fc.shuffledSubarray(['inst1', 'inst2', 'inst3', 'inst4'], { minLength: 2 }),
    fc.boolean(),
    seedArb,
    strategyArb,
    (members, allShared, seed, strategy) => {
      const sim = Simulation.create({ seed, strategy });
      const ls = new LockSet(sim, members, 'instance', { mutants });
      sim.spawn('all', function* () {
        yield* ls.acquire(ALL_SET, { shared: allShared });
        yield* sim.yieldNow();
        ls.release();
      });
      sim.spawn('named', function* () {
        yield* ls.acquire(members, { shared: false });
        yield* sim.yieldNow();
        ls.release();
      });
      const r = sim.run();
      expect(describeOutcome(r.outcome)).toBe('completed');
    },
  );

/** A thread that adds a lock the Ganeti way (release first when refused) against an "all" acquirer. */
const adderVersusAll = (mutants: MutantSet) =>
  fc.property(fc.boolean(), seedArb, strategyArb, (allShared, seed, strategy) => {
    const sim = Simulation.create({ seed, strategy });
    const ls = new LockSet(sim, ['inst1', 'inst2'], 'instance', { mutants });
    sim.spawn('adder', function* () {
      yield* ls.acquire(['inst1']);
      yield* sim.yieldNow();
      try {
        yield* ls.add(['inst3']);
        ls.release();
      } catch (e) {
        if (!(e instanceof LockUsageError)) throw e;
        ls.release(); // not allowed while partially owning: release, then add
        yield* ls.add(['inst3']);
      }
    });
    sim.spawn('all', function* () {
      yield* ls.acquire(ALL_SET, { shared: allShared });
      yield* sim.yieldNow();
      ls.release();
    });
    const r = sim.run();
    expect(describeOutcome(r.outcome)).toBe('completed');
  });

/**
 * Sharers queue behind an exclusive holder, then an exclusive waiter E queues; the holder releases
 * (waking the batch) and only then a late sharer arrives: E is served before the late sharer.
 */
const lateSharerAfterExclusive = (mutants: MutantSet) =>
  fc.property(fc.integer({ min: 1, max: 3 }), seedArb, strategyArb, (sharers, seed, strategy) => {
    const sim = Simulation.create({ seed, strategy });
    const lock = new SharedLock(sim, 'instance/inst1', { mutants });
    const ids = { exclusive: -1, late: -1 };
    const user = (shared: boolean) =>
      function* () {
        yield* lock.acquire({ shared });
        yield* sim.yieldNow();
        lock.release();
      };
    sim.spawn('holder', function* () {
      yield* lock.acquire();
      for (let i = 0; i < sharers; i++) {
        sim.spawn(`S${i}`, user(true));
        yield* sim.sleep(10);
      }
      ids.exclusive = sim.spawn('E', user(false)).id;
      yield* sim.sleep(10);
      lock.release();
      ids.late = sim.spawn('late', user(true)).id;
    });
    const r = sim.run();
    expect(r.outcome.kind).toBe('completed');
    const granted = r.trace
      .snapshot()
      .filter((e) => e.kind === 'lock.acquired')
      .map((e) => e.thread);
    expect(granted.indexOf(ids.exclusive)).toBeLessThan(granted.indexOf(ids.late));
  });

/** Waiters queued behind a held lock, in arrival order, with distinct priorities: served by priority. */
const priorityOrder = (mutants: MutantSet) =>
  fc.property(
    fc.uniqueArray(fc.integer({ min: -20, max: 19 }), { minLength: 2, maxLength: 8 }),
    fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    seedArb,
    strategyArb,
    (priorities, shared, seed, strategy) => {
      const sim = Simulation.create({ seed, strategy });
      const lock = new SharedLock(sim, 'node/node1', { mutants });
      sim.spawn('holder', function* () {
        yield* lock.acquire();
        for (const [i, priority] of priorities.entries()) {
          sim.spawn(`w${i}`, function* () {
            yield* lock.acquire({ shared: shared[i] ?? false, priority });
            lock.release();
          });
        }
        yield* sim.sleep(1000);
        lock.release();
      });
      const r = sim.run();
      expect(r.outcome.kind).toBe('completed');
      expect(priorityInversion(queuedGrants(r.trace.snapshot(), 'node/node1'))).toBeNull();
    },
  );

describe('locking mutants', () => {
  it('lockset-unsorted-all: property "an ALL_SET acquirer and a named acquirer of the same members never deadlock" holds, and fails with the mutant', () => {
    const { clean, mutated } = verdicts('lockset-unsorted-all', allVersusNamed, 150);
    expect(clean.failed, String(clean.counterexample)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/deadlock/);
  });

  it('lockset-add-partial: property "a thread adding locks never deadlocks against an ALL_SET acquirer" holds, and fails with the mutant', () => {
    const { clean, mutated } = verdicts('lockset-add-partial', adderVersusAll, 150);
    expect(clean.failed, String(clean.counterexample)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/deadlock/);
  });

  it('sharedlock-late-sharers-join: property "a sharer arriving after the batch ahead of an exclusive waiter was woken is served after that waiter" holds, and fails with the mutant', () => {
    const { clean, mutated } = verdicts('sharedlock-late-sharers-join', lateSharerAfterExclusive, 150);
    expect(clean.failed, String(clean.counterexample)).toBe(false);
    expect(mutated.failed).toBe(true);
  });

  it('lock-wait-ignores-priority: property "waiters are served by priority, not by arrival" holds, and fails with the mutant', () => {
    const { clean, mutated } = verdicts('lock-wait-ignores-priority', priorityOrder, 150);
    expect(clean.failed, String(clean.counterexample)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/\(prio -?\d+, entry \d+\) served/);
  });
});
