import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listOf } from '../../../scenarios/list-arbitrary.js';

/** The counterexample fast-check reports for `fails` over `arb`, from a fixed seed. */
function counterexample<T>(arb: fc.Arbitrary<T>, fails: (v: T) => boolean): T {
  const details = fc.check(
    fc.property(arb, (v) => !fails(v)),
    { seed: 42, numRuns: 1_000 },
  );
  if (!details.counterexample) throw new Error('the property never failed');
  return details.counterexample[0];
}

describe('listOf', () => {
  it('generates lists within its length bounds, the same lists from the same seed', () => {
    const arb = listOf(fc.nat(9), { minLength: 1, maxLength: 3 });
    const a = fc.sample(arb, { seed: 5, numRuns: 200 });
    expect(a.every((l) => l.length >= 1 && l.length <= 3)).toBe(true);
    expect(new Set(a.map((l) => l.length))).toEqual(new Set([1, 2, 3]));
    expect(fc.sample(arb, { seed: 5, numRuns: 200 })).toEqual(a);
  });

  it('first tries dropping each single element, wherever it stands, before shrinking elements in place', () => {
    // fc.array cuts elements from the front only, so a counterexample whose later elements do
    // not matter keeps them; a workload's needless submission is as often the last one.
    let original: number[] | null = null;
    const candidates: number[][] = [];
    fc.check(
      fc.property(listOf(fc.nat(100), { maxLength: 5 }), (l) => {
        if (original === null) {
          if (l.length !== 3 || new Set(l).size !== 3) return true;
          original = l;
          return false;
        }
        candidates.push(l);
        return true;
      }),
      { seed: 42, numRuns: 1_000 },
    );
    const [a, b, c] = original ?? [];
    expect(candidates.slice(0, 3)).toEqual([
      [b, c],
      [a, c],
      [a, b],
    ]);
    expect(candidates.slice(3).every((l) => l.length === 3)).toBe(true);
  });

  it('shrinks a failure that needs only the first element to that element alone', () => {
    expect(counterexample(listOf(fc.nat(100), { maxLength: 5 }), (l) => (l[0] ?? 0) >= 50)).toEqual([50]);
  });

  it('never shrinks below its minimum length, and shrinks the elements it keeps', () => {
    const shrunk = counterexample(listOf(fc.nat(100), { minLength: 2, maxLength: 4 }), (l) => l.some((x) => x >= 30));
    expect(shrunk).toHaveLength(2);
    expect([...shrunk].sort((a, b) => a - b)).toEqual([0, 30]);
  });

  it('refuses length bounds that describe no list', () => {
    expect(() => listOf(fc.nat(), { minLength: 3, maxLength: 2 })).toThrow(/bad length bounds 3\.\.2/);
    expect(() => listOf(fc.nat(), { minLength: -1, maxLength: 2 })).toThrow(/bad length bounds/);
  });
});
