/**
 * A worker thread: serves run and replay requests one at a time (see `worker-protocol.ts`),
 * loading scenario modules on first use and keeping them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from '../../scenarios/scenario.js';
import { MutantSet } from '../mutants/registry.js';
import { replayedRun } from './replay.js';
import { ReplayFileError } from './replay-file.js';
import { loadScenario, ScenarioLoadError } from './scenario-loader.js';
import { type RunSpec, type RunWatch, searchRun } from './search.js';
import { ScenarioCodeError } from './user-code.js';
import type { SearchRunSpec, WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
const heartbeat = new Int32Array(init.heartbeat);

const post = (m: WorkerReply) => port.postMessage(m);

const scenarios = new Map<string, Promise<Scenario<unknown>>>();
function scenarioOf(module: string, id: string): Promise<Scenario<unknown>> {
  const key = JSON.stringify([module, id]);
  let s = scenarios.get(key);
  if (!s) {
    s = loadScenario(module, id);
    scenarios.set(key, s);
  }
  return s;
}

function beat(): void {
  Atomics.add(heartbeat, 0, 1);
}

async function specOf(d: SearchRunSpec, run: number): Promise<RunSpec> {
  const scenario = await scenarioOf(d.scenarioModule, d.scenarioId);
  // Loaded: from here on the watchdog's run timeout applies (generating the run included).
  beat();
  const watch: RunWatch = {
    beat,
    executing: (input) => post({ type: 'executing', run, input }),
    found: (found) => post({ type: 'found', found }),
  };
  return {
    scenario,
    seed: d.seed,
    strategy: d.strategy,
    mutants: new MutantSet(d.mutants),
    outDir: d.outDir,
    shrinkTimeLimitMs: d.shrinkTimeLimitMs,
    exhaustive: d.exhaustive,
    watch,
  };
}

async function serve(msg: WorkerRequest): Promise<WorkerReply> {
  if (msg.type === 'run') {
    const spec = await specOf(msg.spec, msg.run);
    return { type: 'done', run: msg.run, outcome: searchRun(spec, msg.run) };
  }
  const r = msg.request;
  const scenario = await scenarioOf(r.scenarioModule, r.file.scenario.id);
  beat();
  return {
    type: 'replayed',
    result: replayedRun(r.file, scenario, {
      ...(r.maxSteps !== undefined ? { maxSteps: r.maxSteps } : {}),
      ...(r.lockMonitor ? { lockMonitor: true } : {}),
    }),
  };
}

port.on('message', (msg: WorkerRequest) => {
  serve(msg).then(post, (e: unknown) => {
    if (e instanceof ScenarioCodeError) post({ type: 'scenario-error', error: e.toData() });
    else if (e instanceof ScenarioLoadError || e instanceof ReplayFileError)
      post({ type: 'input-error', message: e.message });
    else post({ type: 'internal-error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  });
});
