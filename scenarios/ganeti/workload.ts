/**
 * Ganeti workloads for the explorer: what the Ganeti scenarios share. A workload is a small
 * cluster (nodes, instances, job queue workers) and the jobs its clients submit: each job a few
 * opcodes of the simulated LU catalogue (`src/mcpu`), with a priority, an arrival time, and
 * optionally a client that cancels it or changes its priority a while later, and a watcher that
 * follows it with `WaitForJobChange` calls (`clients.ts`). Jobs may come in chains, submitted
 * together with `SubmitManyJobs`, with dependency graphs drawn freely (spec §6): relative ids
 * (usually the job before, sometimes one out of range), absolute ids of jobs submitted before
 * (finished or not, by any client), one or two dependencies per job, any set of accepted final
 * statuses (`[]` meaning any). With the hazard feature `dep:forward`, absolute ids are also
 * guessed: jobs submitted later, the job itself, jobs that never exist. A forward reference can
 * close a cycle; Ganeti does not detect cycles, the jobs wait for each other forever, and the run
 * ends as a deadlock through their dependencies (Ganeti's hazard, spec §6.3). Opcodes
 * that name several nodes (`OP_TEST_DELAY`, `OP_GROUP_ASSIGN_NODES`) name them as callers may:
 * unsorted, repeated, unknown.
 *
 * The master runs as a daemon process when the fault plan may crash and restart it (`faults.ts`).
 * Every client waits for its jobs to end (a blocking wait), so a job that can never finish keeps
 * its client waiting and the run ends as a deadlock whose wait-for graph names the job and what
 * it waits for (a lock, a dependency, a worker slot); the status models (LST), lock checks (MX,
 * PRIO) and the queue checkers watch every step.
 *
 * Arbitraries name instances and nodes by index (resolved when the world is built), so
 * fast-check shrinks the cluster and the jobs independently.
 */
import fc from 'fast-check';
import { jobsFinishChecker } from '../../src/check/jqueue-liveness.js';
import { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import { type FinalJobStatus, JOBS_FINALIZED_LIST } from '../../src/jqueue/constants.js';
import type { JobDependency, OpInput } from '../../src/jqueue/opcode.js';
import { DEFAULT_WORK_PROFILES, type WorkProfiles } from '../../src/mcpu/work.js';
import type { MutantName } from '../../src/mutants/registry.js';
import type { FaultPlan } from '../../src/sim/faults.js';
import type { Proc } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';
import { listOf } from '../list-arbitrary.js';
import type { BuildInput, HazardFeature, Scenario, ScenarioInstance } from '../scenario.js';
import { act, type ClientAction, submit, type WatchSpec, watchJob } from './clients.js';
import { type GanetiContext, ganetiFaults, RESTART_MASTERD } from './faults.js';

export type { ClientAction, WatchSpec } from './clients.js';

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
  'test-delay',
] as const;

export type OpKind = (typeof OP_KINDS)[number];

export interface OpSpec {
  readonly kind: OpKind;
  /** Index of the instance or node it acts on (modulo the cluster's size). */
  readonly target: number;
  /** Whether `create` asks for opportunistic node locks (instance creation with an allocator). */
  readonly opportunistic?: boolean;
  /**
   * Nodes named by `test-delay` and `group-assign`, by index, in the caller's order: repeats
   * kept, and an index past the cluster's nodes names a node that is not there (yet).
   */
  readonly nodes?: readonly number[];
}

/**
 * A dependency's job: `relative` jobs back in the same submission; the `earlier`th most recent id
 * the clients got back before this submission (modulo how many there are; none yet: no
 * dependency); or a guessed `absolute` job id, which may name a job submitted later (a forward
 * reference), the job itself, or none at all.
 */
export type DepRef = { readonly relative: number } | { readonly earlier: number } | { readonly absolute: number };

export interface DepSpec {
  readonly ref: DepRef;
  /** Accepted final statuses; `[]` accepts any (but `canceled` only when listed, spec §6.2). */
  readonly accept: readonly FinalJobStatus[];
}

export interface JobSpec {
  readonly ops: readonly OpSpec[];
  readonly priority: number;
  /**
   * Dependencies of its first opcode (chains only). The first job of a submission has no job
   * before it: its relative dependencies are left out.
   */
  readonly depends?: readonly DepSpec[];
  readonly action: ClientAction | null;
}

export interface Submission {
  /** Virtual µs after start. */
  readonly atUs: number;
  /** One job, or several submitted at once (a chain, with dependencies). */
  readonly jobs: readonly JobSpec[];
  /** A watcher that follows one of the submitted jobs (`gnt-job watch`). */
  readonly watch?: WatchSpec | null;
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
  const nodes = op.nodes ? op.nodes.map((i) => `node${i + 1}`) : [node];
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
      return { ...base, OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'group1', nodes };
    case 'network-connect':
      return {
        ...base,
        OP_ID: 'OP_NETWORK_CONNECT',
        group_name: 'group1',
        network_name: 'net1',
        network_mode: 'bridged',
        network_link: 'br0',
      };
    case 'test-delay':
      // Holds the node locks for a coarse work step; Ganeti sorts and de-duplicates the names.
      return {
        ...base,
        OP_ID: 'OP_TEST_DELAY',
        duration: COARSE_WORK_US / 1_000_000,
        on_master: false,
        on_nodes: nodes,
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

/** Swarm features of a shape: one per opcode kind, client actions and watchers, chains and their absolute references. */
export function featuresOf(shape: WorkloadShape): string[] {
  const f = shape.kinds.map((k) => `op:${k}`);
  f.push('client:cancel', 'client:priority', 'client:watch');
  if (shape.chainMax > 1) f.push('chain', 'dep:absolute');
  return f;
}

/** The feature of guessed (forward) job ids in dependencies: it reaches Ganeti's cycle hazard. */
export const FORWARD_DEPENDENCY_FEATURE = 'dep:forward';

/** The hazard features of a shape (see `Scenario.hazardFeatures`). */
export function hazardFeaturesOf(shape: WorkloadShape): HazardFeature[] {
  if (shape.chainMax <= 1) return [];
  return [
    {
      feature: FORWARD_DEPENDENCY_FEATURE,
      hazard: 'dependency-cycle',
      reference: 'lib/jqueue.py _JobDependencyManager.CheckAndRegister (only a self-dependency is refused); spec §6.3',
    },
  ];
}

/** Highest absolute job id a dependency names: past the jobs of most runs, so some never exist. */
const ABSOLUTE_ID_MAX = 8;

/**
 * A dependency: the job before (the simplest, what shrinking goes back to) most of the time, a
 * job further back (maybe out of range) now and then, a job submitted before, and (hazard
 * feature) a guessed id.
 */
function depArbitrary(on: ReadonlySet<string>): fc.Arbitrary<DepSpec> {
  const refs: fc.WeightedArbitrary<DepRef>[] = [
    { weight: 6, arbitrary: fc.constant({ relative: 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }).map((n) => ({ relative: n })) },
  ];
  if (on.has('dep:absolute')) {
    refs.push({ weight: 1, arbitrary: fc.nat(3).map((n) => ({ earlier: n })) });
  }
  if (on.has(FORWARD_DEPENDENCY_FEATURE)) {
    refs.push({ weight: 1, arbitrary: fc.integer({ min: 0, max: ABSOLUTE_ID_MAX }).map((id) => ({ absolute: id })) });
  }
  return fc.record({
    ref: fc.oneof({ withCrossShrink: true }, ...refs),
    accept: fc.subarray([...JOBS_FINALIZED_LIST]),
  });
}

export function paramsArbitrary(shape: WorkloadShape, on: ReadonlySet<string>): fc.Arbitrary<GanetiParams> {
  const kinds = shape.kinds.filter((k) => on.has(`op:${k}`));
  const usable = kinds.length > 0 ? kinds : [shape.kinds[0] as OpKind];
  const namesNodes = usable.some((k) => k === 'test-delay' || k === 'group-assign');
  const op: fc.Arbitrary<OpSpec> = fc.record({
    kind: fc.constantFrom(...usable),
    target: fc.nat(7),
    opportunistic: fc.boolean(),
    ...(namesNodes ? { nodes: fc.array(fc.nat(shape.nodes.max), { minLength: 1, maxLength: 3 }) } : {}),
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
  const chainMax = on.has('chain') ? shape.chainMax : 1;
  const chainMin = Math.min(shape.chainMin ?? 1, chainMax);
  const job: fc.Arbitrary<JobSpec> = fc.record({
    ops: listOf(op, { minLength: shape.opsPerJob.min, maxLength: shape.opsPerJob.max }),
    priority: fc.constantFrom(...shape.priorities),
    ...(chainMax > 1 ? { depends: listOf(depArbitrary(on), { minLength: 1, maxLength: 2 }) } : {}),
    action,
  });
  const watch: fc.Arbitrary<WatchSpec | null> = on.has('client:watch')
    ? fc.option(fc.record({ job: fc.nat(2), timeoutUs: fc.constantFrom(29_000_000, 1_000_000, 250_000, 50_000) }), {
        freq: 3,
      })
    : fc.constant(null);
  const submission: fc.Arbitrary<Submission> = fc.record({
    atUs: fc.integer({ min: 0, max: shape.gridSlots }).map((n) => n * shape.gridUs),
    jobs: listOf(job, { minLength: chainMin, maxLength: chainMax }),
    watch,
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
 * The `depends` of the first opcode of the `k`th job of a submission (see `JobSpec.depends`),
 * `known` the ids clients got back so far, oldest first.
 */
function dependsOf(job: JobSpec, k: number, known: readonly number[]): JobDependency[] {
  const out: JobDependency[] = [];
  for (const d of job.depends ?? []) {
    const accept = [...d.accept];
    if ('relative' in d.ref) {
      if (k > 0) out.push([-d.ref.relative, accept]);
    } else if ('earlier' in d.ref) {
      const id = known[known.length - 1 - (d.ref.earlier % Math.max(1, known.length))];
      if (id !== undefined) out.push([id, accept]);
    } else {
      out.push([d.ref.absolute, accept]);
    }
  }
  return out;
}

const MASTER_NODE = 'node1';

/**
 * Whether the plan may restart the master. Only then does the master run as a restartable
 * process, whose client calls each run in a thread of its own: in every other run the calls run
 * in the clients' threads, which keeps the schedules as small as they are without faults (extra
 * threads at every call dilute the preemption points PCT draws among).
 */
function mayRestart(plan: FaultPlan): boolean {
  return (plan.faults ?? []).some((f) => f.kind === RESTART_MASTERD);
}

/**
 * Starts a master daemon with the workload's cluster, applies the fault plan, and starts one
 * client thread per submission: it sleeps until its arrival time, submits, runs each job's client
 * action, starts the submission's watcher, and waits for every job it submitted to end.
 */
export function buildWorkload(
  world: SimWorld,
  input: BuildInput<GanetiParams>,
  faults: ReturnType<typeof ganetiFaults>,
): ScenarioInstance {
  const p = input.params;
  const cluster = MemoryCluster.create(world, {
    shape: { nodes: p.nodes, instances: p.instances, groups: 1, networks: 1 },
    workers: p.workers,
    mutants: input.mutants,
    work: p.coarseWork ? COARSE_WORK : {},
    ...(mayRestart(input.faults) ? { process: { control: world.processes, node: MASTER_NODE } } : {}),
  });
  cluster.start();
  const ctx: GanetiContext = { cluster };
  faults.vocabulary.apply(world, input.faults, ctx);
  let serial = 0;
  const known: number[] = [];
  p.submissions.forEach((sub, i) => {
    const client = `client${i + 1}`;
    world.spawn(client, function* (): Proc<void> {
      yield* world.sleep(sub.atUs);
      const jobs = sub.jobs.map((j, k) =>
        j.ops.map((o, n) => {
          const op = opcodeOf(o, p, ++serial, j.priority);
          const depends = n === 0 ? dependsOf(j, k, known) : [];
          return depends.length > 0 ? { ...op, depends } : op;
        }),
      );
      const ids = yield* submit(cluster, jobs);
      known.push(...ids);
      for (const [k, id] of ids.entries()) {
        const action = sub.jobs[k]?.action;
        if (!action) continue;
        world.spawn(`${client}.${action.kind}${k + 1}`, () => act(world, cluster, id, action));
      }
      const watch = sub.watch;
      const watched = watch && ids.length > 0 ? (ids[watch.job % ids.length] as number) : null;
      if (watch && watched !== null) {
        const name = `${client}.watch`;
        world.spawn(name, () => watchJob(world, cluster, name, watched, watch.timeoutUs));
      }
      yield* cluster.waitForJobs(ids);
    });
  });
  return {
    // Every job must end (clients waiting on a job that cannot end deadlock first); a master
    // restart ends running jobs in error, it does not leave them unfinished.
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

/** The scenarios built on `buildWorkload`: the shape's arbitraries, the master-restart faults, swarm features of both. */
export function ganetiScenario(spec: GanetiScenarioSpec): Scenario<GanetiParams> {
  const { shape, maxTimeUs, maxSteps, ...rest } = spec;
  const faults = ganetiFaults(shape.gridUs, shape.gridSlots);
  return {
    ...rest,
    features: [...featuresOf(shape), ...faults.features],
    hazardFeatures: hazardFeaturesOf(shape),
    budget: { maxSteps: maxSteps ?? 200_000, maxTimeUs },
    params: (on) => paramsArbitrary(shape, on),
    faults: (on) => faults.arbitrary(on),
    faultVocabulary: faults.vocabulary,
    size: ({ params, faults: plan }) => ({ jobs: jobCount(params), faults: faults.vocabulary.weight(plan) }),
    build: (world, input) => buildWorkload(world, input, faults),
  };
}
