import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withoutPreemption } from '../../../src/explore/fewest-preemptions.js';
import { deepeningLevel, PCT_MAX_DEPTH, pctPlanForRun, scheduleArbitrary } from '../../../src/explore/schedule.js';
import { Simulation } from '../../../src/sim/simulation.js';

describe('PCT deepening over the runs of a search', () => {
  it('runs 0-49 draw from the base depths with the default guess; each doubling of the run index adds a depth', () => {
    expect(pctPlanForRun(undefined, 0)).toEqual({ depths: [1, 2, 3] });
    expect(pctPlanForRun(undefined, 49)).toEqual({ depths: [1, 2, 3] });
    expect(pctPlanForRun(undefined, 50)).toMatchObject({ depths: [1, 2, 3, 4], unbounded: true });
    expect(pctPlanForRun(undefined, 149).depths).toEqual([1, 2, 3, 4]);
    expect(pctPlanForRun(undefined, 150).depths).toEqual([1, 2, 3, 4, 5]);
    expect(pctPlanForRun(undefined, 350).depths).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pctPlanForRun(undefined, 750).depths).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pctPlanForRun(undefined, 1_000_000_000).depths).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, PCT_MAX_DEPTH]);
  });

  it("a scenario's own depths deepen from their largest", () => {
    expect(pctPlanForRun([2, 3, 4, 5], 10).depths).toEqual([2, 3, 4, 5]);
    expect(pctPlanForRun([2, 3, 4, 5], 60).depths).toEqual([2, 3, 4, 5, 6]);
    expect(pctPlanForRun([2, 3, 4, 5], 200).depths).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('property: the level never falls as the run index grows, and rises by one at each doubling', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), (run) => {
        expect(deepeningLevel(run + 1)).toBeGreaterThanOrEqual(deepeningLevel(run));
        expect(deepeningLevel(2 * run + 50)).toBe(deepeningLevel(run) + 1);
      }),
    );
  });

  it('property: a run generates the same schedule from the same seed, and deepened runs only draw from their plan', () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.integer(), (run, seed) => {
        const plan = pctPlanForRun(undefined, run);
        const arb = scheduleArbitrary({ kind: 'pct', ...plan });
        const [a] = fc.sample(arb, { seed, numRuns: 1 });
        const [b] = fc.sample(arb, { seed, numRuns: 1 });
        expect(b).toEqual(a);
        if (a?.kind === 'pct') expect(plan.depths).toContain(a.depth);
        else expect(plan.unbounded).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('moving a preemption away by thread identity', () => {
  it('offers the preempted thread its next block moved up, the preempting block put off, and one more step', () => {
    // Thread 1 is preempted by 2 at decision 1, and 3 runs before 1 runs again at decisions 4-5.
    expect(withoutPreemption([1, 2, 2, 3, 1, 1], 1, 1)).toEqual([
      [1, 1, 1, 2, 2, 3],
      [1, 3, 1, 1, 2, 2],
      [1, 1, 2, 2, 3, 1, 1],
    ]);
    // When the preempted thread's next block follows the preempting one, both moves are the same.
    expect(withoutPreemption([1, 2, 1], 1, 1)).toEqual([
      [1, 1, 2],
      [1, 1, 2, 1],
    ]);
  });

  it('the follow strategy runs threads by identity, skipping ones that cannot run, and continues the current one when none is listed', () => {
    const sim = Simulation.create({ seed: 1, strategy: { kind: 'follow', threads: [3, 9, 1, 2, 2] } });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      sim.spawn(name, function* () {
        for (let i = 0; i < 2; i++) {
          order.push(name);
          yield* sim.yieldNow();
        }
      });
    }
    const r = sim.run();
    expect(r.outcome.kind).toBe('completed');
    // c (3), no thread 9, a (1), b (2), b (2); then nothing is listed: b continues to its end, and the
    // longest-waiting thread runs next.
    expect(order).toEqual(['c', 'a', 'b', 'b', 'c', 'a']);
  });
});
