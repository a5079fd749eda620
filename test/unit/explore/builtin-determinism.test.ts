/**
 * Determinism of every built-in scenario: the same scenario, seed and options give the same
 * trace hash, outcome and choices in a fresh world, and a search finds the same thing with one
 * worker thread or two.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../scenarios/index.js';
import type { Scenario } from '../../../scenarios/scenario.js';
import { search } from '../../../src/explore/coordinator.js';
import { executeRun } from '../../../src/explore/run.js';
import { BUILTIN_SCENARIOS_MODULE } from '../../../src/explore/scenario-loader.js';
import { MutantSet } from '../../../src/mutants/registry.js';

const builtin = scenarios as readonly Scenario<unknown>[];

describe('built-in scenarios are deterministic', () => {
  it.each(builtin.map((s) => [s.id, s] as const))(
    '%s: the same input run twice in fresh worlds gives the same trace hash, outcome and choices',
    (_id, scenario) => {
      const on = new Set(scenario.features);
      const inputs = fc.sample(fc.tuple(scenario.params(on), scenario.faults(on), fc.nat(1000)), {
        seed: 42,
        numRuns: 4,
      });
      for (const [params, faults, salt] of inputs) {
        const input = { seed: 7 + salt, params, faults, schedule: { kind: 'pct' as const, depth: 2, salt } };
        const a = executeRun(scenario, input, { mutants: MutantSet.none, trace: 'hash' });
        const b = executeRun(scenario, input, { mutants: MutantSet.none, trace: 'hash' });
        expect(b.result.traceHash).toBe(a.result.traceHash);
        expect(b.result.outcome).toEqual(a.result.outcome);
        expect(b.result.choices).toEqual(a.result.choices);
        expect(a.result.steps).toBeGreaterThan(0);
      }
    },
  );

  it('a search of the default scenario with a mutant reports the same shrunk finding with one worker or two', async () => {
    const scenario = builtin[0] as Scenario<unknown>;
    const opts = {
      scenario,
      scenarioModule: BUILTIN_SCENARIOS_MODULE,
      seed: 1,
      runs: 200,
      strategy: 'pct' as const,
      mutants: MutantSet.of('write-after-final'),
      outDir: null,
      clock: () => 0,
    };
    const one = await search({ ...opts, workers: 1 });
    const two = await search({ ...opts, workers: 2 });
    expect(one.findings).toHaveLength(1);
    expect(two.findings.map((f) => [f.run, f.replay.traceHash, f.replay.choices, f.replay.params])).toEqual(
      one.findings.map((f) => [f.run, f.replay.traceHash, f.replay.choices, f.replay.params]),
    );
  });
});
