import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { search } from '../../../src/explore/coordinator.js';
import { parseReplay } from '../../../src/explore/replay-file.js';
import { executeRun } from '../../../src/explore/run.js';
import { searchRun } from '../../../src/explore/search.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { orderedPhilosophers, philosophers } from '../../support/fixture-scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtureModule = new URL('../../support/fixture-scenarios.ts', import.meta.url).href;

const base = {
  seed: 7,
  strategy: 'random' as const,
  mutants: MutantSet.none,
  scenarioModule: fixtureModule,
  clock: () => 0,
};

describe('search', () => {
  it('finds the philosophers deadlock, names its wait cycle and shrinks it to two philosophers and one meal', async () => {
    const s = await search({ ...base, scenario: philosophers, runs: 100, outDir: dir, workers: 1 });
    expect(s.findings).toHaveLength(1);
    const f = s.findings[0]!;
    expect(f.finding.kind).toBe('deadlock');
    expect(f.finding.cycle?.parties.length).toBeGreaterThanOrEqual(2);
    expect(f.finding.message).toMatch(/philosopher\d waits for fork\d \(exclusive\) held by philosopher\d/);
    expect(f.replay.params).toEqual({ philosophers: 2, meals: 1 });
    expect(f.replay.size.preemptions).toBeLessThanOrEqual(2);
    expect(f.replay.origin.shrunk).toBe(true);
  });

  it('the replay file on disk is the shrunk counterexample and replays to the same trace hash', async () => {
    const s = await search({ ...base, scenario: philosophers, runs: 100, outDir: dir, workers: 1 });
    const f = s.findings[0]!;
    const replay = parseReplay(readFileSync(f.replayPath!, 'utf8'));
    expect(replay).toEqual(JSON.parse(JSON.stringify(f.replay)));
    const again = executeRun(
      philosophers,
      { seed: replay.seed, params: replay.params as never, faults: replay.faults as never, schedule: replay.schedule },
      { mutants: MutantSet.none, trace: 'full', replayChoices: replay.choices },
    );
    expect(again.result.traceHash).toBe(replay.traceHash);
    expect(again.finding?.kind).toBe('deadlock');
  });

  it('finds nothing in a scenario that takes its locks in a global order', async () => {
    const s = await search({ ...base, scenario: orderedPhilosophers, runs: 60, outDir: null, workers: 1 });
    expect(s.findings).toEqual([]);
    expect(s.runsDone).toBe(60);
    expect(s.stoppedBy).toBe('runs');
  });

  it('run i of a search is the same run in any process: its result depends only on (seed, i)', () => {
    const spec = { scenario: philosophers, seed: 3, strategy: 'pct' as const, mutants: MutantSet.none, outDir: null };
    for (let i = 0; i < 10; i++) {
      const a = searchRun(spec, i).found;
      const b = searchRun(spec, i).found;
      expect(b?.replay.traceHash).toBe(a?.replay.traceHash);
    }
  });

  it('two shards report what the unsharded search reports, as the union of their findings', async () => {
    const opts = { ...base, scenario: philosophers, runs: 40, outDir: null, workers: 1, keepGoing: true };
    const whole = await search(opts);
    const s1 = await search({ ...opts, shard: { index: 1, count: 2 } });
    const s2 = await search({ ...opts, shard: { index: 2, count: 2 } });
    const union = [...s1.findings, ...s2.findings].map((f) => f.run).sort((a, b) => a - b);
    expect(union).toEqual(whole.findings.map((f) => f.run));
    expect(s1.runsDone + s2.runsDone).toBe(40);
  });
});

describe('parallel search', () => {
  it('--workers 1 and --workers 2 report the same findings for the same seed and runs', async () => {
    const opts = { ...base, scenario: philosophers, runs: 30, outDir: null, keepGoing: false };
    const one = await search({ ...opts, workers: 1 });
    const two = await search({ ...opts, workers: 2 });
    expect(two.findings.map((f) => [f.run, f.replay.traceHash, f.replay.params])).toEqual(
      one.findings.map((f) => [f.run, f.replay.traceHash, f.replay.params]),
    );
    expect(one.findings.length).toBe(1);
  });
});
