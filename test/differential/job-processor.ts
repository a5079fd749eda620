/**
 * Job processor programs (`_JobProcessor`), driven as Ganeti's own tests drive it: a fake queue
 * that records job writes, a fake opcode executor, scripted dependency results and either a fake
 * timeout strategy (a short list of timeouts, so priority escalation comes quickly) or Ganeti's
 * real lock-attempt schedule with a shared jitter sequence (the full escalation 0 -> -20 in a few
 * programs).
 *
 * Each opcode says what its executor does: how many lock attempts time out first
 * (`LockAcquireTimeout`), whether a cancel lands during an attempt (before the processor looks at
 * the outcome) or right after the processor decided the outcome of a timed-out attempt and before
 * it stores it (`cancelAfterDecision`, the window of question 4 of the issue), the feedback it
 * logs, and whether it fails. Between processor runs a program may cancel the job or change its
 * priority. Observed after each step: the processor's results, the executor calls (opcode,
 * attempt, timeout, priority asked), dependency checks and cancels with what they returned, the
 * job writes, and the job's state with its log.
 *
 * Not generated: a queue that stops accepting jobs (row v3-no-queue-shutdown of README.md).
 */
import fc from 'fast-check';
import {
  DEP_CANCEL,
  DEP_CONTINUE,
  DEP_ERROR,
  DEP_WAIT,
  DEP_WRONGSTATUS,
  type DepResult,
  type DepResultCode,
} from '../../src/jqueue/dependency-manager.js';
import { AssertionError, GenericError, LockAcquireTimeout, OpExecError } from '../../src/jqueue/errors.js';
import { type ExecOpCodeFn, JobProcessor } from '../../src/jqueue/job-processor.js';
import type { SharedLockPort } from '../../src/jqueue/lock-port.js';
import type { TimeoutStrategy, TimeoutStrategyFactory } from '../../src/jqueue/op-exec-context.js';
import type { JobDependency, OpInput } from '../../src/jqueue/opcode.js';
import type { DependencyChecker, ProcessorQueue } from '../../src/jqueue/processor-queue.js';
import { QueuedJob } from '../../src/jqueue/queued-job.js';
import { LockAttemptTimeoutStrategy } from '../../src/mcpu/lock-timeout.js';
import { MutantSet } from '../../src/mutants/registry.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { Component, Normaliser } from './compare.js';
import { assertMessage, dummyInput, jobState } from './job-status.js';
import type { Observation } from './oracle.js';

export interface ProcOpSpec {
  readonly result: string;
  /** Fails with Ganeti's `OpExecError`, or with an exception that is not a Ganeti error. */
  readonly fail: false | 'opexec' | 'other';
  readonly priority: number | null;
  /** The first this-many lock attempts with a timeout time out. */
  readonly lockTimeouts: number;
  /** A cancel lands during this attempt, before the executor reports its outcome. */
  readonly cancelInAttempt: number | null;
  /** A cancel lands after the processor decided this timed-out attempt's outcome, before it is stored. */
  readonly cancelAfterDecision: number | null;
  readonly feedback: readonly (readonly [string, string])[];
  readonly depends: readonly JobDependency[] | null;
}

export type ProcStep =
  | { readonly op: 'run'; readonly times: number }
  | { readonly op: 'cancel' }
  | { readonly op: 'changePriority'; readonly priority: number };

export type StrategySpec =
  | { readonly kind: 'fake'; readonly timeouts: readonly number[] }
  /** Ganeti's schedule (2.10's bounds) with the jitter sequence of `weylJitter(jitterSeed)`. */
  | { readonly kind: 'ganeti'; readonly jitterSeed: number };

export interface ProcProgram {
  readonly jobId: number;
  readonly ops: readonly ProcOpSpec[];
  /** The first this-many opcodes already succeeded before a master restart. */
  readonly restored: number;
  /** Scripted answers of the dependency manager, per dependency job id, in order; then CONTINUE. */
  readonly depResults: Readonly<Record<string, readonly (readonly [DepResultCode, string])[]>>;
  readonly strategy: StrategySpec;
  readonly steps: readonly ProcStep[];
}

/** The jitter both sides share: a Weyl sequence on 32-bit integers, as floats in [0, 1). */
export function weylJitter(seed: number): { float(): number } {
  let state = seed % 4294967296;
  return {
    float() {
      state = (state + 2654435761) % 4294967296;
      return state / 4294967296;
    },
  };
}

const DEP_IDS = [101, 102];
const depResultArb = fc
  .constantFrom<DepResultCode>(DEP_WAIT, DEP_ERROR, DEP_CANCEL, DEP_CONTINUE, DEP_WRONGSTATUS)
  .map((code) => [code, `scripted dependency result ${code}`] as const);
const attemptArb = fc.option(fc.nat(5), { freq: 3 });

const opSpecArb: fc.Arbitrary<ProcOpSpec> = fc.record({
  result: fc.constantFrom('ok', 'done', 'r'),
  fail: fc.oneof(
    { weight: 8, arbitrary: fc.constant(false as const) },
    { weight: 1, arbitrary: fc.constantFrom('opexec' as const, 'other' as const) },
  ),
  priority: fc.option(fc.constantFrom(-10, 0, 10), { freq: 3 }),
  lockTimeouts: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.nat(6) }),
  cancelInAttempt: attemptArb,
  cancelAfterDecision: attemptArb,
  feedback: fc.array(fc.tuple(fc.constantFrom('message', 'jqueue-test'), fc.constantFrom('hello', 'step 2')), {
    maxLength: 2,
  }),
  depends: fc.option(
    fc.array(
      fc.tuple(
        fc.constantFrom(...DEP_IDS),
        fc.subarray(['success', 'error', 'canceled'] as const).map((s) => [...s]),
      ) as fc.Arbitrary<JobDependency>,
      { minLength: 1, maxLength: 2 },
    ),
    { freq: 4 },
  ),
});

const smallProgramArb: fc.Arbitrary<ProcProgram> = fc.record({
  jobId: fc.integer({ min: 1, max: 99_999 }),
  ops: fc.array(opSpecArb, { minLength: 1, maxLength: 3 }),
  restored: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
  depResults: fc.record(
    Object.fromEntries(DEP_IDS.map((id) => [String(id), fc.array(depResultArb, { maxLength: 3 })])) as Record<
      string,
      fc.Arbitrary<(readonly [DepResultCode, string])[]>
    >,
  ),
  strategy: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('fake' as const),
        timeouts: fc.array(fc.constantFrom(0.5, 1, 2.5), { maxLength: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ganeti' as const), jitterSeed: fc.nat() }) },
  ),
  steps: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('run' as const), times: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const) }) },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant('changePriority' as const), priority: fc.constantFrom(-10, 0, 10) }),
      },
    ),
    { minLength: 1, maxLength: 10, size: 'max' },
  ),
});

/**
 * The full escalation: Ganeti's schedule, one opcode whose attempts time out from 130 (one
 * schedule) up to all 20 priority steps, run until the blocking acquire at priority -20.
 */
const escalationProgramArb: fc.Arbitrary<ProcProgram> = fc.record({
  jobId: fc.integer({ min: 1, max: 99_999 }),
  ops: fc.tuple(
    fc.record({
      result: fc.constant('escalated'),
      fail: fc.constant(false as const),
      priority: fc.constantFrom(-10, 0, 10),
      lockTimeouts: fc.integer({ min: 130, max: 3000 }),
      cancelInAttempt: fc.constant(null),
      cancelAfterDecision: fc.constant(null),
      feedback: fc.constant([]),
      depends: fc.constant(null),
    }),
  ),
  restored: fc.constant(0),
  depResults: fc.constant({}),
  strategy: fc.record({ kind: fc.constant('ganeti' as const), jitterSeed: fc.nat() }),
  steps: fc.constant([{ op: 'run' as const, times: 3100 }]),
});

export const processorProgramArb: fc.Arbitrary<ProcProgram> = fc.oneof(
  { weight: 60, arbitrary: smallProgramArb },
  { weight: 1, arbitrary: escalationProgramArb },
);

function fakeStrategy(timeouts: readonly number[]): TimeoutStrategy {
  const left = [...timeouts];
  return {
    nextAttempt: () => {
      const t = left.shift();
      return t === undefined ? null : Math.round(t * 1_000_000);
    },
  };
}

function simulate(program: ProcProgram): Observation[] {
  const sim = Simulation.create({ seed: 1, strategy: { kind: 'fifo' }, trace: 'hash' });
  const inputs: OpInput[] = program.ops.map((s) => {
    const input = dummyInput(s);
    if (s.depends) input.depends = s.depends.map(([id, st]) => [id, [...st]] as JobDependency);
    return input;
  });
  const indexOf = new Map(inputs.map((input, i) => [input, i]));
  const job = new QueuedJob(program.jobId, inputs, { writable: true, env: { now: () => sim.now() } });
  const events: Observation[] = [];
  const updates: boolean[] = [];
  const attempts = program.ops.map(() => 0);
  let armed = false;

  // The queue lock the processor releases around the opcode and takes back afterwards: the moment
  // it takes it back is after the outcome was decided and before it is stored.
  const queueLock: SharedLockPort = {
    name: 'JobQueue',
    // biome-ignore lint/correctness/useYield: the fake lock never blocks
    *acquire(): Proc<boolean> {
      if (armed) {
        armed = false;
        events.push({ cancel: job.cancel(), when: 'after-decision' });
      }
      return true;
    },
    release() {},
    isOwned: () => true,
  };

  const scripts = new Map(Object.entries(program.depResults).map(([id, r]) => [Number(id), [...r]]));
  const waiting = new Set<QueuedJob>();
  const depmgr: DependencyChecker<QueuedJob> = {
    // biome-ignore lint/correctness/useYield: scripted answers never block
    *checkAndRegister(j, depJobId, depStatus): Proc<DepResult> {
      events.push({ depCheck: [depJobId, [...depStatus]] });
      const next = scripts.get(depJobId)?.shift() ?? [DEP_CONTINUE, `Dependency job ${depJobId} done`];
      if (next[0] === DEP_WAIT) waiting.add(j);
      else waiting.delete(j);
      return next;
    },
    jobWaiting: (j) => waiting.has(j),
  };

  const queue: ProcessorQueue = {
    rt: sim,
    lock: queueLock,
    depmgr,
    mutants: MutantSet.none,
    acceptingJobsUnlocked: () => true,
    // biome-ignore lint/correctness/useYield: records the write
    *updateJobUnlocked(_job, replicate = true): Proc<void> {
      updates.push(replicate);
    },
    // biome-ignore lint/correctness/useYield: never called by these programs
    *submitManyJobs(): Proc<never> {
      throw new AssertionError('the differential programs submit no jobs');
    },
  };

  const opexec: ExecOpCodeFn = function* (input, cbs, timeoutUs) {
    const i = indexOf.get(input) as number;
    const spec = program.ops[i] as ProcOpSpec;
    const attempt = attempts[i] as number;
    attempts[i] = attempt + 1;
    const rec: Observation = { exec: i, attempt, timeoutUs };
    events.push(rec);
    rec.priority = cbs.currentPriority();
    if (spec.cancelInAttempt === attempt) events.push({ cancel: job.cancel(), when: 'during-attempt' });
    if (timeoutUs !== null && attempt < spec.lockTimeouts) {
      if (spec.cancelAfterDecision === attempt) armed = true;
      throw new LockAcquireTimeout();
    }
    yield* cbs.notifyStart();
    for (const [type, msg] of spec.feedback) yield* cbs.feedback(type, msg);
    if (spec.fail === 'opexec') throw new OpExecError(`Error requested (${spec.result})`);
    if (spec.fail === 'other') throw new Error(`Unexpected failure (${spec.result})`);
    return spec.result;
  };

  const strategy = program.strategy;
  const jitter = strategy.kind === 'ganeti' ? weylJitter(strategy.jitterSeed) : null;
  const tsf: TimeoutStrategyFactory =
    strategy.kind === 'fake'
      ? () => fakeStrategy(strategy.timeouts)
      : () => new LockAttemptTimeoutStrategy(jitter as { float(): number });

  for (let i = 0; i < Math.min(program.restored, job.ops.length); i++) {
    const op = job.ops[i] as QueuedJob['ops'][number];
    op.status = 'success';
    op.result = `restored ${i}`;
  }

  const observations: Observation[] = [];
  sim.spawn('worker', function* (): Proc<void> {
    for (const step of program.steps) {
      const out: Observation = {};
      events.length = 0;
      updates.length = 0;
      try {
        if (step.op === 'run') {
          const results: number[] = [];
          for (let n = 0; n < step.times; n++) {
            results.push(yield* new JobProcessor(queue, opexec, job, tsf).run());
            if (results[results.length - 1] === 3) break;
          }
          out.results = results;
        } else if (step.op === 'cancel') {
          out.return = job.cancel();
        } else {
          out.return = job.changePriority(step.priority);
        }
      } catch (e) {
        if (!(e instanceof AssertionError || e instanceof GenericError)) throw e;
        out.error = e.name;
        out.message = e.message;
      }
      out.events = events.map((e) => ({ ...e }));
      out.updates = [...updates];
      out.state = jobState(job);
      out.pendingContext = job.curOpCtx !== null;
      observations.push(out);
    }
  });
  const r = sim.run();
  if (r.outcome.kind !== 'completed') throw new Error(`gnt-sim side ended with ${r.outcome.kind}`);
  return observations;
}

/** gnt-sim's clock is integer µs; Ganeti's timeouts are float seconds, reported here times 1e6. */
const timeoutMicroseconds: Normaliser<ProcProgram> = {
  id: 'timeout-microseconds',
  apply: (obs, side) =>
    side === 'ganeti' && Array.isArray(obs.events)
      ? {
          ...obs,
          events: (obs.events as Observation[]).map((e) =>
            typeof e.timeoutUs === 'number' ? { ...e, timeoutUs: Math.round(e.timeoutUs) } : e,
          ),
        }
      : obs,
};

function describeOp(s: ProcOpSpec, i: number): string {
  const parts = [`op ${i}: prio ${s.priority ?? 'default'}`];
  if (s.lockTimeouts) parts.push(`${s.lockTimeouts} lock attempts time out`);
  if (s.cancelInAttempt !== null) parts.push(`cancel during attempt ${s.cancelInAttempt}`);
  if (s.cancelAfterDecision !== null) parts.push(`cancel after the decision on attempt ${s.cancelAfterDecision}`);
  if (s.feedback.length) parts.push(`logs ${JSON.stringify(s.feedback)}`);
  if (s.depends) parts.push(`depends ${JSON.stringify(s.depends)}`);
  parts.push(s.fail ? `fails (${s.fail})` : `returns ${JSON.stringify(s.result)}`);
  return parts.join(', ');
}

export const jobProcessorComponent: Component<ProcProgram> = {
  name: 'job-processor',
  arbitrary: processorProgramArb,
  simulate,
  normalisers: [assertMessage, timeoutMicroseconds],
  handledElsewhere: ['v3-lock-attempt-bounds', 'v3-no-queue-shutdown', 'v3-no-queue-lock', 'driver-fresh-reason'],
  describeSetup: (p) =>
    `job ${p.jobId}${p.restored ? ` (first ${p.restored} opcodes already succeeded)` : ''}; ${p.ops.map(describeOp).join('; ')}; dependency answers ${JSON.stringify(p.depResults)}; ` +
    `timeouts ${p.strategy.kind === 'fake' ? JSON.stringify(p.strategy.timeouts) : `Ganeti's schedule, jitter ${p.strategy.jitterSeed}`}`,
  describeSteps: (p) =>
    p.steps.map((s) =>
      s.op === 'run'
        ? `run the processor (up to ${s.times}x)`
        : s.op === 'cancel'
          ? 'Cancel()'
          : `ChangePriority(${s.priority})`,
    ),
};
