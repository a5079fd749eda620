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

/** Runs a mutant search may take; the searches find most mutants far sooner (see the bench). */
const MAX_RUNS = 3_000;
/** Search seeds tried in turn until one finds the mutant. */
const SEEDS = [1, 2, 3];

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
      strategy: 'pct' as const,
      outDir: null,
      workers: 1,
      clock: () => 0,
    };
    // Some mutants are rare by nature (sharedlock-late-sharers-join fails about 1 run in 2,000
    // whatever the schedule), so one seed's 3,000 runs may miss them; a later seed gets its turn.
    for (const seed of SEEDS) {
      const withMutant = await search({ ...base, seed, runs: MAX_RUNS, mutants: MutantSet.of(name) });
      if (withMutant.findings.length === 0) continue;
      const firstFailing = withMutant.findings[0]?.run as number;
      const without = await search({ ...base, seed, runs: firstFailing + 1, mutants: MutantSet.none });
      expect(without.findings).toEqual([]);
      expect(without.runsDone).toBe(firstFailing + 1);
      return;
    }
    expect.fail(`${name} not found in ${MAX_RUNS} runs of ${scenario.id} with seeds ${SEEDS.join(', ')}`);
  });
});
