/**
 * Ganeti workloads for the explorer: what the Ganeti scenarios share. A workload is a small
 * cluster (nodes, instances, job queue workers) and the jobs its clients submit: each job a few
 * opcodes of the simulated LU catalogue (`src/mcpu`), with a priority, an arrival time, and
 * optionally a client that cancels it or changes its priority a while later. Jobs may come in
 * chains, submitted together with `SubmitManyJobs` and each depending on the one before it
 * (relative job ids, spec §6).
 *
 * Every client waits for its job to end (a blocking wait), so a job that can never finish keeps
 * its client waiting and the run ends as a deadlock whose wait-for graph names the job and what
 * it waits for (a lock, a dependency, a worker slot); the status models (LST), lock checks (MX,
 * PRIO) and the queue checkers watch every step.
 *
 * Arbitraries name instances and nodes by index (resolved modulo the cluster's size when the
 * world is built), so fast-check shrinks the cluster and the jobs independently.
 */
import fc from 'fast-check';
import { jobsFinishChecker } from '../../src/check/jqueue-liveness.js';
import { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import type { FinalJobStatus } from '../../src/jqueue/constants.js';
import type { OpInput } from '../../src/jqueue/opcode.js';
import { DEFAULT_WORK_PROFILES, type WorkProfiles } from '../../src/mcpu/work.js';
import type { MutantName } from '../../src/mutants/registry.js';
import type { FaultPlan } from '../../src/sim/faults.js';
import type { Proc } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';
import { listOf } from '../list-arbitrary.js';
import type { BuildInput, Scenario, ScenarioInstance } from '../scenario.js';

export const OP_KINDS = [
  'startup',
  'shutdown',
  'reboot',
  'migrate',
  'failover',
  'verify',
  'query',
  'create',
  'remove',
  'evacuate',
  'node-add',
  'node-remove',
  'group-assign',
  'network-connect',
] as const;

export type OpKind = (typeof OP_KINDS)[number];

export interface OpSpec {
  readonly kind: OpKind;
  /** Index of the instance or node it acts on (modulo the cluster's size). */
  readonly target: number;
  /** Whether `create` asks for opportunistic node locks (instance creation with an allocator). */
  readonly opportunistic?: boolean;
}

export interface ClientAction {
  readonly kind: 'cancel' | 'priority';
  /** Virtual µs after the submission. */
  readonly afterUs: number;
  readonly priority?: number;
}

export interface JobSpec {
  readonly ops: readonly OpSpec[];
  readonly priority: number;
  /** Accepted statuses of the dependency on the job before it in its chain (chains only). */
  readonly accept?: readonly FinalJobStatus[];
  readonly action: ClientAction | null;
}

export interface Submission {
  /** Virtual µs after start. */
  readonly atUs: number;
  /** One job, or a chain submitted at once, each depending on the one before. */
  readonly jobs: readonly JobSpec[];
}

export interface GanetiParams {
  readonly nodes: number;
  readonly instances: number;
  readonly workers: number;
  /**
   * Every LU step takes exactly `COARSE_WORK_US`: with arrivals on a grid too, jobs finish,
   * arrive and time out at the same instants, where ordering bugs live; otherwise durations are
   * drawn per step as the LU profiles say.
   */
  readonly coarseWork: boolean;
  readonly submissions: readonly Submission[];
}

/** Turns an opcode spec into an opcode for a cluster of the given size. */
export function opcodeOf(op: OpSpec, p: GanetiParams, serial: number, priority: number): OpInput {
  const inst = `inst${(op.target % Math.max(p.instances, 1)) + 1}`;
  const node = `node${(op.target % p.nodes) + 1}`;
  const base = { priority };
  switch (op.kind) {
    case 'startup':
      return { ...base, OP_ID: 'OP_INSTANCE_STARTUP', instance_name: inst };
    case 'shutdown':
      return { ...base, OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: inst };
    case 'reboot':
      return { ...base, OP_ID: 'OP_INSTANCE_REBOOT', instance_name: inst, reboot_type: 'soft' };
    case 'migrate':
      return { ...base, OP_ID: 'OP_INSTANCE_MIGRATE', instance_name: inst };
    case 'failover':
      return { ...base, OP_ID: 'OP_INSTANCE_FAILOVER', instance_name: inst };
    case 'verify':
      return { ...base, OP_ID: 'OP_CLUSTER_VERIFY' };
    case 'query':
      return { ...base, OP_ID: 'OP_QUERY', what: 'instance', fields: ['name', 'pnode'], use_locking: true };
    case 'create':
      return {
        ...base,
        OP_ID: 'OP_INSTANCE_CREATE',
        instance_name: `new${serial}`,
        disk_template: p.nodes > 1 ? 'drbd' : 'plain',
        disks: [{ size: 1024 }],
        iallocator: 'hail',
        opportunistic_locking: op.opportunistic ?? false,
      };
    case 'remove':
      return { ...base, OP_ID: 'OP_INSTANCE_REMOVE', instance_name: inst };
    case 'evacuate':
      // With an allocator Ganeti 2.10 evacuates primaries or secondaries, never both at once;
      // the simulated catalogue moves primaries only (secondaries need replace-disks).
      return { ...base, OP_ID: 'OP_NODE_EVACUATE', node_name: node, mode: 'primary-only', iallocator: 'hail' };
    case 'node-add':
      return { ...base, OP_ID: 'OP_NODE_ADD', node_name: `node${p.nodes + 1 + (op.target % 2)}` };
    case 'node-remove':
      // Never the master (node1): Ganeti refuses to remove it, which is no interesting finding.
      return { ...base, OP_ID: 'OP_NODE_REMOVE', node_name: `node${(op.target % Math.max(p.nodes - 1, 1)) + 2}` };
    case 'group-assign':
      return { ...base, OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'group1', nodes: [node] };
    case 'network-connect':
      return {
        ...base,
        OP_ID: 'OP_NETWORK_CONNECT',
        group_name: 'group1',
        network_name: 'net1',
        network_mode: 'bridged',
        network_link: 'br0',
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

export interface WorkloadShape {
  /** Opcode kinds to draw from (before swarm filtering). */
  readonly kinds: readonly OpKind[];
  readonly nodes: { readonly min: number; readonly max: number };
  readonly instances: { readonly min: number; readonly max: number };
  readonly workers: { readonly min: number; readonly max: number };
  readonly submissions: { readonly min: number; readonly max: number };
  /** Longest chain (1: no chains). */
  readonly chainMax: number;
  /** Shortest chain while chains are switched on (default 1: single jobs too). */
  readonly chainMin?: number;
  readonly opsPerJob: { readonly min: number; readonly max: number };
  /** Arrival times are multiples of this (coinciding arrivals exercise ordering). */
  readonly gridUs: number;
  readonly gridSlots: number;
  readonly priorities: readonly number[];
}

/** Swarm features of a shape: one per opcode kind, plus client actions and chains. */
export function featuresOf(shape: WorkloadShape): string[] {
  const f = shape.kinds.map((k) => `op:${k}`);
  f.push('client:cancel', 'client:priority');
  if (shape.chainMax > 1) f.push('chain');
  return f;
}

const STATUS_SETS: readonly (readonly FinalJobStatus[])[] = [['success'], [], ['success', 'canceled'], ['error']];

export function paramsArbitrary(shape: WorkloadShape, on: ReadonlySet<string>): fc.Arbitrary<GanetiParams> {
  const kinds = shape.kinds.filter((k) => on.has(`op:${k}`));
  const usable = kinds.length > 0 ? kinds : [shape.kinds[0] as OpKind];
  const op: fc.Arbitrary<OpSpec> = fc.record({
    kind: fc.constantFrom(...usable),
    target: fc.nat(7),
    opportunistic: fc.boolean(),
  });
  const actionKinds = (['cancel', 'priority'] as const).filter((k) => on.has(`client:${k}`));
  const action: fc.Arbitrary<ClientAction | null> =
    actionKinds.length === 0
      ? fc.constant(null)
      : fc.option(
          fc.record({
            kind: fc.constantFrom(...actionKinds),
            afterUs: fc.integer({ min: 0, max: 20 }).map((n) => n * 50_000),
            priority: fc.constantFrom(-10, 0, 10),
          }),
          { freq: 3 },
        );
  const job: fc.Arbitrary<JobSpec> = fc.record({
    ops: listOf(op, { minLength: shape.opsPerJob.min, maxLength: shape.opsPerJob.max }),
    priority: fc.constantFrom(...shape.priorities),
    accept: fc.constantFrom(...STATUS_SETS),
    action,
  });
  const chainMax = on.has('chain') ? shape.chainMax : 1;
  const chainMin = Math.min(shape.chainMin ?? 1, chainMax);
  const submission: fc.Arbitrary<Submission> = fc.record({
    atUs: fc.integer({ min: 0, max: shape.gridSlots }).map((n) => n * shape.gridUs),
    jobs: listOf(job, { minLength: chainMin, maxLength: chainMax }),
  });
  return fc.record({
    nodes: fc.integer(shape.nodes),
    instances: fc.integer(shape.instances),
    workers: fc.integer(shape.workers),
    // Shrinks toward coarse work: uniform step times make the smallest counterexample easy to
    // read, and the events that coincide in it let an ordering bug show with fewer preemptions.
    coarseWork: fc.boolean().map((drawn) => !drawn),
    submissions: listOf(submission, { minLength: shape.submissions.min, maxLength: shape.submissions.max }),
  });
}

export function jobCount(p: GanetiParams): number {
  return p.submissions.reduce((n, s) => n + s.jobs.length, 0);
}

// ---------------------------------------------------------------------------------------------
// The builder

/** The duration of every LU step under `coarseWork`, µs. */
export const COARSE_WORK_US = 100_000;

const COARSE_WORK: WorkProfiles = Object.fromEntries(
  Object.keys(DEFAULT_WORK_PROFILES).map((kind) => [kind, { minUs: COARSE_WORK_US, maxUs: COARSE_WORK_US }]),
);

/**
 * Starts a master with the workload's cluster and one client thread per submission: it sleeps
 * until its arrival time, submits (a chain with `SubmitManyJobs` and relative dependencies), runs
 * each job's client action, and waits for every job it submitted to end.
 */
export function buildWorkload(world: SimWorld, input: BuildInput<GanetiParams>): ScenarioInstance {
  const p = input.params;
  const cluster = MemoryCluster.create(world, {
    shape: { nodes: p.nodes, instances: p.instances, groups: 1, networks: 1 },
    workers: p.workers,
    mutants: input.mutants,
    work: p.coarseWork ? COARSE_WORK : {},
  });
  cluster.start();
  let serial = 0;
  p.submissions.forEach((sub, i) => {
    world.spawn(`client${i + 1}`, function* (): Proc<void> {
      yield* world.sleep(sub.atUs);
      const jobs = sub.jobs.map((j, k) =>
        j.ops.map((o, n) => {
          const op = opcodeOf(o, p, ++serial, j.priority);
          return k > 0 && n === 0 ? { ...op, depends: [[-1, [...(j.accept ?? [])]]] } : op;
        }),
      );
      const ids: number[] = [];
      if (jobs.length === 1) {
        ids.push(yield* cluster.submitJob(jobs[0] as OpInput[]));
      } else {
        for (const r of yield* cluster.submitManyJobs(jobs as OpInput[][])) if (r[0]) ids.push(r[1]);
      }
      for (const [k, id] of ids.entries()) {
        const action = sub.jobs[k]?.action;
        if (!action) continue;
        world.spawn(`client${i + 1}.${action.kind}${k + 1}`, function* (): Proc<void> {
          yield* world.sleep(action.afterUs);
          if (action.kind === 'cancel') yield* cluster.cancelJob(id);
          else yield* cluster.changeJobPriority(id, action.priority ?? 0);
        });
      }
      yield* cluster.waitForJobs(ids);
    });
  });
  return {
    // No faults here: every job must end (clients waiting on a job that cannot end deadlock first).
    checkers: [jobsFinishChecker()],
    waitFor: () => cluster.waitFor(),
    lockMonitor: () => cluster.lockMonitor(),
  };
}

// ---------------------------------------------------------------------------------------------
// A Ganeti scenario from a workload shape

export interface GanetiScenarioSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly seeds: readonly string[];
  readonly mutants: readonly MutantName[];
  readonly shape: WorkloadShape;
  /** Virtual-time budget of a run, µs. */
  readonly maxTimeUs: number;
  /** Step budget of a run (default 200 000). */
  readonly maxSteps?: number;
  readonly pctDepths?: readonly number[];
  /** `import.meta.url` of the defining module: its content hash goes into replay files. */
  readonly source: string;
}

/** The scenarios built on `buildWorkload`: no faults, the shape's arbitraries and swarm features. */
export function ganetiScenario(spec: GanetiScenarioSpec): Scenario<GanetiParams> {
  const { shape, maxTimeUs, maxSteps, ...rest } = spec;
  return {
    ...rest,
    features: featuresOf(shape),
    budget: { maxSteps: maxSteps ?? 200_000, maxTimeUs },
    params: (on) => paramsArbitrary(shape, on),
    faults: () => fc.constant<FaultPlan>({}),
    size: ({ params }) => ({ jobs: jobCount(params), faults: 0 }),
    build: (world, input) => buildWorkload(world, input),
  };
}
