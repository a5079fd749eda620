/**
 * Queue durability with master crashes and failover (Ganeti job queue on simulated disks,
 * spec §5.9–5.16, seed 000 "Node Daemon Locking").
 *
 * A three-node cluster, every node a master candidate: the master daemon keeps the job queue on
 * its disk and replicates it through the other nodes' daemons. A client on its own node submits a
 * few jobs of `OP_TEST_DELAY` opcodes (single submissions and submit-many), polls them until they
 * are finalized and may archive them. The opcodes run through a test-delay executor or (feature
 * `mcpu`) the real opcode processor and lock manager. Meanwhile faults strike at generated times: the master
 * daemon crashes, the master's node crashes (losing unsynced data, maybe tearing the last write),
 * another node or a node daemon crashes, disks fail writes or fsyncs with EIO or slow down, a
 * node is partitioned from the master for a while, messages are lost.
 *
 * The operator: the watcher restarts dead daemons on nodes that are up; a node that is down is
 * rebooted after a while; a candidate whose replica fell behind may be re-added (AddNode: purge,
 * upload); when the master's node is down and failover is on, the operator runs
 * master-failover onto a master candidate that missed no replication since it last was in sync
 * (Ganeti leaves this judgement to the administrator; failing over to a stale replica loses
 * acknowledged jobs by design). After `LIVENESS_FROM_US` the world is calmed.
 *
 * Properties (`src/check/durability-*.ts`): acknowledged jobs survive restarts and failovers with
 * a status the recovery table allows; no job id is handed out twice; no opcode runs twice;
 * finalized jobs never change and archived ones never come back; the queue directory is written
 * only by the holder of its queue lock file.
 */
import fc from 'fast-check';
import { durabilityCheckers } from '../src/check/durability-checkers.js';
import { delayExecutorFactory } from '../src/cluster/delay-executor.js';
import { DurableCluster, MASTERD, NODED } from '../src/cluster/durable-cluster.js';
import { type ClientWorkload, luxiClientMain } from '../src/cluster/luxi-client.js';
import { LUXI_SERVICE } from '../src/cluster/masterd.js';
import { mcpuExecutorFactory } from '../src/cluster/mcpu-executor.js';
import { lockAttemptTimeoutStrategyFactory } from '../src/mcpu/lock-timeout.js';
import type { MutantSet } from '../src/mutants/registry.js';
import { isEvent } from '../src/sim/events.js';
import { applyFaultPlan, type FaultPlan } from '../src/sim/faults.js';
import type { Proc, ProcessRef } from '../src/sim/ports.js';
import type { SimWorld } from '../src/sim/world.js';
import { listOf } from './list-arbitrary.js';
import type { BuildInput, Scenario, ScenarioInstance } from './scenario.js';

export const NODES = ['node1', 'node2', 'node3'] as const;
export const CLIENT_NODE = 'client';

/** A fault at `atUs` after the client started. `node` indexes `NODES`; -1 is the master now. */
export type DurabilityFault =
  | { readonly kind: 'crash-masterd'; readonly atUs: number }
  | { readonly kind: 'crash-node'; readonly atUs: number; readonly node: number; readonly tear: boolean }
  | { readonly kind: 'crash-noded'; readonly atUs: number; readonly node: number }
  | {
      readonly kind: 'disk-error';
      readonly atUs: number;
      readonly node: number;
      readonly op: 'write' | 'fsync';
      readonly count: number;
    }
  | { readonly kind: 'disk-latency'; readonly atUs: number; readonly node: number; readonly count: number }
  | { readonly kind: 'partition'; readonly atUs: number; readonly node: number; readonly durationUs: number };

export interface QueueDurabilityParams {
  readonly workers: number;
  readonly failover: boolean;
  /** The administrator re-adds a master candidate whose replica fell behind (`AddNode`). */
  readonly readd?: boolean;
  /** Opcodes run through the real processor and lock manager instead of the test-delay executor. */
  readonly mcpu?: boolean;
  readonly workload: ClientWorkload;
  readonly faults: readonly DurabilityFault[];
  /** Chance per mille that a message between two nodes is lost. */
  readonly rpcLossPerMille: number;
}

const FEATURES = [
  'job:many',
  'job:archive',
  'fault:crash-masterd',
  'fault:crash-node',
  'fault:crash-noded',
  'fault:disk-error',
  'fault:disk-latency',
  'fault:partition',
  'fault:rpc-loss',
  'failover',
  'readd',
  'mcpu',
] as const;

/** The client starts once the daemons are up. */
const CLIENT_START_US = 500_000;
/** Faults stop, the network heals and down nodes come back. */
export const LIVENESS_FROM_US = 30_000_000;
const CLIENT_DEADLINE_US = 150_000_000;
/** LUXI calls give up after 20 s: longer than a replication RPC to a dead node (15 s), shorter than Ganeti's 60 s. */
const LUXI_TIMEOUT_US = 20_000_000;
/** Fault times lie on a coarse grid: few values to shrink through, and windows of 250 ms are hit. */
const GRID_US = 250_000;
const OPERATOR_INTERVAL_US = 1_000_000;
const REBOOT_AFTER_US = 3_000_000;
const READD_INTERVAL_US = 3_000_000;
const FAILOVER_AFTER_US = 2_000_000;
/** Replication RPC timeout: short enough for the run, long beyond the node daemon's 10 s lock wait. */
const RPC_TIMEOUT_US = 15_000_000;

const gridTime = (max: number) => fc.integer({ min: 0, max }).map((n) => n * GRID_US);

function faultArb(on: ReadonlySet<string>): fc.Arbitrary<DurabilityFault> | null {
  const node = fc.integer({ min: -1, max: NODES.length - 1 });
  const at = gridTime(48);
  const kinds: fc.Arbitrary<DurabilityFault>[] = [];
  if (on.has('fault:crash-masterd')) kinds.push(fc.record({ kind: fc.constant('crash-masterd' as const), atUs: at }));
  if (on.has('fault:crash-node')) {
    kinds.push(fc.record({ kind: fc.constant('crash-node' as const), atUs: at, node, tear: fc.boolean() }));
  }
  if (on.has('fault:crash-noded')) kinds.push(fc.record({ kind: fc.constant('crash-noded' as const), atUs: at, node }));
  if (on.has('fault:disk-error')) {
    kinds.push(
      fc.record({
        kind: fc.constant('disk-error' as const),
        atUs: at,
        node,
        op: fc.constantFrom('write' as const, 'fsync' as const),
        count: fc.integer({ min: 1, max: 4 }),
      }),
    );
  }
  if (on.has('fault:disk-latency')) {
    kinds.push(
      fc.record({ kind: fc.constant('disk-latency' as const), atUs: at, node, count: fc.integer({ min: 1, max: 5 }) }),
    );
  }
  if (on.has('fault:partition')) {
    kinds.push(
      fc.record({
        kind: fc.constant('partition' as const),
        atUs: at,
        node: fc.integer({ min: 0, max: NODES.length - 1 }),
        durationUs: fc.constantFrom(1_000_000, 5_000_000, 20_000_000),
      }),
    );
  }
  return kinds.length === 0 ? null : fc.oneof(...kinds);
}

function paramsArb(on: ReadonlySet<string>): fc.Arbitrary<QueueDurabilityParams> {
  const job = fc.record({
    opDurationsUs: fc.array(fc.constantFrom(200_000, 1_000_000, 2_000_000), { minLength: 1, maxLength: 2 }),
  });
  const gap = fc.constantFrom(0, 500_000, 2_000_000);
  const submission = on.has('job:many')
    ? fc.oneof(
        fc.record({ many: fc.constant(false), jobs: fc.tuple(job), gapUs: gap }),
        fc.record({
          many: fc.constant(true),
          jobs: listOf(job, { minLength: 1, maxLength: 2 }),
          gapUs: gap,
        }),
      )
    : fc.record({ many: fc.constant(false), jobs: fc.tuple(job), gapUs: gap });
  const fault = faultArb(on);
  return fc.record({
    workers: fc.constantFrom(1, 2, 3),
    failover: on.has('failover') ? fc.boolean() : fc.constant(false),
    readd: on.has('readd') ? fc.boolean() : fc.constant(false),
    mcpu: on.has('mcpu') ? fc.boolean() : fc.constant(false),
    workload: fc.record({
      submissions: listOf(submission, { minLength: 1, maxLength: 3 }),
      archive: on.has('job:archive') ? fc.boolean() : fc.constant(false),
    }),
    faults: fault ? listOf(fault, { maxLength: 3 }) : fc.constant([]),
    // Rarely on: a lost message reshuffles every later draw of the run, so a counterexample with
    // message loss hardly shrinks (each smaller candidate loses other messages).
    rpcLossPerMille: on.has('fault:rpc-loss')
      ? fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(50, 200) })
      : fc.constant(0),
  });
}

function jobCount(p: QueueDurabilityParams): number {
  return p.workload.submissions.reduce((n, s) => n + s.jobs.length, 0);
}

/** A handle on a built durability world, for tests and the benchmark. */
export interface QueueDurabilityWorld {
  readonly cluster: DurableCluster;
  readonly instance: ScenarioInstance;
}

export interface QueueDurabilityOptions {
  /**
   * What runs the opcodes: the test-delay executor (default; no cluster locks) or the real
   * opcode processor with its lock manager (`src/mcpu`), rebuilt by every master daemon start.
   */
  readonly processor?: 'delay' | 'mcpu';
}

/** Builds the cluster, client, operator and faults of one run into `world`. */
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
  world.net.setLossRate({ num: params.rpcLossPerMille, den: 1000 });
  const client = luxiClientMain({
    runtime: world,
    net: world.net,
    masterNode: () => cluster.masterNode,
    workload: params.workload,
    callTimeoutUs: LUXI_TIMEOUT_US,
    pollIntervalUs: 2_000_000,
    deadlineUs: CLIENT_DEADLINE_US,
  });
  world.processes.startProcess(CLIENT_NODE, 'client', function* (self) {
    yield* world.sleep(CLIENT_START_US);
    yield* client(self);
  });
  const operator = new Operator(world, cluster, params.failover);
  world.spawn('operator', () => operator.run(), { process: null, daemon: true });
  if (params.readd) {
    world.processes.startProcess(CLIENT_NODE, 'admin', (self) => operator.readdStaleCandidates(self), {
      daemon: true,
    });
  }
  if (params.faults.length > 0) {
    const faults = [...params.faults].sort((a, b) => a.atUs - b.atUs);
    world.spawn('faults', () => runFaults(world, cluster, faults), { process: null, daemon: true });
  }
  const instance: ScenarioInstance = {
    checkers: durabilityCheckers(),
    livenessFromUs: LIVENESS_FROM_US,
    onLiveness: () => {
      for (const node of world.processes.downNodes()) world.processes.restartNode(node);
    },
  };
  return { cluster, instance };
}

function nodeOf(cluster: DurableCluster, index: number): string {
  return index < 0 ? cluster.masterNode : (NODES[index % NODES.length] as string);
}

function* runFaults(world: SimWorld, cluster: DurableCluster, faults: readonly DurabilityFault[]): Proc<void> {
  for (const f of faults) {
    const at = f.atUs + CLIENT_START_US;
    if (at > world.now()) yield* world.sleep(at - world.now());
    injectDurabilityFault(world, cluster, f);
  }
}

export function injectDurabilityFault(world: SimWorld, cluster: DurableCluster, f: DurabilityFault): void {
  const p = world.processes;
  world.emit('fault.durability', f.kind, JSON.stringify(f));
  switch (f.kind) {
    case 'crash-masterd': {
      const proc = p.findProcess(cluster.masterNode, MASTERD);
      if (proc) p.crashProcess(proc, 'fault plan');
      return;
    }
    case 'crash-node': {
      const node = nodeOf(cluster, f.node);
      if (!p.downNodes().includes(node)) {
        if (f.tear) world.disk(node).tearOnNextCrash();
        p.crashNode(node);
      }
      return;
    }
    case 'crash-noded': {
      const proc = p.findProcess(nodeOf(cluster, f.node), NODED);
      if (proc) p.crashProcess(proc, 'fault plan');
      return;
    }
    case 'disk-error':
      world.disk(nodeOf(cluster, f.node)).failNext(f.op, f.count);
      return;
    case 'disk-latency':
      world.disk(nodeOf(cluster, f.node)).slowNext(100_000, f.count);
      return;
    case 'partition': {
      const node = nodeOf(cluster, f.node);
      const master = cluster.masterNode;
      if (node === master) return;
      world.net.partition(master, node);
      world.spawn(
        'heal',
        function* () {
          yield* world.sleep(f.durationUs);
          world.net.heal(master, node);
        },
        { process: null, daemon: true },
      );
      return;
    }
  }
}

/**
 * The administrator: reboots nodes that are down, and fails the master over when its node is
 * down and failover is allowed, onto a candidate whose replica is complete. A candidate's replica
 * is complete until a replication call to it fails (the master logs it); the old master's is
 * never trusted again (its last writes may not have reached anyone).
 */
class Operator {
  private readonly downSince = new Map<string, number>();
  private readonly stale = new Set<string>();

  constructor(
    private readonly world: SimWorld,
    private readonly cluster: DurableCluster,
    private readonly failoverAllowed: boolean,
  ) {
    world.kernel.trace.observe((r) => {
      if (isEvent(r, 'queue.rpc') && r.fields[1] !== 'ok') this.stale.add(r.subject);
      else if (isEvent(r, 'queue.purge-begin')) this.stale.add(r.subject);
      else if (isEvent(r, 'queue.node-added') && r.fields[1]) this.stale.delete(r.subject);
    });
  }

  /**
   * `gnt-node add --readd` for every master candidate whose replica fell behind, once it is up
   * with its node daemon running: the master purges it and uploads the live queue (`AddNode`).
   */
  *readdStaleCandidates(_self: ProcessRef): Proc<void> {
    const p = this.world.processes;
    for (;;) {
      yield* this.world.sleep(READD_INTERVAL_US);
      const master = this.cluster.masterNode;
      const node = this.cluster.candidates.find(
        (c) => c !== master && this.stale.has(c) && p.findProcess(c, NODED) !== null,
      );
      if (node === undefined || p.findProcess(master, MASTERD) === null) continue;
      yield* this.world.net.call(
        { node: master, service: LUXI_SERVICE },
        'AddNode',
        { node },
        { timeoutUs: 60_000_000 },
      );
    }
  }

  *run(): Proc<void> {
    for (;;) {
      yield* this.world.sleep(OPERATOR_INTERVAL_US);
      this.step();
    }
  }

  private step(): void {
    const p = this.world.processes;
    const now = this.world.now();
    const down = p.downNodes();
    for (const node of [...this.downSince.keys()]) if (!down.includes(node)) this.downSince.delete(node);
    for (const node of down) {
      if (!this.downSince.has(node)) this.downSince.set(node, now);
      const since = this.downSince.get(node) as number;
      if (node === this.cluster.masterNode && this.failoverAllowed && now - since >= FAILOVER_AFTER_US) {
        const target = this.cluster.candidates.find((c) => c !== node && !down.includes(c) && !this.stale.has(c));
        if (target !== undefined) {
          this.stale.add(node);
          this.cluster.failover(target);
          continue;
        }
      }
      if (now - since >= REBOOT_AFTER_US) p.restartNode(node);
    }
  }
}

export const scenario: Scenario<QueueDurabilityParams> = {
  id: 'queue-durability',
  title: 'Queue durability with master crashes and failover',
  description:
    'A client submits and polls jobs on a three-node cluster while the master daemon, nodes and node daemons crash, ' +
    'disks fail or stall, nodes are partitioned and the master fails over; the job queue must lose nothing ' +
    'acknowledged, reuse no id, run no opcode twice and keep its directory to one writer',
  seeds: ['000'],
  mutants: ['running-not-persisted', 'restart-from-opcode-zero', 'serial-off-by-one', 'noded-skips-queue-lock'],
  features: FEATURES,
  budget: { maxSteps: 1_000_000, maxTimeUs: 600_000_000 },
  source: import.meta.url,
  params: paramsArb,
  faults: () => fc.constant<FaultPlan>({}),
  size: (input: BuildInput<QueueDurabilityParams>) => ({
    jobs: jobCount(input.params),
    faults: input.params.faults.length + (input.params.rpcLossPerMille > 0 ? 1 : 0),
  }),
  build(world, { params, faults, mutants }): ScenarioInstance {
    const built = buildQueueDurability(world, params, mutants, { processor: params.mcpu ? 'mcpu' : 'delay' });
    // The generated faults live in the parameters; a kernel fault plan (a replay file's or a
    // scenario file's) is applied as well: the cluster's watcher and operator cope with any.
    if ((faults.faults?.length ?? 0) > 0 || faults.rates !== undefined) applyFaultPlan(world, faults);
    return built.instance;
  },
};
