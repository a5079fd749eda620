/**
 * Search benchmark (`npm run bench -- search`), the figures behind issue 12's claims:
 *
 * - `throughput`: runs per second of a 300-run search with no finding, run in this thread (the
 *   library with one worker), in one watched worker thread (what the command line does by
 *   default) and in two, so the cost of the watchdog's worker threads is on record.
 * - `memory`: the heap of a search bounded by time only, sampled after every 2,000 runs of an
 *   in-process search of 10,000 runs: run indices are produced lazily, so it stays flat.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Scenario } from '../../scenarios/scenario.js';
import { newWorkerPool, search } from '../../src/explore/coordinator.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario } from '../../src/explore/scenario-loader.js';
import { MutantSet } from '../../src/mutants/registry.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

async function rate(scenario: Scenario<unknown>, mode: 'in-process' | 'workers-1' | 'workers-2'): Promise<number> {
  const pool = newWorkerPool();
  try {
    const base = {
      scenario,
      scenarioModule: BUILTIN_SCENARIOS_MODULE,
      seed: 1,
      strategy: 'pct' as const,
      mutants: MutantSet.none,
      outDir: null,
      clock: () => performance.now(),
    };
    const watched = { watchdog: { runTimeoutMs: 30_000, memoryMb: 2048 }, pool };
    // Warm the workers (thread start, TypeScript compilation) outside the measured search.
    if (mode !== 'in-process') await search({ ...base, ...watched, runs: 4, workers: mode === 'workers-2' ? 2 : 1 });
    const t0 = performance.now();
    const s = await search({
      ...base,
      runs: 300,
      ...(mode === 'in-process' ? { workers: 1 } : { ...watched, workers: mode === 'workers-2' ? 2 : 1 }),
    });
    return Math.round((s.runsDone / ((performance.now() - t0) / 1000)) * 10) / 10;
  } finally {
    await pool.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const throughput: Record<string, Record<string, number>> = {};
  for (const id of ['lockset-add-remove', 'ganeti-mixed-ops']) {
    const scenario = await loadScenario(BUILTIN_SCENARIOS_MODULE, id);
    throughput[id] = {
      'in-process runs/s': await rate(scenario, 'in-process'),
      'one worker runs/s': await rate(scenario, 'workers-1'),
      'two workers runs/s': await rate(scenario, 'workers-2'),
    };
  }
  const scenario = await loadScenario(BUILTIN_SCENARIOS_MODULE, 'lockset-add-remove');
  const heapMiB: number[] = [];
  let done = 0;
  gc();
  const before = process.memoryUsage().heapUsed;
  await search({
    scenario,
    scenarioModule: BUILTIN_SCENARIOS_MODULE,
    seed: 1,
    strategy: 'pct',
    mutants: MutantSet.none,
    outDir: null,
    workers: 1,
    timeLimitMs: 3_600_000,
    runs: 10_000,
    clock: () => performance.now(),
    onRun: () => {
      done++;
      if (done % 2000 === 0) {
        gc();
        heapMiB.push(Math.round(((process.memoryUsage().heapUsed - before) / 2 ** 20) * 100) / 100);
      }
    },
  });
  return { throughput, memory: { runs: done, 'heap growth MiB every 2000 runs': heapMiB } };
}
