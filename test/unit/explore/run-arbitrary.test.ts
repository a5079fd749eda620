import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runArbitrary } from '../../../src/explore/run-arbitrary.js';

describe('runArbitrary', () => {
  it('draws schedule, seed and world exactly as fc.tuple does', () => {
    const parts = [fc.nat(1_000), fc.noShrink(fc.nat()), fc.array(fc.nat(9), { maxLength: 4 })] as const;
    const ours = fc.sample(runArbitrary(...parts), { seed: 3, numRuns: 50 });
    const tuple = fc.sample(fc.tuple(...parts), { seed: 3, numRuns: 50 });
    expect(ours).toEqual(tuple);
  });

  it('shrinks the world to its smallest failing value first, then only the schedule', () => {
    const tried: [number, number][] = [];
    const details = fc.check(
      fc.property(
        runArbitrary(fc.integer({ min: 0, max: 1_000 }), fc.noShrink(fc.nat()), fc.integer({ min: 0, max: 1_000 })),
        ([s, , w]) => {
          tried.push([s, w]);
          return s < 10 || w < 10;
        },
      ),
      { seed: 9, numRuns: 100 },
    );
    const [schedule, , world] = details.counterexample?.[0] ?? [];
    expect([schedule, world]).toEqual([10, 10]);
    // Shrinking starts at the first failing run; once a candidate changes its schedule, the
    // world is already final.
    const shrinking = tried.slice(tried.findIndex(([s, w]) => s >= 10 && w >= 10));
    const [generated] = shrinking[0] as [number, number];
    const firstScheduleShrink = shrinking.findIndex(([s]) => s !== generated);
    expect(firstScheduleShrink).toBeGreaterThan(0);
    expect(shrinking.slice(firstScheduleShrink).every(([, w]) => w === 10)).toBe(true);
  });
});
