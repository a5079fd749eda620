/**
 * Time-bounded searches, with an injected clock that advances 300 ms per finished run: --time
 * alone runs until the time is up, --time with --runs stops at whichever comes first, run indices
 * are never materialised (a billion runs are fine), and a finding found as the time runs out is
 * still shrunk and written (time only stops new runs from starting).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../../scenarios/scenario.js';
import { newWorkerPool, type SearchOptions, search } from '../../../src/explore/coordinator.js';
import { parseReplay } from '../../../src/explore/replay-file.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenarios } from '../../../src/explore/scenario-loader.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { philosophers } from '../../support/fixture-scenarios.js';

const builtins = await loadScenarios(BUILTIN_SCENARIOS_MODULE);
const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-search-time-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clock that moves only when a run finishes: 300 ms per run. */
function runClock() {
  let now = 0;
  return {
    clock: () => now,
    onRun: () => {
      now += 300;
    },
  };
}

function options(scenario: Scenario<unknown>, extra: Partial<SearchOptions>): SearchOptions {
  return {
    scenario,
    scenarioModule: BUILTIN_SCENARIOS_MODULE,
    seed: 1,
    strategy: 'pct',
    mutants: MutantSet.none,
    outDir: null,
    workers: 1,
    ...runClock(),
    ...extra,
  };
}

describe('a search bounded by time, for every built-in scenario', () => {
  for (const scenario of builtins) {
    it(`${scenario.id}: --time alone runs until the time is up; with --runs, whichever comes first; shards too`, async () => {
      // 1 s at 300 ms a run: runs start at 0, 300, 600 and 900 ms.
      const timed = await search(options(scenario, { timeLimitMs: 1000 }));
      expect([timed.runsDone, timed.stoppedBy, timed.runs, timed.runsRequested]).toEqual([4, 'time', null, null]);
      const runsFirst = await search(options(scenario, { timeLimitMs: 1000, runs: 2 }));
      expect([runsFirst.runsDone, runsFirst.stoppedBy]).toEqual([2, 'runs']);
      const timeFirst = await search(options(scenario, { timeLimitMs: 1000, runs: 1_000_000_000 }));
      expect([timeFirst.runsDone, timeFirst.stoppedBy, timeFirst.runsRequested]).toEqual([4, 'time', 1_000_000_000]);
      const shard = await search(options(scenario, { timeLimitMs: 600, shard: { index: 1, count: 3 } }));
      expect([shard.runsDone, shard.stoppedBy, shard.runsRequested]).toEqual([2, 'time', null]);
    });
  }
});

describe('run indices', () => {
  it('with runs observed, a shard of a time-bounded search runs its own indices in order', async () => {
    const seen: number[] = [];
    const c = runClock();
    const s = await search(
      options(builtins[0] as Scenario<unknown>, {
        timeLimitMs: 1500,
        shard: { index: 2, count: 3 },
        clock: c.clock,
        onRun: (run) => {
          seen.push(run);
          c.onRun();
        },
      }),
    );
    expect(seen).toEqual([1, 4, 7, 10, 13]);
    expect(s.stoppedBy).toBe('time');
  });

  it('two workers under the watchdog stop on time too, having run a prefix of the indices', async () => {
    const pool = newWorkerPool();
    try {
      const seen: number[] = [];
      const c = runClock();
      const s = await search(
        options(builtins.find((x) => x.id === 'lockset-add-remove') as Scenario<unknown>, {
          timeLimitMs: 1000,
          workers: 2,
          watchdog: { runTimeoutMs: 30_000, memoryMb: 512 },
          pool,
          clock: c.clock,
          onRun: (run) => {
            seen.push(run);
            c.onRun();
          },
        }),
      );
      expect(s.stoppedBy).toBe('time');
      // Runs start while fewer than 1000 ms have passed, then the ones under way finish.
      expect(s.runsDone).toBeGreaterThanOrEqual(4);
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: s.runsDone }, (_, i) => i));
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('time only stops new runs from starting', () => {
  it('a finding found as the time runs out is still shrunk and written', async () => {
    // The clock jumps past the deadline while the first failing run is shrunk: no run starts
    // after it (even with --keep-going), but its finding is shrunk and written all the same.
    let now = 0;
    const s = await search({
      scenario: philosophers as Scenario<unknown>,
      scenarioModule: '',
      seed: 7,
      strategy: 'random',
      mutants: MutantSet.none,
      outDir: dir,
      workers: 1,
      keepGoing: true,
      timeLimitMs: 10,
      onShrinking: () => {
        now = 60_000;
      },
      clock: () => now,
    });
    expect(s.findings).toHaveLength(1);
    expect(s.stoppedBy).toBe('time');
    const f = s.findings[0];
    expect(f?.replay.origin.shrunk).toBe(true);
    expect(f?.replay.params).toEqual({ philosophers: 2, meals: 1 });
    expect(existsSync(f?.replayPath ?? '')).toBe(true);
    expect(parseReplay(readFileSync(f?.replayPath ?? '', 'utf8')).origin.shrunk).toBe(true);
  });

  it('a search in worker threads without the module its scenario comes from is refused', async () => {
    await expect(
      search({ ...options(philosophers as Scenario<unknown>, { runs: 2 }), scenarioModule: '', workers: 2 }),
    ).rejects.toThrow(/give scenarioModule, the module it comes from/);
  });

  it('a search with neither runs nor time is refused', async () => {
    await expect(search({ ...options(philosophers as Scenario<unknown>, {}), timeLimitMs: undefined })).rejects.toThrow(
      /give runs, timeLimitMs or both/,
    );
  });
});
