/**
 * Worker start-up (issue 15): wall time from `new Worker(...)` to the worker's `ready` message,
 * i.e. until it has loaded the search and its scenario and can take a run. Compiled workers (what
 * `gnt-sim search --workers N` starts) load `dist/src/explore/worker.js` with the scenario's own
 * module, or with every built-in scenario; for comparison, a worker of gnt-sim running from its
 * TypeScript sources registers tsx and compiles them first (tsx's disk cache off, as on a first
 * run). Workers start one at a time, so each figure is one thread's start-up in an otherwise idle
 * process; the machine's load average is recorded with them, since other processes slow it.
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { buildIfStale } from '../build.mjs';

const root = new URL('../../', import.meta.url);
const SCENARIO = 'lockset-add-remove';
const COMPILED_STARTS = 15;
const SOURCE_STARTS = 3;

/** Wall and CPU milliseconds until a worker is ready (CPU of the whole process, whose main thread idles meanwhile). */
function startUp(entry: URL, scenarioModule: string): Promise<{ wallMs: number; cpuMs: number }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const w = new Worker(entry, {
    workerData: { scenarioModule, scenarioId: SCENARIO, seed: 1, strategy: 'pct', mutants: [], outDir: null },
    env: { ...process.env, TSX_DISABLE_CACHE: '1' },
  });
  return new Promise((resolve, reject) => {
    w.on('error', reject);
    w.on('message', (m: { type: string }) => {
      if (m.type !== 'ready') return;
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      void w.terminate().then(() => resolve({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
    });
  });
}

const round = (x: number) => Math.round(x * 10) / 10;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function series(n: number, entry: URL, scenarioModule: string) {
  const runs: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < n; i++) runs.push(await startUp(entry, scenarioModule));
  const wall = runs.map((r) => r.wallMs);
  return {
    starts: n,
    medianMs: round(median(wall)),
    minMs: round(Math.min(...wall)),
    maxMs: round(Math.max(...wall)),
    /** CPU time of a start-up: what it costs on an idle machine, whatever else runs now. */
    medianCpuMs: round(median(runs.map((r) => r.cpuMs))),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  buildIfStale(new URL('.', root).pathname, (line) => process.stderr.write(`${line}\n`));
  const compiled = new URL('dist/src/explore/worker.js', root);
  return {
    scenario: SCENARIO,
    loadAverage1mBefore: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    compiledOwnModule: await series(COMPILED_STARTS, compiled, new URL(`dist/scenarios/${SCENARIO}.js`, root).href),
    compiledAllBuiltins: await series(COMPILED_STARTS, compiled, new URL('dist/scenarios/index.js', root).href),
    fromSourcesThroughTsx: await series(
      SOURCE_STARTS,
      new URL('src/explore/worker-boot.mjs', root),
      new URL(`scenarios/${SCENARIO}.ts`, root).href,
    ),
  };
}
