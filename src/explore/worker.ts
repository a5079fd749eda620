/**
 * Worker thread of a parallel search: loads the scenario module it is told of, then executes
 * the run indices it is sent, one at a time, and posts back what each found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MutantSet } from '../mutants/registry.js';
import { loadScenario } from './scenario-loader.js';
import { type RunSpec, searchRun } from './search.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');

const scenario = await loadScenario(init.scenarioModule, init.scenarioId);
const spec: RunSpec = {
  scenario,
  seed: init.seed,
  strategy: init.strategy,
  mutants: new MutantSet(init.mutants),
  outDir: init.outDir,
  shrinkTimeLimitMs: init.shrinkTimeLimitMs,
  exhaustive: init.exhaustive,
};

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'stop') {
    port.close();
    return;
  }
  let reply: WorkerReply;
  try {
    reply = { type: 'done', run: msg.run, outcome: searchRun(spec, msg.run) };
  } catch (e) {
    reply = { type: 'error', run: msg.run, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);
