import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { search } from '../../../src/explore/coordinator.js';
import { parseReplay } from '../../../src/explore/replay-file.js';
import { executeRun } from '../../../src/explore/run.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { orderedPhilosophers, philosophers } from '../../support/fixture-scenarios.js';
import { philosopherRuns, type RunSummary } from '../../support/search-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtureModule = new URL('../../support/fixture-scenarios.ts', import.meta.url).href;
const childScript = fileURLToPath(new URL('../../support/search-runs-child.ts', import.meta.url));

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

  it('run i of a search is the same run in any process: a child process finds the same deadlocks in the same runs, with the same shrunk trace hash and schedule', () => {
    const runs = Array.from({ length: 24 }, (_, i) => i);
    const here = philosopherRuns(7, runs);
    // Both kinds of run are compared: with a finding (shrunk) and without.
    const withFinding = here.filter((r) => r.found !== null).length;
    expect(withFinding).toBeGreaterThanOrEqual(5);
    expect(withFinding).toBeLessThan(runs.length);
    // The child runs them in the opposite order: a run may not depend on what ran before it.
    const child = execFileSync(
      process.execPath,
      ['--import', 'tsx', childScript, '7', JSON.stringify([...runs].reverse())],
      { encoding: 'utf8' },
    );
    const there = (JSON.parse(child) as RunSummary[]).sort((a, b) => a.run - b.run);
    expect(there).toEqual(JSON.parse(JSON.stringify(here)));
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
    const opts = { ...base, scenario: philosophers, runs: 24, outDir: null, keepGoing: true };
    const one = await search({ ...opts, workers: 1 });
    const two = await search({ ...opts, workers: 2 });
    expect(two.findings.map((f) => [f.run, f.replay.traceHash, f.replay.choices, f.replay.params])).toEqual(
      one.findings.map((f) => [f.run, f.replay.traceHash, f.replay.choices, f.replay.params]),
    );
    // Several runs found something, in whichever worker thread ran them.
    expect(one.findings.length).toBeGreaterThanOrEqual(5);
  });
});
