/**
 * The durable job queue (issue 5): jobs per second through a master daemon that writes every
 * job file atomically on its disk and replicates it to 3 master candidates, and crash-restart
 * cycles per second (master daemon crashed, restarted, queue reopened and recovered) under a
 * steady stream of jobs. Wall-clock rates of the simulation in `hash` trace mode, one core; the
 * virtual-time figures say how much simulated work each run did.
 */
import { delayExecutorFactory } from '../../src/cluster/delay-executor.js';
import { DurableCluster, MASTERD } from '../../src/cluster/durable-cluster.js';
import { type ClientSubmission, luxiClientMain } from '../../src/cluster/luxi-client.js';
import { lockAttemptTimeoutStrategyFactory } from '../../src/mcpu/lock-timeout.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { measure, rates } from './timing.js';

/** Master plus 3 candidates: every job write is replicated to 3 node daemons. */
const NODES = ['node1', 'node2', 'node3', 'node4'];

interface Outcome {
  readonly jobs: number;
  readonly cycles: number;
  readonly steps: number;
  readonly timeUs: number;
}

function world(seed: number): SimWorld {
  return createWorld({ seed, trace: 'hash', budget: { maxSteps: 1e9, maxTimeUs: 1e13 } });
}

function cluster(w: SimWorld): DurableCluster {
  const c = new DurableCluster(w, {
    nodes: NODES,
    masterCandidates: NODES.length,
    mutants: MutantSet.none,
    executorFactory: (x) => delayExecutorFactory(x),
    timeoutStrategyFactory: lockAttemptTimeoutStrategyFactory(w.rng('jitter')),
    isNodeUp: () => true,
    workers: 4,
  });
  c.start();
  return c;
}

/** `batches` submit-many calls of `perBatch` one-opcode jobs, polled to completion. */
function startClient(w: SimWorld, c: DurableCluster, batches: number, perBatch: number): void {
  const submissions: ClientSubmission[] = Array.from({ length: batches }, () => ({
    many: true,
    jobs: Array.from({ length: perBatch }, () => ({ opDurationsUs: [10_000] })),
    gapUs: 20_000,
  }));
  const main = luxiClientMain({
    runtime: w,
    net: w.net,
    masterNode: () => c.masterNode,
    workload: { submissions, archive: true },
    pollIntervalUs: 200_000,
    deadlineUs: 1e12,
  });
  w.processes.startProcess('client', 'client', function* (self) {
    yield* w.sleep(100_000);
    yield* main(self);
  });
}

/** Jobs submitted, run, replicated and archived with no fault. */
function jobsRun(batches: number, perBatch: number): Outcome {
  const w = world(1);
  const c = cluster(w);
  startClient(w, c, batches, perBatch);
  let jobs = 0;
  w.kernel.trace.observe((r) => {
    if (r.kind === 'client.final') jobs++;
  });
  const r = w.run();
  if (r.outcome.kind !== 'completed') throw new Error(`bench run ended ${r.outcome.kind}`);
  return { jobs, cycles: 0, steps: r.steps, timeUs: r.timeUs };
}

/** The master daemon crashed every `periodUs` and restarted 10 ms later, while jobs stream in. */
function crashRestartCycles(cycles: number, periodUs: number): Outcome {
  const w = world(2);
  const c = cluster(w);
  startClient(w, c, cycles, 2);
  let opens = 0;
  let jobs = 0;
  w.kernel.trace.observe((r) => {
    if (r.kind === 'queue.open') opens++;
    else if (r.kind === 'client.final') jobs++;
  });
  w.spawn(
    'crasher',
    function* () {
      for (let i = 0; i < cycles; i++) {
        yield* w.sleep(periodUs);
        const proc = w.processes.findProcess(c.masterNode, MASTERD);
        if (!proc) continue;
        w.processes.crashProcess(proc, 'bench');
        yield* w.sleep(10_000);
        if (!w.processes.findProcess(c.masterNode, MASTERD)) w.processes.restartProcess(c.masterNode, MASTERD);
      }
    },
    { process: null, daemon: true },
  );
  const r = w.run();
  if (r.outcome.kind !== 'completed') throw new Error(`bench run ended ${r.outcome.kind}`);
  // The first open is the start, not a restart.
  return { jobs, cycles: opens - 1, steps: r.steps, timeUs: r.timeUs };
}

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    unit: 'per wall second (one core, hash trace); replication to 3 master candidates',
    repeats: 5,
  };
  let last: Outcome = { jobs: 0, cycles: 0, steps: 0, timeUs: 0 };
  const jobMs = measure(5, () => {
    last = jobsRun(50, 4);
    return last.jobs;
  });
  out.jobsPerSecond = { ...rates(jobMs), jobs: last.jobs, steps: last.steps, virtualSeconds: last.timeUs / 1e6 };
  const cycleMs = measure(5, () => {
    last = crashRestartCycles(100, 300_000);
    return last.cycles;
  });
  out.crashRestartCyclesPerSecond = {
    ...rates(cycleMs),
    cycles: last.cycles,
    jobsFinished: last.jobs,
    steps: last.steps,
    virtualSeconds: last.timeUs / 1e6,
  };
  return out;
}
