/**
 * Properties of the lock manager over many random lock programs, under random and PCT schedules
 * (the schedule seed comes from fast-check, so a failure replays and shrinks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findWaitCycle, formatWaitCycle } from '../../src/check/wait-for.js';
import { LockMonitor, SharedLock } from '../../src/locking/index.js';
import { describeOutcome } from '../../src/sim/outcome.js';
import { Simulation } from '../../src/sim/simulation.js';
import {
  mutualExclusionViolations,
  orderedProgramArb,
  priorityInversion,
  queuedGrants,
  runOrderedProgram,
  runUnorderedProgram,
  strategyArb,
  unorderedProgramArb,
} from './locking-support.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('locking properties', () => {
  it('property: programs that respect level and in-level order never deadlock, and every lock grant respects mutual exclusion', () => {
    fc.assert(
      fc.property(orderedProgramArb, seedArb, strategyArb, (program, seed, strategy) => {
        const { result } = runOrderedProgram(program, seed, strategy);
        expect(describeOutcome(result.outcome)).toBe('completed');
        expect(mutualExclusionViolations(result.trace.snapshot())).toEqual([]);
      }),
      { numRuns: Number(process.env.LOCKING_RUNS ?? 1000) },
    );
  });

  it('property: mutual exclusion holds at every step of programs that break the order, deadlocked or not', () => {
    fc.assert(
      fc.property(unorderedProgramArb, seedArb, strategyArb, (program, seed, strategy) => {
        const { result } = runUnorderedProgram(program, seed, strategy);
        expect(['completed', 'deadlock']).toContain(result.outcome.kind);
        expect(mutualExclusionViolations(result.trace.snapshot())).toEqual([]);
      }),
      { numRuns: 250 },
    );
  });

  it("property: waiters queued behind a held lock are served by priority (lower first), FIFO within a priority, each priority's sharers as one batch", () => {
    const waiterArb = fc.record({ priority: fc.integer({ min: -20, max: 19 }), shared: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(waiterArb, { minLength: 2, maxLength: 12 }),
        seedArb,
        strategyArb,
        (waiters, seed, strategy) => {
          const sim = Simulation.create({ seed, strategy });
          const lock = new SharedLock(sim, 'prio-lock');
          sim.spawn('holder', function* () {
            yield* lock.acquire();
            waiters.forEach((w, i) => {
              sim.spawn(`w${i}`, function* () {
                yield* lock.acquire({ shared: w.shared, priority: w.priority });
                yield* sim.yieldNow();
                lock.release();
              });
            });
            yield* sim.sleep(1000); // every waiter queues, in whatever order the schedule picks
            lock.release();
          });
          const r = sim.run();
          expect(r.outcome.kind).toBe('completed');
          const grants = queuedGrants(r.trace.snapshot(), 'prio-lock');
          expect(grants).toHaveLength(waiters.length);
          expect(priorityInversion(grants)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a run of an order-breaking program that ends in deadlock is reported as such, and the wait-for graph names a cycle of blocked threads through held or queued locks', () => {
    let deadlocks = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }).chain((locks) =>
          fc.record({
            locks: fc.constant(locks),
            threads: fc.array(
              fc.record({
                order: fc.shuffledSubarray(
                  Array.from({ length: locks }, (_, i) => i),
                  { minLength: 2 },
                ),
                shared: fc.array(
                  fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
                  { minLength: locks, maxLength: locks },
                ),
              }),
              { minLength: 2, maxLength: 4 },
            ),
          }),
        ),
        seedArb,
        strategyArb,
        (program, seed, strategy) => {
          const { result, monitor, locks } = runUnorderedProgram(program, seed, strategy);
          if (result.outcome.kind === 'completed') {
            expect(findWaitCycle(monitor.waitForGraph())).toBeNull();
            return;
          }
          expect(result.outcome.kind).toBe('deadlock');
          if (result.outcome.kind !== 'deadlock') return;
          deadlocks++;
          const cycle = findWaitCycle(monitor.waitForGraph());
          expect(cycle, describeOutcome(result.outcome)).not.toBeNull();
          const blocked = new Map(result.outcome.blocked.map((b) => [b.name, b.waitsOn]));
          for (const step of cycle ?? []) {
            // The waiter is really blocked on that lock's queue ...
            expect(blocked.get(step.waiter.label)).toMatch(new RegExp(`^lock:${step.resource}:`));
            // ... and the blocker holds the lock or waits ahead of it.
            const lock = locks.find((l) => l.name === step.resource) as SharedLock;
            const owners = lock.owners().map((t) => t.name);
            if (step.via === 'held') expect(owners).toContain(step.blocker.label);
            else expect(blocked.get(step.blocker.label)).toMatch(new RegExp(`^lock:${step.resource}:`));
          }
        },
      ),
      { numRuns: Number(process.env.LOCKING_RUNS ?? 400) },
    );
    expect(deadlocks).toBeGreaterThan(0);
  });

  it('the classic AB/BA program deadlocks under some random schedules, and the cycle is named "t0 waits for B held by t1; t1 waits for A held by t0"', () => {
    const names = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const sim = Simulation.create({ seed, strategy: { kind: 'random' } });
      const monitor = new LockMonitor();
      const a = new SharedLock(sim, 'A', { monitor });
      const b = new SharedLock(sim, 'B', { monitor });
      for (const [name, first, second] of [
        ['t0', a, b],
        ['t1', b, a],
      ] as const) {
        sim.spawn(name, function* () {
          yield* first.acquire();
          yield* sim.yieldNow();
          yield* second.acquire();
          second.release();
          first.release();
        });
      }
      const r = sim.run();
      if (r.outcome.kind !== 'deadlock') continue;
      const cycle = findWaitCycle(monitor.waitForGraph());
      names.add(cycle ? formatWaitCycle(cycle) : 'no cycle');
    }
    expect([...names]).toEqual(['t0 waits for B (exclusive) held by t1; t1 waits for A (exclusive) held by t0']);
  });
});
