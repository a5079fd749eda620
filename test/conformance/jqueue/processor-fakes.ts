/**
 * The fakes of Ganeti's `ganeti.jqueue_unittest.py` for the job processor tests:
 * `_FakeQueueForProc` (records job writes and submissions, checks the queue lock),
 * `_FakeDependencyManager` (scripted dependency results), `_FakeExecOpCodeForProc` (an opcode
 * executor with before/after-start hooks) and `_FakeTimeoutStrategy`.
 */
import { expect } from 'vitest';
import type { JobStatus } from '../../../src/jqueue/constants.js';
import type { DepResult } from '../../../src/jqueue/dependency-manager.js';
import { OpExecError } from '../../../src/jqueue/errors.js';
import type { ExecOpCodeFn } from '../../../src/jqueue/job-processor.js';
import type { LockAcquireOptions, SharedLockPort } from '../../../src/jqueue/lock-port.js';
import type { TimeoutStrategy } from '../../../src/jqueue/op-exec-context.js';
import type { OpExecCallbacks, SubmitJobResult } from '../../../src/jqueue/op-executor.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import type { DependencyChecker, ProcessorQueue } from '../../../src/jqueue/processor-queue.js';
import { QueuedJob } from '../../../src/jqueue/queued-job.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Proc, Runtime } from '../../../src/sim/ports.js';

/** The queue lock as `_FakeQueueForProc` models it: a flag, always taken shared by the processor. */
class FakeQueueLock implements SharedLockPort {
  readonly name = 'JobQueue';
  acquired = false;

  // biome-ignore lint/correctness/useYield: the fake lock never blocks
  *acquire(opts?: LockAcquireOptions): Proc<boolean> {
    expect(opts?.shared, 'the processor takes the queue lock shared').toBe(true);
    expect(this.acquired, 'queue lock acquired twice').toBe(false);
    this.acquired = true;
    return true;
  }

  release(): void {
    expect(this.acquired, 'queue lock released while not held').toBe(true);
    this.acquired = false;
  }

  isOwned(): boolean {
    return this.acquired;
  }
}

/** `_DisabledFakeDependencyManager`. */
const disabledDepmgr: DependencyChecker<QueuedJob> & { notifyWaiters(id: number): Proc<void> } = {
  jobWaiting: () => false,
  // biome-ignore lint/correctness/useYield: never called
  *checkAndRegister(): Proc<DepResult> {
    throw new Error('Should not be called');
  },
  *notifyWaiters(): Proc<void> {},
};

/** `_FakeDependencyManager`. */
export class FakeDependencyManager implements DependencyChecker<QueuedJob> {
  private readonly checks: [QueuedJob, number, readonly JobStatus[], DepResult][] = [];
  readonly notifications: number[] = [];
  private readonly waiting = new Set<{ readonly id: number }>();

  addCheckResult(job: QueuedJob, depJobId: number, depStatus: readonly JobStatus[], result: DepResult): void {
    this.checks.push([job, depJobId, depStatus, result]);
  }

  countPendingResults(): number {
    return this.checks.length;
  }

  countWaitingJobs(): number {
    return this.waiting.size;
  }

  nextNotification(): number {
    const n = this.notifications.shift();
    if (n === undefined) throw new RangeError('no notification');
    return n;
  }

  jobWaiting(job: QueuedJob): boolean {
    return this.waiting.has(job);
  }

  // biome-ignore lint/correctness/useYield: scripted results never block
  *checkAndRegister(job: QueuedJob, depJobId: number, depStatus: readonly JobStatus[]): Proc<DepResult> {
    const next = this.checks.shift();
    if (!next) throw new Error('unexpected dependency check');
    const [expJob, expDepJobId, expDepStatus, result] = next;
    expect(job).toBe(expJob);
    expect(depJobId).toBe(expDepJobId);
    expect(depStatus).toEqual(expDepStatus);
    if (result[0] === 1) this.waiting.add(job);
    else if (result[0] === 4) this.waiting.delete(job);
    return result;
  }

  // biome-ignore lint/correctness/useYield: records the call
  *notifyWaiters(jobId: number): Proc<void> {
    this.notifications.push(jobId);
  }
}

/** `_FakeQueueForProc`. */
export class FakeQueueForProc implements ProcessorQueue {
  readonly lock = new FakeQueueLock();
  readonly depmgr: DependencyChecker<QueuedJob> & { notifyWaiters(id: number): Proc<void> };
  readonly mutants: MutantSet;
  private readonly updates: [QueuedJob, boolean][] = [];
  private readonly submitted: [number, OpInput[]][] = [];
  private accepting = true;
  private submitCount = 1000;

  constructor(
    readonly rt: Runtime,
    opts: { depmgr?: FakeDependencyManager; mutants?: MutantSet } = {},
  ) {
    this.depmgr = opts.depmgr ?? disabledDepmgr;
    this.mutants = opts.mutants ?? MutantSet.none;
  }

  isAcquired(): boolean {
    return this.lock.acquired;
  }

  /** `GetNextUpdate`: throws `RangeError` (Python's IndexError) when there is none. */
  nextUpdate(): [QueuedJob, boolean] {
    const u = this.updates.shift();
    if (!u) throw new RangeError('no update');
    return u;
  }

  nextSubmittedJob(): [number, OpInput[]] {
    const s = this.submitted.shift();
    if (!s) throw new RangeError('no submitted job');
    return s;
  }

  stopAcceptingJobs(): void {
    this.accepting = false;
  }

  acceptingJobsUnlocked(): boolean {
    return this.accepting;
  }

  // biome-ignore lint/correctness/useYield: records the write
  *updateJobUnlocked(job: QueuedJob, replicate = true): Proc<void> {
    expect(this.lock.acquired, 'Lock not acquired while updating job').toBe(true);
    this.updates.push([job, replicate]);
  }

  *submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]> {
    expect(this.lock.acquired, 'Lock acquired while submitting jobs').toBe(false);
    return jobs.map((ops) => {
      const id = this.submitCount++;
      this.submitted.push([id, [...ops]]);
      return [true, id] as const;
    });
  }
}

/** `opcodes.OpTestDummy(result=..., fail=..., submit_jobs=..., messages=...)`. */
export function dummyOp(params: {
  result?: unknown;
  fail?: boolean;
  submit_jobs?: OpInput[][];
  depends?: OpInput['depends'];
  messages?: [string | null, unknown][];
}): OpInput {
  return { OP_ID: 'OP_TEST_DUMMY', ...params };
}

export type BeforeStart = (timeoutUs: number | null, priority: number) => void;
export type AfterStart = (op: OpInput, cbs: OpExecCallbacks) => Proc<void>;

/** `_FakeExecOpCodeForProc`: checks the queue lock is released, runs the hooks around NotifyStart. */
export function fakeExecOpCode(
  queue: FakeQueueForProc,
  beforeStart: BeforeStart | null,
  afterStart: AfterStart | null,
): ExecOpCodeFn {
  return function* (op, cbs, timeoutUs) {
    expect(queue.isAcquired(), 'Queue lock not released when executing opcode').toBe(false);
    beforeStart?.(timeoutUs, cbs.currentPriority());
    yield* cbs.notifyStart();
    if (afterStart) yield* afterStart(op, cbs);
    // Check again after the callbacks.
    expect(queue.isAcquired()).toBe(false);
    if (op.fail) throw new OpExecError(`Error requested (${String(op.result)})`);
    if (op.submit_jobs !== undefined && op.submit_jobs !== null) {
      return yield* cbs.submitManyJobs(op.submit_jobs as OpInput[][]);
    }
    return op.result;
  };
}

/** `_FakeTimeoutStrategy`. */
export class FakeTimeoutStrategy implements TimeoutStrategy {
  attempts = 0;
  lastTimeout: number | null = null;

  constructor(readonly timeouts: number[]) {}

  nextAttempt(): number | null {
    this.attempts++;
    const t = this.timeouts.shift();
    this.lastTimeout = t ?? null;
    return this.lastTimeout;
  }
}

/** `_JobProcessorTestUtils._CreateJob`. */
export function createJob(rt: Runtime, jobId: number, ops: OpInput[]): QueuedJob {
  const job = new QueuedJob(jobId, ops, {
    writable: true,
    env: { now: () => rt.now(), emit: (k, s, ...f) => rt.emit(k, s, ...f) },
  });
  expect(job.startTimestamp).toBeNull();
  expect(job.endTimestamp).toBeNull();
  expect(job.ops.length).toBe(ops.length);
  job.ops.forEach((op, i) => {
    expect(op.input).toBe(ops[i]);
  });
  return job;
}
