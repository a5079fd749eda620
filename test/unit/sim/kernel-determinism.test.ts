import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation, type StrategySpec } from '../../../src/sim/simulation.js';
import { loadProgram, type Program, programArb } from '../../support/programs.js';

function runProgram(p: Program, seed: number, strategy: StrategySpec) {
  const sim = Simulation.create({ seed, strategy, budget: { maxSteps: 10_000 } });
  loadProgram(sim, p);
  return sim.run();
}

const strategyArb: fc.Arbitrary<StrategySpec> = fc.oneof(
  fc.constant({ kind: 'fifo' } as const),
  fc.constant({ kind: 'random' } as const),
  fc.constant({ kind: 'round-robin' } as const),
  fc.integer({ min: 1, max: 3 }).map((depth) => ({ kind: 'pct', depth }) as const),
);

describe('kernel determinism', () => {
  it('property: the same program, seed and strategy always give the same trace hash, outcome and choices', () => {
    fc.assert(
      fc.property(programArb, fc.integer(), strategyArb, (p, seed, strategy) => {
        const a = runProgram(p, seed, strategy);
        const b = runProgram(p, seed, strategy);
        expect(b.traceHash).toBe(a.traceHash);
        expect(b.outcome).toEqual(a.outcome);
        expect(b.choices).toEqual(a.choices);
        expect(b.steps).toBe(a.steps);
      }),
      { numRuns: 250 },
    );
  });

  it('property: replaying the recorded choice list reproduces the trace hash of a random or PCT run', () => {
    fc.assert(
      fc.property(programArb, fc.integer(), strategyArb, (p, seed, strategy) => {
        const original = runProgram(p, seed, strategy);
        const replayed = runProgram(p, seed, { kind: 'replay', choices: original.choices });
        expect(replayed.traceHash).toBe(original.traceHash);
        expect(replayed.outcome).toEqual(original.outcome);
      }),
      { numRuns: 200 },
    );
  });

  it('property: a choices list fed back through the choices strategy reproduces the run it was recorded from', () => {
    fc.assert(
      fc.property(programArb, fc.array(fc.nat(7), { maxLength: 40 }), (p, list) => {
        const original = runProgram(p, 7, { kind: 'choices', choices: list });
        const again = runProgram(p, 7, { kind: 'choices', choices: original.choices });
        expect(again.traceHash).toBe(original.traceHash);
      }),
      { numRuns: 200 },
    );
  });

  it('different seeds under the random strategy explore different interleavings of the same program', () => {
    const p: Program = {
      conditions: 1,
      threads: Array.from(
        { length: 4 },
        () => [{ op: 'bump' }, { op: 'yield' }, { op: 'bump' }, { op: 'yield' }] as const,
      ),
    };
    const hashes = new Set<string>();
    for (let seed = 0; seed < 20; seed++) hashes.add(runProgram(p, seed, { kind: 'random' }).traceHash);
    expect(hashes.size).toBeGreaterThan(10);
  });

  it('a strict replay of a schedule that no longer fits the program ends in a divergence outcome', () => {
    const p: Program = { conditions: 1, threads: [[{ op: 'yield' }], [{ op: 'yield' }]] };
    const r = runProgram(p, 1, { kind: 'replay', choices: [5] });
    expect(r.outcome.kind).toBe('divergence');
    const short = runProgram(p, 1, { kind: 'replay', choices: [] });
    expect(short.outcome).toMatchObject({ kind: 'divergence' });
  });
});
