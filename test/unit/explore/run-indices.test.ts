import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunCursor, shardRunCount } from '../../../src/explore/run-indices.js';

function all(c: RunCursor): number[] {
  const out: number[] = [];
  for (let i = c.next(); i !== null; i = c.next()) out.push(i);
  return out;
}

describe('run indices', () => {
  it('property: the shards of a search partition its runs, each ascending, as many as shardRunCount says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 12 }), (runs, count) => {
        const shards = Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));
        const lists = shards.map((s) => all(new RunCursor(runs, s)));
        for (const [i, l] of lists.entries()) {
          expect(l).toEqual([...l].sort((a, b) => a - b));
          expect(l.length).toBe(shardRunCount(runs, shards[i]));
        }
        expect(lists.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: runs }, (_, i) => i));
      }),
    );
  });

  it('a billion runs, or no limit at all, cost nothing until taken', () => {
    const billion = new RunCursor(1_000_000_000, { index: 3, count: 4 });
    expect([billion.next(), billion.next(), billion.next()]).toEqual([2, 6, 10]);
    expect(shardRunCount(1_000_000_000, { index: 3, count: 4 })).toBe(250_000_000);
    const unbounded = new RunCursor(null, undefined);
    for (let i = 0; i < 1000; i++) unbounded.next();
    expect(unbounded.next()).toBe(1000);
    expect(shardRunCount(null, undefined)).toBeNull();
  });

  it('stops at the largest safe integer instead of handing out imprecise indices', () => {
    const c = new RunCursor(null, { index: 1, count: Number.MAX_SAFE_INTEGER });
    expect(c.next()).toBe(0);
    expect(c.next()).toBe(Number.MAX_SAFE_INTEGER);
    expect(c.next()).toBeNull();
  });
});
