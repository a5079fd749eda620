/**
 * The faults of the durability scenario, each registered once: the master daemon, a node or a
 * node daemon crashes; a node's disk fails writes or fsyncs or slows down; a node is cut off from
 * the master for a while; messages between nodes are lost or delayed (and so reordered); the
 * master fails over. Nodes are named by index into the cluster's nodes, `-1` meaning whoever is
 * master when the fault strikes, so a plan keeps its meaning across failovers and shrinks by
 * numbers.
 *
 * Crashes and failovers strike at a time on a coarse grid or, to land inside the persistence
 * protocol whatever its timing, just after the nth event of one of its steps: a serial or job
 * file made durable on some node, a job write begun, a replication call answered, a job id
 * acknowledged to a client.
 *
 * Failover comes twice. `master-failover` goes onto a candidate that Ganeti accepts *and* whose
 * replica the master's log shows complete (what a careful administrator checks by hand);
 * `master-failover-stale` onto any candidate Ganeti accepts. Ganeti itself checks nothing about
 * the replica, so the latter can start a master from a queue that missed the last serial and job
 * writes: it hands out job ids again and loses acknowledged jobs, as Ganeti 2.10 does (a hazard
 * of Ganeti's design, not a bug of the simulated queue; see `STALE_FAILOVER_FEATURE`).
 */
import fc from 'fast-check';
import { z } from 'zod';
import { type DurableCluster, MASTERD, NODED } from '../../src/cluster/durable-cluster.js';
import { arg, type FaultTime, kernelVerbs } from '../../src/sim/faults.js';
import type { SimWorld } from '../../src/sim/world.js';
import { defineFault, FaultSpace } from '../fault-space.js';
import { failOver, failoverRefusal, type Operator } from './operator.js';

export const NODES = ['node1', 'node2', 'node3'] as const;
export const CLIENT_NODE = 'client';
/** The clients start once the daemons are up; grid-timed faults count from here. */
export const CLIENT_START_US = 500_000;
/** Fault times lie on a coarse grid: few values to shrink through, and windows of 250 ms are hit. */
export const GRID_US = 250_000;
const GRID_SLOTS = 48;

/** What the durability faults act on: the cluster and its administrator. */
export interface DurabilityContext {
  readonly cluster: DurableCluster;
  readonly operator: Operator;
}

/** The swarm feature of failovers onto replicas Ganeti accepts but the master's log shows stale. */
export const STALE_FAILOVER_FEATURE = 'fault:failover-stale';

const gridAt: fc.Arbitrary<FaultTime> = fc
  .integer({ min: 0, max: GRID_SLOTS })
  .map((n) => ({ timeUs: CLIENT_START_US + n * GRID_US }));

/** Steps of the persistence protocol a fault may follow (see the module header). */
const PROTOCOL_EVENTS = ['queue.persist-serial', 'queue.persist-begin', 'queue.persist', 'queue.rpc', 'client.ack'];

/**
 * On the grid (the simplest, what shrinking goes back to) or right after one of the first
 * protocol steps of a kind (few, so that a counterexample needs few jobs to reach it).
 */
const protocolAt: fc.Arbitrary<FaultTime> = fc.oneof(
  { withCrossShrink: true },
  { weight: 2, arbitrary: gridAt },
  {
    weight: 1,
    arbitrary: fc.record({ event: fc.constantFrom(...PROTOCOL_EVENTS), nth: fc.integer({ min: 1, max: 3 }) }),
  },
);

const nodeIndex = fc.integer({ min: -1, max: NODES.length - 1 });

function nodeOf(cluster: DurableCluster, index: number): string {
  return index < 0 ? cluster.masterNode : (NODES[index % NODES.length] as string);
}

function nodeName(index: number): string {
  return index < 0 ? "the master's node" : (NODES[index % NODES.length] as string);
}

const nodeArgs = z.strictObject({ node: arg.index() });

const crashMasterd = defineFault({
  kind: 'crash-masterd',
  feature: 'fault:crash-masterd',
  args: z.strictObject({}),
  generate: fc.constant({}),
  at: protocolAt,
  subject: () => 'master',
  describe: () => 'crash the master daemon',
  skip: (_a, ctx: DurabilityContext, world: SimWorld) =>
    world.processes.findProcess(ctx.cluster.masterNode, MASTERD) ? null : 'not-running',
  inject(_a, ctx, world) {
    const proc = world.processes.findProcess(ctx.cluster.masterNode, MASTERD);
    if (proc) world.processes.crashProcess(proc, 'fault plan');
    return undefined;
  },
});

const crashNode = defineFault({
  kind: 'crash-cluster-node',
  feature: 'fault:crash-node',
  args: z.strictObject({ node: arg.index(), tear: z.boolean() }),
  generate: fc.record({ node: nodeIndex, tear: fc.boolean() }),
  at: protocolAt,
  subject: (a) => nodeName(a.node),
  describe: (a) => `crash ${nodeName(a.node)}${a.tear ? ', tearing its last unsynced write' : ''}`,
  skip: (a, ctx: DurabilityContext, world: SimWorld) =>
    world.processes.downNodes().includes(nodeOf(ctx.cluster, a.node)) ? 'down' : null,
  inject(a, ctx, world) {
    const node = nodeOf(ctx.cluster, a.node);
    if (a.tear) world.disk(node).tearOnNextCrash();
    world.processes.crashNode(node);
    return undefined;
  },
});

const crashNoded = defineFault({
  kind: 'crash-noded',
  feature: 'fault:crash-noded',
  args: nodeArgs,
  generate: fc.record({ node: nodeIndex }),
  subject: (a) => nodeName(a.node),
  describe: (a) => `crash the node daemon of ${nodeName(a.node)}`,
  skip: (a, ctx: DurabilityContext, world: SimWorld) =>
    world.processes.findProcess(nodeOf(ctx.cluster, a.node), NODED) ? null : 'not-running',
  inject(a, ctx, world) {
    const proc = world.processes.findProcess(nodeOf(ctx.cluster, a.node), NODED);
    if (proc) world.processes.crashProcess(proc, 'fault plan');
    return undefined;
  },
});

const diskError = defineFault({
  kind: 'cluster-disk-error',
  feature: 'fault:disk-error',
  args: z.strictObject({ node: arg.index(), op: z.enum(['write', 'fsync']), count: arg.count() }),
  generate: fc.record({
    node: nodeIndex,
    op: fc.constantFrom('write' as const, 'fsync' as const),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  subject: (a) => nodeName(a.node),
  describe: (a) => `fail the next ${a.count} ${a.op}s of ${nodeName(a.node)}'s disk with EIO`,
  inject(a, ctx: DurabilityContext, world) {
    world.disk(nodeOf(ctx.cluster, a.node)).failNext(a.op, a.count);
    return undefined;
  },
});

const diskLatency = defineFault({
  kind: 'cluster-disk-latency',
  feature: 'fault:disk-latency',
  args: z.strictObject({ node: arg.index(), extraUs: arg.count(), count: arg.count() }),
  generate: fc.record({ node: nodeIndex, extraUs: fc.constant(100_000), count: fc.integer({ min: 1, max: 5 }) }),
  subject: (a) => nodeName(a.node),
  describe: (a) => `slow the next ${a.count} operations of ${nodeName(a.node)}'s disk by ${a.extraUs} µs`,
  inject(a, ctx: DurabilityContext, world) {
    world.disk(nodeOf(ctx.cluster, a.node)).slowNext(a.extraUs, a.count);
    return undefined;
  },
});

const partitionFromMaster = defineFault({
  kind: 'partition-from-master',
  feature: 'fault:partition',
  args: z.strictObject({ node: arg.uint(), durationUs: arg.count() }),
  generate: fc.record({
    node: fc.integer({ min: 0, max: NODES.length - 1 }),
    durationUs: fc.constantFrom(1_000_000, 5_000_000, 20_000_000),
  }),
  subject: (a) => nodeName(a.node),
  describe: (a) => `cut ${nodeName(a.node)} off from the master for ${a.durationUs} µs`,
  skip: (a, ctx: DurabilityContext) => (nodeOf(ctx.cluster, a.node) === ctx.cluster.masterNode ? 'is-master' : null),
  inject(a, ctx, world) {
    const node = nodeOf(ctx.cluster, a.node);
    const master = ctx.cluster.masterNode;
    world.net.partition(master, node);
    return (function* () {
      yield* world.sleep(a.durationUs);
      world.net.heal(master, node);
    })();
  },
});

/** A failover target: an index into the nodes, never "the master" (-1). */
const targetArgs = z.strictObject({ target: arg.uint() });
const target = fc.record({ target: fc.integer({ min: 0, max: NODES.length - 1 }) });

const failover = defineFault({
  kind: 'master-failover',
  feature: 'fault:failover',
  weight: 2,
  args: targetArgs,
  generate: target,
  at: protocolAt,
  subject: (a) => nodeName(a.target),
  describe: (a) => `fail the master over to ${nodeName(a.target)}, if its replica is known complete`,
  skip(a, ctx: DurabilityContext, world: SimWorld) {
    const node = nodeOf(ctx.cluster, a.target);
    return failoverRefusal(world, ctx.cluster, node) ?? (ctx.operator.isStale(node) ? 'stale-replica' : null);
  },
  inject(a, ctx, world) {
    failOver(world, ctx.cluster, nodeOf(ctx.cluster, a.target));
    return undefined;
  },
});

const failoverStale = defineFault({
  kind: 'master-failover-stale',
  feature: STALE_FAILOVER_FEATURE,
  weight: 2,
  args: targetArgs,
  generate: target,
  at: protocolAt,
  subject: (a) => nodeName(a.target),
  describe: (a) => `fail the master over to ${nodeName(a.target)}, whatever its replica holds`,
  skip: (a, ctx: DurabilityContext, world: SimWorld) =>
    failoverRefusal(world, ctx.cluster, nodeOf(ctx.cluster, a.target)),
  inject(a, ctx, world) {
    failOver(world, ctx.cluster, nodeOf(ctx.cluster, a.target));
    return undefined;
  },
});

const endpoints = [...NODES, CLIENT_NODE];
const delayMessages = defineFault({
  ...kernelVerbs.delayMessages,
  feature: 'fault:rpc-delay',
  generate: fc
    .record({
      from: fc.nat(endpoints.length - 1),
      to: fc.nat(endpoints.length - 2),
      extraUs: fc.constantFrom(20_000, 200_000, 2_000_000),
      count: fc.integer({ min: 1, max: 4 }),
      oneWay: fc.boolean(),
    })
    .map(({ from, to, ...rest }) => ({
      from: endpoints[from] as string,
      // Any endpoint but `from` itself.
      to: endpoints[to >= from ? to + 1 : to] as string,
      ...rest,
    })),
});

/** Every fault of the durability scenario; `faults()` draws from it, `build()` applies with it. */
export const durabilityFaults = new FaultSpace<DurabilityContext>(
  [
    crashMasterd,
    crashNode,
    crashNoded,
    diskError,
    diskLatency,
    partitionFromMaster,
    failover,
    failoverStale,
    delayMessages,
  ],
  {
    at: gridAt,
    maxFaults: 3,
    rates: [
      // Rarely on: a lost or delayed message reshuffles every later draw of the run, so a
      // counterexample with them hardly shrinks (each smaller candidate loses other messages).
      { feature: 'fault:rpc-loss', generate: fc.record({ rpcLoss: fc.constantFrom(50, 200) }), offWeight: 6 },
      { feature: 'fault:rpc-delay', generate: fc.record({ rpcDelay: fc.constantFrom(50, 200) }), offWeight: 6 },
    ],
  },
);
