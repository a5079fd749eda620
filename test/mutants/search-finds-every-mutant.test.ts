/**
 * The harness's reason to exist: for every named mutant of the registry, `gnt-sim search
 * SCENARIO --mutant NAME` on the built-in scenario that lists it finds it, and the very same
 * runs with the mutant off find nothing. (Timings and counterexample sizes against the budget of
 * the spec are measured by `npm run bench -- mutants`, not asserted here.)
 */
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { search } from '../../src/explore/coordinator.js';
import { MUTANT_NAMES, type MutantName, MutantSet } from '../../src/mutants/registry.js';

/** Runs a mutant search may take; the searches find every mutant far sooner (see the bench). */
const MAX_RUNS = 3_000;

const builtin = scenarios as readonly Scenario<unknown>[];

function scenarioFor(name: MutantName): Scenario<unknown> | undefined {
  return builtin.find((s) => s.mutants.includes(name));
}

const covered = MUTANT_NAMES.filter((n) => scenarioFor(n) !== undefined);

describe('every mutant is found by a search of its scenario', () => {
  it.each(covered)('%s: the search with the mutant finds it; the same runs without it find nothing', async (name) => {
    const scenario = scenarioFor(name) as Scenario<unknown>;
    const base = {
      scenario,
      scenarioModule: '',
      seed: 1,
      strategy: 'pct' as const,
      outDir: null,
      workers: 1,
      clock: () => 0,
    };
    const withMutant = await search({ ...base, runs: MAX_RUNS, mutants: MutantSet.of(name) });
    expect(withMutant.findings.length, `${name} not found in ${MAX_RUNS} runs of ${scenario.id}`).toBe(1);
    const firstFailing = withMutant.findings[0]?.run as number;
    const without = await search({ ...base, runs: firstFailing + 1, mutants: MutantSet.none });
    expect(without.findings).toEqual([]);
    expect(without.runsDone).toBe(firstFailing + 1);
  });
});
