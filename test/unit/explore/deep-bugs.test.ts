/**
 * Deep bugs with default settings (issue 15): lock cycles that need 2, 3 and 4 preemptions are
 * found by the default search (PCT deepening over runs), shrunk to exactly that many preemptions
 * (from `pct` and from `random` counterexamples), reached by exhaustive search across the runs
 * of one world, and all of it the same with one worker and two.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNS } from '../../../src/cli/commands/search.js';
import { type SearchOptions, search } from '../../../src/explore/coordinator.js';
import { exploreExhaustively } from '../../../src/explore/exhaustive.js';
import { type GeneratedWorld, WorldWalks } from '../../../src/explore/world-walks.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { abba, cycleOfDepth, type LockWorkload, scenarioOf } from '../../support/lock-cycles.js';

const scenarioModule = new URL('../../support/lock-cycles.ts', import.meta.url).href;
const world = { seed: 1, params: null, faults: {} };

/** A search of a workload with the minimal lock: the defaults unless `opts` says otherwise. */
function searchOf(w: LockWorkload, opts: Partial<SearchOptions> = {}) {
  return search({
    scenario: scenarioOf(w, 'mini'),
    scenarioModule,
    seed: 1,
    runs: DEFAULT_RUNS,
    strategy: 'pct',
    mutants: MutantSet.none,
    outDir: null,
    workers: 1,
    clock: () => 0,
    ...opts,
  });
}

describe('the lock cycles of the fixture have the depth they claim', () => {
  it.each([1, 2, 3] as const)(
    'the three-job cycle of depth %i deadlocks within that many preemptions and never with fewer (bounded search without reduction)',
    (depth) => {
      const sc = scenarioOf(cycleOfDepth(depth), 'mini');
      const bounded = (preemptionBound: number) =>
        exploreExhaustively(sc, world, MutantSet.none, { preemptionBound, maxExecutions: 5_000, reduction: false });
      const below = bounded(depth - 1);
      expect(below).toMatchObject({ exhausted: true, failure: null });
      const at = bounded(depth);
      expect(at.failure?.finding?.kind).toBe('deadlock');
      expect(at.failure?.result.preemptions).toBe(depth);
    },
  );

  it('the four-job cycle never deadlocks within three preemptions (bounded search with its bound-safe reduction)', () => {
    const x = exploreExhaustively(scenarioOf(cycleOfDepth(4), 'mini'), world, MutantSet.none, {
      preemptionBound: 3,
      maxExecutions: 30_000,
      reduction: true,
    });
    expect(x).toMatchObject({ exhausted: true, failure: null });
  });
});

describe('the default search finds lock cycles of depth 2-4 and shrinks them to their depth', () => {
  it.each([2, 3, 4] as const)(
    'depth %i: the default search (pct, 1000 runs) finds the deadlock and its counterexample has exactly that many preemptions',
    async (depth) => {
      const s = await searchOf(cycleOfDepth(depth));
      expect(s.findings).toHaveLength(1);
      const f = s.findings[0];
      expect(f?.finding.kind).toBe('deadlock');
      expect(f?.replay.size.preemptions).toBe(depth);
    },
  );

  it('a deadlock that needs three preemptions is found by the default search for every one of five seeds, past the first depths, and the summary says which depths ran', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = await searchOf(cycleOfDepth(3), { seed });
      expect(s.findings, `seed ${seed}`).toHaveLength(1);
      expect(s.findings[0]?.replay.size.preemptions).toBe(3);
      const depths = s.pctDepths ?? [];
      expect(depths.reduce((n, d) => n + d.runs, 0)).toBe(s.runsDone);
      // Runs 0-49 draw from depths 1-3; the finding came later, from a deepened run.
      expect(s.findings[0]?.run).toBeGreaterThanOrEqual(50);
      expect(depths.some((d) => d.depth === 'random' || d.depth > 3)).toBe(true);
    }
  });

  it.each([3, 4] as const)(
    'depth %i: counterexamples found by the random strategy, with many needless preemptions, shrink to exactly that many',
    async (depth) => {
      for (const seed of [1, 2, 3]) {
        const s = await searchOf(cycleOfDepth(depth), { seed, strategy: 'random' });
        expect(s.findings[0]?.replay.size.preemptions, `seed ${seed}`).toBe(depth);
      }
    },
  );
});

describe('exhaustive search walks one world across runs', () => {
  const exhaustive = { preemptionBound: 3, maxExecutions: 40 };

  it('reaches a deadlock beyond the per-run limit in a later run of the same world, and counts one world', async () => {
    const w = cycleOfDepth(3);
    // One run's worth of executions from the start does not reach it...
    const first = exploreExhaustively(scenarioOf(w, 'mini'), world, MutantSet.none, { ...exhaustive, reduction: true });
    expect(first.failure).toBeNull();
    // ...the runs after it continue the same walk instead of repeating it.
    const s = await searchOf(w, { strategy: 'exhaustive', exhaustive, runs: 100 });
    expect(s.findings).toHaveLength(1);
    const f = s.findings[0];
    expect(f?.run).toBeGreaterThan(0);
    expect(f?.replay.size.preemptions).toBe(3);
    expect(s.exploration).toMatchObject({ worlds: 1, worldsExhausted: 0, maxExecutions: 40 });
    expect(s.exploration?.executions).toBeGreaterThan(40);
  });

  it('says when the world is exhausted: its slices add up to one whole walk, and later runs have nothing left', async () => {
    const w = abba(false);
    const whole = exploreExhaustively(scenarioOf(w, 'mini'), world, MutantSet.none, {
      preemptionBound: 2,
      maxExecutions: 100_000,
      reduction: true,
    });
    expect(whole.exhausted).toBe(true);
    const runs = Math.ceil(whole.executions / 10) + 3;
    const s = await searchOf(w, {
      strategy: 'exhaustive',
      exhaustive: { preemptionBound: 2, maxExecutions: 10 },
      runs,
    });
    expect(s.findings).toEqual([]);
    expect(s.exploration).toMatchObject({ worlds: 1, worldsExhausted: 1, executions: whole.executions });
    // The run that finished the world and every run after it saw the world exhausted.
    expect(s.exploration?.runsExhausted).toBe(runs - Math.ceil(whole.executions / 10) + 1);
  });
});

describe('world walks in separate processes', () => {
  it('a process that has not walked the earlier slices of a world walks them first, and its slice is the very same', () => {
    const sc = scenarioOf(cycleOfDepth(3), 'mini');
    const theWorld: GeneratedWorld = [[], null, {}];
    const walks = () =>
      new WorldWalks({
        scenario: sc,
        mutants: MutantSet.none,
        bounds: { preemptionBound: 3, reduction: true },
        sliceExecutions: 15,
        worldOfRun: () => theWorld,
      });
    const whole = walks();
    const slices = [0, 1, 2, 3].map((run) => whole.runSlice(run, theWorld));
    expect(slices.map((x) => x.catchUpExecutions)).toEqual([0, 0, 0, 0]);
    const late = walks().runSlice(3, theWorld);
    expect(late.slice).toBe(3);
    expect(late.catchUpExecutions).toBe(45);
    const { catchUpExecutions: _a, coverage: _b, failure: lateFailure, ...lateRest } = late;
    const { catchUpExecutions: _c, coverage: _d, failure: ownFailure, ...ownRest } = slices[3] as typeof late;
    expect(lateRest).toEqual(ownRest);
    expect(lateFailure?.result.traceHash).toBe(ownFailure?.result.traceHash);
  });
});

describe('deep bugs with one worker and two', () => {
  // Runs above the lowest failing one may finish too with two workers, so what is compared is
  // the findings, and the exploration of a search that runs every run.
  const findingsOf = async (w: LockWorkload, opts: Partial<SearchOptions>) =>
    (await searchOf(w, opts)).findings.map((f) => [f.run, f.replay.traceHash, f.replay.size.preemptions]);

  it('a pct search finds the same three-preemption deadlock with one worker and with two', async () => {
    const pct = { runs: 400 };
    const one = await findingsOf(cycleOfDepth(3), { ...pct, workers: 1 });
    expect(one).toHaveLength(1);
    expect(await findingsOf(cycleOfDepth(3), { ...pct, workers: 2 })).toEqual(one);
  });

  it('an exhaustive search across runs finds the same deadlock in the same later run with one worker and with two', async () => {
    const opts = { strategy: 'exhaustive' as const, exhaustive: { preemptionBound: 3, maxExecutions: 40 }, runs: 60 };
    const one = await findingsOf(cycleOfDepth(3), { ...opts, workers: 1 });
    expect(one).toHaveLength(1);
    expect(await findingsOf(cycleOfDepth(3), { ...opts, workers: 2 })).toEqual(one);
  });

  it('an exhaustive search across runs reports the same exploration with one worker and two (one worker never walks a slice twice)', async () => {
    const opts = { strategy: 'exhaustive' as const, exhaustive: { preemptionBound: 2, maxExecutions: 10 }, runs: 12 };
    const one = await searchOf(abba(false), { ...opts, workers: 1 });
    const two = await searchOf(abba(false), { ...opts, workers: 2 });
    const { catchUpExecutions: oneCost, ...oneExploration } = one.exploration ?? { catchUpExecutions: -1 };
    // Which worker runs which run is a race, so what re-walking costs two workers varies.
    const { catchUpExecutions: _twoCost, ...twoExploration } = two.exploration ?? { catchUpExecutions: -1 };
    expect(twoExploration).toEqual(oneExploration);
    expect(oneCost).toBe(0);
  });
});
