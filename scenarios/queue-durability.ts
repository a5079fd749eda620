/**
 * Queue durability with master crashes and failover (Ganeti job queue on simulated disks,
 * spec §5.9–5.16, seed 000 "Node Daemon Locking").
 *
 * A three-node cluster, every node a master candidate: the master daemon keeps the job queue on
 * its disk and replicates it through the other nodes' daemons. One to three clients, each a
 * process of its own starting at the same instant, submit a few jobs of `OP_TEST_DELAY` opcodes
 * (single submissions and submit-many), poll them until they are finalized and may archive them.
 * The opcodes run through a test-delay executor or (feature `mcpu`) the real opcode processor
 * and lock manager. Meanwhile the faults of the plan strike (`durability/faults.ts`): the master
 * daemon, a node (maybe tearing its last write) or a node daemon crashes, a disk fails writes or
 * fsyncs or slows down, a node is cut off from the master for a while, messages are lost or
 * delayed past a disk write, the master fails over in the middle of the persistence protocol.
 *
 * The operator (`durability/operator.ts`): the watcher restarts dead daemons on nodes that are
 * up; a node that is down is rebooted after a while; a candidate whose replica fell behind may be
 * re-added (feature `readd`); when the master's node stays down the operator may fail the master
 * over onto a candidate whose replica the master's log shows complete (feature `failover`;
 * Ganeti leaves this judgement to the administrator). After `LIVENESS_FROM_US` the world is
 * calmed.
 *
 * Properties (`src/check/durability-*.ts`): acknowledged jobs survive restarts and failovers with
 * a status the recovery table allows; no job id is handed out twice in the whole history,
 * failovers included; no opcode runs twice; finalized jobs never change and archived ones never
 * come back; the queue directory is written only by the holder of its queue lock file.
 */
import fc from 'fast-check';
import { durabilityCheckers } from '../src/check/durability-checkers.js';
import { delayExecutorFactory } from '../src/cluster/delay-executor.js';
import { DurableCluster } from '../src/cluster/durable-cluster.js';
import { type ClientWorkload, luxiClientMain } from '../src/cluster/luxi-client.js';
import { mcpuExecutorFactory } from '../src/cluster/mcpu-executor.js';
import { lockAttemptTimeoutStrategyFactory } from '../src/mcpu/lock-timeout.js';
import type { MutantSet } from '../src/mutants/registry.js';
import type { FaultPlan } from '../src/sim/faults.js';
import type { SimWorld } from '../src/sim/world.js';
import {
  CLIENT_NODE,
  CLIENT_START_US,
  type DurabilityContext,
  durabilityFaults,
  NODES,
  STALE_FAILOVER_FEATURE,
} from './durability/faults.js';
import { Operator } from './durability/operator.js';
import { listOf } from './list-arbitrary.js';
import type { BuildInput, Scenario, ScenarioInstance } from './scenario.js';

export { CLIENT_NODE, NODES, STALE_FAILOVER_FEATURE } from './durability/faults.js';

export interface QueueDurabilityParams {
  readonly workers: number;
  /** The operator fails the master over when its node stays down. */
  readonly failover: boolean;
  /** The administrator re-adds a master candidate whose replica fell behind (`AddNode`). */
  readonly readd?: boolean;
  /** Opcodes run through the real processor and lock manager instead of the test-delay executor. */
  readonly mcpu?: boolean;
  /** One workload per client; the clients submit at once, each from a process of its own. */
  readonly clients: readonly ClientWorkload[];
}

/**
 * Features of the workload and the operator; the faults' come from their definitions. Failover
 * onto a stale replica is left out: it makes Ganeti hand out job ids again (its own behaviour,
 * reported as a hazard, not a bug of ours), so searches do not draw it until hazards are findings
 * of their own kind; a run or a scenario file can still switch it on.
 */
const FEATURES = [
  'job:many',
  'job:archive',
  'failover',
  'readd',
  'mcpu',
  ...durabilityFaults.features.filter((f) => f !== STALE_FAILOVER_FEATURE),
] as const;

/** Faults stop, the network heals and down nodes come back. */
export const LIVENESS_FROM_US = 30_000_000;
const CLIENT_DEADLINE_US = 150_000_000;
/** LUXI calls give up after 20 s: longer than a replication RPC to a dead node (15 s), shorter than Ganeti's 60 s. */
const LUXI_TIMEOUT_US = 20_000_000;
/** Replication RPC timeout: short enough for the run, long beyond the node daemon's 10 s lock wait. */
const RPC_TIMEOUT_US = 15_000_000;

function clientArb(on: ReadonlySet<string>): fc.Arbitrary<ClientWorkload> {
  const job = fc.record({
    opDurationsUs: fc.array(fc.constantFrom(200_000, 1_000_000, 2_000_000), { minLength: 1, maxLength: 2 }),
  });
  const gap = fc.constantFrom(0, 500_000, 2_000_000);
  const single = fc.record({ many: fc.constant(false), jobs: fc.tuple(job), gapUs: gap });
  const submission = on.has('job:many')
    ? fc.oneof(
        single,
        fc.record({ many: fc.constant(true), jobs: listOf(job, { minLength: 1, maxLength: 2 }), gapUs: gap }),
      )
    : single;
  return fc.record({
    submissions: listOf(submission, { minLength: 1, maxLength: 3 }),
    archive: on.has('job:archive') ? fc.boolean() : fc.constant(false),
  });
}

function paramsArb(on: ReadonlySet<string>): fc.Arbitrary<QueueDurabilityParams> {
  return fc.record({
    workers: fc.constantFrom(1, 2, 3),
    failover: on.has('failover') ? fc.boolean() : fc.constant(false),
    readd: on.has('readd') ? fc.boolean() : fc.constant(false),
    mcpu: on.has('mcpu') ? fc.boolean() : fc.constant(false),
    clients: listOf(clientArb(on), { minLength: 1, maxLength: 3 }),
  });
}

export function jobCount(p: QueueDurabilityParams): number {
  return p.clients.reduce((n, c) => n + c.submissions.reduce((m, s) => m + s.jobs.length, 0), 0);
}

/** A handle on a built durability world, for tests and the benchmark. */
export interface QueueDurabilityWorld extends DurabilityContext {
  readonly instance: ScenarioInstance;
}

export interface QueueDurabilityOptions {
  /**
   * What runs the opcodes: the test-delay executor (default; no cluster locks) or the real
   * opcode processor with its lock manager (`src/mcpu`), rebuilt by every master daemon start.
   */
  readonly processor?: 'delay' | 'mcpu';
  /** The fault plan, applied with the scenario's vocabulary. */
  readonly faults?: FaultPlan;
}

/** Builds the cluster, clients, operator and faults of one run into `world`. */
export function buildQueueDurability(
  world: SimWorld,
  params: QueueDurabilityParams,
  mutants: MutantSet,
  opts: QueueDurabilityOptions = {},
): QueueDurabilityWorld {
  const isNodeUp = (node: string) => !world.processes.downNodes().includes(node);
  const cluster = new DurableCluster(world, {
    nodes: NODES,
    masterCandidates: NODES.length,
    mutants,
    executorFactory:
      opts.processor === 'mcpu'
        ? mcpuExecutorFactory({ nodes: NODES.length, extraCandidates: NODES.length - 1 }, mutants)
        : (w) => delayExecutorFactory(w),
    timeoutStrategyFactory: lockAttemptTimeoutStrategyFactory(world.rng('jitter')),
    isNodeUp,
    workers: params.workers,
    rpcTimeoutUs: RPC_TIMEOUT_US,
    watcherIntervalUs: 2_000_000,
  });
  cluster.start();
  params.clients.forEach((workload, i) => {
    const name = `client${i + 1}`;
    const client = luxiClientMain({
      name,
      runtime: world,
      net: world.net,
      masterNode: () => cluster.masterNode,
      workload,
      callTimeoutUs: LUXI_TIMEOUT_US,
      pollIntervalUs: 2_000_000,
      deadlineUs: CLIENT_DEADLINE_US,
    });
    world.processes.startProcess(CLIENT_NODE, name, function* (self) {
      yield* world.sleep(CLIENT_START_US);
      yield* client(self);
    });
  });
  const operator = new Operator(world, cluster, { failover: params.failover });
  world.spawn('operator', () => operator.run(), { process: null, daemon: true });
  if (params.readd) {
    world.processes.startProcess(CLIENT_NODE, 'admin', (self) => operator.readdStaleCandidates(self), {
      daemon: true,
    });
  }
  const ctx: DurabilityContext = { cluster, operator };
  durabilityFaults.vocabulary.apply(world, opts.faults ?? {}, ctx);
  const instance: ScenarioInstance = {
    checkers: durabilityCheckers(),
    livenessFromUs: LIVENESS_FROM_US,
    onLiveness: () => {
      for (const node of world.processes.downNodes()) world.processes.restartNode(node);
    },
  };
  return { ...ctx, instance };
}

export const scenario: Scenario<QueueDurabilityParams> = {
  id: 'queue-durability',
  title: 'Queue durability with master crashes and failover',
  description:
    'Clients submit and poll jobs at once on a three-node cluster while the master daemon, nodes and node daemons ' +
    'crash, disks fail or stall, nodes are partitioned, messages are lost or delayed and the master fails over; the ' +
    'job queue must lose nothing acknowledged, reuse no id, run no opcode twice and keep its directory to one writer',
  seeds: ['000'],
  mutants: ['running-not-persisted', 'restart-from-opcode-zero', 'serial-off-by-one', 'noded-skips-queue-lock'],
  features: FEATURES,
  hazardFeatures: [
    {
      feature: STALE_FAILOVER_FEATURE,
      hazard: 'failover-onto-stale-replica',
      reference:
        'lib/bootstrap.py MasterFailover (checks candidacy and the master vote, not the job queue); ' +
        'lib/jqueue.py JobQueue.__init__ reads the serial from the local replica, _NewSerialsUnlocked',
    },
  ],
  budget: { maxSteps: 1_000_000, maxTimeUs: 600_000_000 },
  source: import.meta.url,
  params: paramsArb,
  faults: (on) => durabilityFaults.arbitrary(on),
  faultVocabulary: durabilityFaults.vocabulary,
  size: (input: BuildInput<QueueDurabilityParams>) => ({
    jobs: jobCount(input.params),
    faults: durabilityFaults.vocabulary.weight(input.faults),
  }),
  build(world, { params, faults, mutants }): ScenarioInstance {
    return buildQueueDurability(world, params, mutants, { processor: params.mcpu ? 'mcpu' : 'delay', faults }).instance;
  },
};
