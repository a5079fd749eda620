import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../scenarios/scenario.js';
import { lockStarvationChecker } from '../../../src/check/lock-starvation.js';
import { executeRun } from '../../../src/explore/run.js';
import { SharedLock } from '../../../src/locking/shared-lock.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { applyFaultPlan, type FaultPlan } from '../../../src/sim/faults.js';
import { renderTrace } from '../../../src/sim/trace.js';

interface Params {
  /** How long the first thread holds the lock, µs; null: forever. */
  readonly holdUs: number | null;
}

/** A holder and a waiter on one lock; the liveness phase starts at 1 ms, starvation threshold 5 ms. */
function holderScenario(): Scenario<Params> {
  return {
    id: 'holder',
    title: 'one holder, one waiter',
    description: 'a lock held for a while or forever',
    seeds: [],
    mutants: [],
    features: [],
    budget: { maxSteps: 10_000, maxTimeUs: 1_000_000 },
    source: import.meta.url,
    params: () => fc.constant({ holdUs: null }),
    faults: () => fc.constant({}),
    size: () => ({ jobs: 2, faults: 0 }),
    build(world, { params, faults }) {
      const lock = new SharedLock(world, 'the-lock');
      world.processes.startProcess('node1', 'holder', function* () {
        yield* lock.acquire({ shared: false });
        if (params.holdUs === null) {
          for (;;) yield* world.sleep(1_000);
        }
        yield* world.sleep(params.holdUs);
        lock.release();
      });
      world.processes.startProcess('node1', 'waiter', function* () {
        yield* world.sleep(10);
        yield* lock.acquire({ shared: false });
        lock.release();
      });
      applyFaultPlan(world, faults);
      return {
        checkers: [lockStarvationChecker({ thresholdUs: 5_000 })],
        livenessFromUs: 1_000,
      };
    },
  };
}

const run = (params: Params, faults: FaultPlan = {}) =>
  executeRun(
    holderScenario(),
    { seed: 1, params, faults, schedule: { kind: 'fifo' } },
    {
      mutants: MutantSet.none,
      trace: 'full',
    },
  );

describe('the liveness phase', () => {
  it('a lock held forever starves its waiter: a STARV liveness finding once the wait passes the threshold after the calm', () => {
    const r = run({ holdUs: null });
    expect(r.finding?.kind).toBe('liveness');
    expect(r.finding?.property).toBe('STARV');
    expect(r.finding?.message).toBe(
      'node1/waiter#1:main has waited 6000 us for the-lock in the liveness phase (threshold 5000 us)',
    );
    // The clock of the wait starts at the calm (1 ms), so the finding comes after 6 ms, not 5 ms.
    expect(r.result.timeUs).toBeGreaterThan(6_000);
    expect(r.result.timeUs).toBeLessThanOrEqual(7_000);
  });

  it('a wait shorter than the threshold is no finding', () => {
    const r = run({ holdUs: 4_000 });
    expect(r.finding).toBeNull();
    expect(r.result.outcome.kind).toBe('completed');
  });

  it('calms the world at livenessFromUs and skips explicit faults planned after it', () => {
    const plan: FaultPlan = {
      faults: [{ kind: 'crash-process', node: 'node1', process: 'holder', at: { timeUs: 2_000 } }],
    };
    const r = run({ holdUs: 3_000 }, plan);
    const lines = renderTrace(r.result.trace.snapshot(), r.result.trace.threadNames).split('\n');
    const calm = lines.findIndex((l) => l.includes('fault.calm'));
    const skipped = lines.findIndex((l) => /fault\.crash-process\s+node1\/holder\s+skipped liveness-phase/.test(l));
    expect(calm).toBeGreaterThanOrEqual(0);
    expect(skipped).toBeGreaterThan(calm);
    expect(r.finding).toBeNull();
  });
});
