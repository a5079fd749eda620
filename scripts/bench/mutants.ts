/**
 * How fast the search finds each named mutant, and how small it shrinks it: for every mutant of
 * the registry, the built-in scenario that lists it is searched with the mutant on, from five
 * search seeds, exactly as `gnt-sim search SCENARIO --mutant NAME --seed S` does. Recorded per
 * mutant: wall time to the (shrunk) finding for each seed and their median, and the size of each
 * shrunk counterexample, checked against the budget of `../shared/spec/mutants.md`.
 */
import { scenarios } from '../../scenarios/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { search } from '../../src/explore/coordinator.js';
import { MUTANT_NAMES, MutantSet } from '../../src/mutants/registry.js';

const SEEDS = [1, 2, 3, 4, 5];
/** The spec's budget: found within 60 s, median under 10 s, at most 4 jobs and 3 preemptions or faults. */
const BUDGET = { maxSeconds: 60, medianSeconds: 10, jobs: 4, preemptions: 3, faults: 3 };
const MAX_RUNS = 100_000;

interface SeedResult {
  readonly seed: number;
  readonly found: boolean;
  readonly seconds: number;
  readonly run: number | null;
  readonly finding: string | null;
  readonly size: { jobs: number; faults: number; preemptions: number } | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<Record<string, unknown>> {
  const only = process.env.GNT_SIM_BENCH_MUTANTS?.split(',').filter(Boolean);
  const out: Record<string, unknown> = {
    unit: 'wall seconds to a shrunk finding, one worker; sizes of shrunk counterexamples',
    seeds: SEEDS,
    budget: BUDGET,
  };
  for (const name of MUTANT_NAMES) {
    if (only && !only.includes(name)) continue;
    const scenario = (scenarios as readonly Scenario<unknown>[]).find((s) => s.mutants.includes(name));
    if (!scenario) {
      out[name] = { scenario: null, note: 'no built-in scenario lists this mutant' };
      continue;
    }
    const perSeed: SeedResult[] = [];
    for (const seed of SEEDS) {
      const t0 = performance.now();
      const s = await search({
        scenario,
        scenarioModule: '',
        seed,
        runs: MAX_RUNS,
        strategy: 'pct',
        mutants: MutantSet.of(name),
        outDir: null,
        workers: 1,
        timeLimitMs: BUDGET.maxSeconds * 1000,
        clock: () => performance.now(),
      });
      const seconds = (performance.now() - t0) / 1000;
      const f = s.findings[0];
      perSeed.push({
        seed,
        found: f !== undefined,
        seconds: Math.round(seconds * 1000) / 1000,
        run: f?.run ?? null,
        finding: f ? `${f.finding.kind}: ${f.finding.property}` : null,
        size: f ? f.replay.size : null,
      });
      process.stderr.write(
        `${name} seed ${seed}: ${f ? `found at run ${f.run}` : 'not found'} in ${seconds.toFixed(2)} s\n`,
      );
    }
    const foundAll = perSeed.every((r) => r.found);
    const med = median(perSeed.map((r) => (r.found ? r.seconds : Number.POSITIVE_INFINITY)));
    const small = perSeed.every(
      (r) =>
        r.size !== null &&
        r.size.jobs <= BUDGET.jobs &&
        r.size.preemptions <= BUDGET.preemptions &&
        r.size.faults <= BUDGET.faults,
    );
    out[name] = {
      scenario: scenario.id,
      foundBySeeds: perSeed.filter((r) => r.found).length,
      medianSeconds: med,
      maxSeconds: Math.max(...perSeed.map((r) => r.seconds)),
      withinBudget: foundAll && med < BUDGET.medianSeconds && small,
      perSeed,
    };
  }
  return out;
}
