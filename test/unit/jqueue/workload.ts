/**
 * Random job-queue workloads for property and mutant tests: batches of jobs submitted at virtual
 * times (one `submitJob` or one `submitManyJobs` with relative dependencies), cancels and priority
 * changes aimed at jobs submitted earlier, over a small set of lock names so that jobs contend,
 * time out, escalate and wait for each other; some opcodes submit jobs of their own through the
 * callbacks. Dependencies only point backwards, so no cycle.
 */
import fc from 'fast-check';
import type { FinalJobStatus } from '../../../src/jqueue/constants.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import type { MutantSet } from '../../../src/mutants/registry.js';
import type { Kernel, RunResult } from '../../../src/sim/kernel.js';
import { Simulation, type StrategySpec } from '../../../src/sim/simulation.js';
import { fixedTimeouts, makeQueue, type QueueHarness, statusCheckers, testOp, watch } from './queue-harness.js';

export interface OpSpec {
  readonly locks: readonly string[];
  readonly durationUs: number;
  readonly feedback: number;
  readonly fail: boolean;
  readonly priority: number;
  /** Jobs the opcode submits through its callbacks (LU-generated jobs), one short opcode each. */
  readonly submit: number;
}

export interface JobSpec {
  readonly ops: readonly OpSpec[];
  /** Relative dependency of the first opcode on a job of the same batch (-1 = the one before). */
  readonly dep: { readonly rel: number; readonly statuses: readonly FinalJobStatus[] } | null;
}

export type ClientAction =
  | { readonly kind: 'submit'; readonly atUs: number; readonly many: boolean; readonly jobs: readonly JobSpec[] }
  | { readonly kind: 'cancel'; readonly atUs: number; readonly pick: number }
  | { readonly kind: 'priority'; readonly atUs: number; readonly pick: number; readonly priority: number };

export interface Workload {
  readonly workers: number;
  readonly actions: readonly ClientAction[];
}

const LOCK_NAMES = ['a', 'b', 'c'];
const PRIORITIES = [-10, 0, 10];

const opArb: fc.Arbitrary<OpSpec> = fc.record({
  locks: fc.subarray(LOCK_NAMES),
  durationUs: fc.integer({ min: 0, max: 4000 }),
  feedback: fc.integer({ min: 0, max: 2 }),
  fail: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
  priority: fc.constantFrom(...PRIORITIES),
  submit: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
});

const statusesArb = fc.subarray<FinalJobStatus>(['success', 'error', 'canceled']);

const jobArb: fc.Arbitrary<JobSpec> = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 3 }),
  dep: fc.option(fc.record({ rel: fc.constantFrom(-1, -2), statuses: statusesArb }), { nil: null }),
});

const atArb = fc.integer({ min: 0, max: 6000 });

export const workloadArb: fc.Arbitrary<Workload> = fc.record({
  workers: fc.integer({ min: 1, max: 4 }),
  actions: fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('submit' as const),
          atUs: atArb,
          many: fc.boolean(),
          jobs: fc.array(jobArb, { minLength: 1, maxLength: 3 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), atUs: atArb, pick: fc.nat() }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('priority' as const),
          atUs: atArb,
          pick: fc.nat(),
          priority: fc.constantFrom(...PRIORITIES),
        }),
      },
    ),
    { minLength: 1, maxLength: 5 },
  ),
});

export const strategyArb: fc.Arbitrary<StrategySpec> = fc.oneof(
  fc.constant<StrategySpec>({ kind: 'random' }),
  fc.integer({ min: 1, max: 3 }).map((depth): StrategySpec => ({ kind: 'pct', depth })),
);

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function toOp(spec: OpSpec, depends: OpInput['depends']): OpInput {
  return testOp({
    locks: [...spec.locks],
    duration_us: spec.durationUs,
    feedback: spec.feedback,
    fail: spec.fail,
    priority: spec.priority,
    ...(spec.submit > 0 ? { submit: Array.from({ length: spec.submit }, () => [testOp({ duration_us: 10 })]) } : {}),
    ...(depends ? { depends } : {}),
  });
}

function toJob(spec: JobSpec, many: boolean): OpInput[] {
  // Relative ids exist only in submitManyJobs; a single submission gets no dependency.
  const deps = many && spec.dep ? [[spec.dep.rel, [...spec.dep.statuses]]] : null;
  return spec.ops.map((op, i) => toOp(op, i === 0 ? (deps as OpInput['depends']) : null));
}

export interface WorkloadRun {
  readonly harness: QueueHarness;
  readonly sim: Kernel;
  readonly result: RunResult;
  /** Violations reported by the checkers (`PROPERTY: message`). */
  readonly violations: string[];
  readonly jobIds: number[];
}

/** Runs `w` against a fresh queue under `strategy`; every job-queue checker watches (liveness too). */
export function runWorkload(
  w: Workload,
  opts: { seed: number; strategy: StrategySpec; mutants: MutantSet; maxSteps?: number },
): WorkloadRun {
  const sim = Simulation.create({
    seed: opts.seed,
    strategy: opts.strategy,
    budget: { maxSteps: opts.maxSteps ?? 200_000 },
  });
  const harness = makeQueue(sim, {
    workers: w.workers,
    mutants: opts.mutants,
    timeouts: fixedTimeouts([1000, 3000]),
  });
  const watcher = watch(sim, statusCheckers());
  const jobIds: number[] = [];
  const actions = [...w.actions].sort((a, b) => a.atUs - b.atUs);
  sim.spawn('client', function* () {
    const q = harness.queue;
    yield* q.open();
    for (const a of actions) {
      const wait = a.atUs - sim.now();
      if (wait > 0) yield* sim.sleep(wait);
      if (a.kind === 'submit') {
        if (a.many) {
          for (const r of yield* q.submitManyJobs(a.jobs.map((j) => toJob(j, true)))) if (r[0]) jobIds.push(r[1]);
        } else {
          for (const j of a.jobs) jobIds.push(yield* q.submitJob(toJob(j, false)));
        }
      } else if (jobIds.length > 0) {
        const id = jobIds[a.pick % jobIds.length] as number;
        if (a.kind === 'cancel') yield* q.cancelJob(id);
        else yield* q.changeJobPriority(id, a.priority);
      }
    }
  });
  const result = sim.run();
  return { harness, sim, result, violations: watcher.finish(result), jobIds };
}
