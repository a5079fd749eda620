/**
 * A job queue under the kernel for tests: the real `JobQueue` over a `MemoryJobStore`, with a fake
 * opcode executor that behaves like a logical unit as far as the queue can tell: it takes real
 * locks from `src/locking` (at the priority the callbacks report, within the attempt's timeout),
 * calls `notifyStart`, logs feedback, sleeps, fails on request and may submit jobs.
 *
 * Test opcodes are `OP_TEST_DELAY` inputs with these parameters: `locks` (names taken
 * exclusively, sorted), `duration_us`, `feedback` (number of messages), `fail` (raise
 * `OpExecError`), `submit` (jobs to submit through the callbacks; the result is `{jobs: ...}`).
 */
import type { Checker } from '../../../scenarios/scenario.js';
import { jqueueCheckers } from '../../../src/check/jqueue-checkers.js';
import { jobsFinishChecker } from '../../../src/check/jqueue-liveness.js';
import { LockAcquireTimeout, OpExecError } from '../../../src/jqueue/errors.js';
import { JobQueue } from '../../../src/jqueue/job-queue.js';
import { MemoryJobStore } from '../../../src/jqueue/job-store.js';
import type { TimeoutStrategy, TimeoutStrategyFactory } from '../../../src/jqueue/op-exec-context.js';
import type { OpExecCallbacks, OpExecutor, OpExecutorFactory } from '../../../src/jqueue/op-executor.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import { SharedLock } from '../../../src/locking/shared-lock.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Kernel, RunResult } from '../../../src/sim/kernel.js';
import type { Proc, Runtime } from '../../../src/sim/ports.js';

/** Cluster-like locks by name, created on first use. */
export class TestLocks {
  private readonly locks = new Map<string, SharedLock>();

  constructor(private readonly rt: Runtime) {}

  get(name: string): SharedLock {
    let lock = this.locks.get(name);
    if (!lock) {
      lock = new SharedLock(this.rt, name);
      this.locks.set(name, lock);
    }
    return lock;
  }
}

export interface TestOpParams {
  locks?: string[];
  duration_us?: number;
  feedback?: number;
  fail?: boolean;
  submit?: OpInput[][];
  priority?: number;
  depends?: OpInput['depends'];
}

export function testOp(params: TestOpParams = {}): OpInput {
  return { OP_ID: 'OP_TEST_DELAY', ...params };
}

/** The fake logical unit (see the file header). */
export class LockingTestExecutor implements OpExecutor {
  constructor(
    private readonly rt: Runtime,
    private readonly locks: TestLocks,
  ) {}

  *execOpCode(op: OpInput, cbs: OpExecCallbacks, timeoutUs: number | null): Proc<unknown> {
    const rt = this.rt;
    const names = [...((op.locks as string[] | undefined) ?? [])].sort();
    const held: SharedLock[] = [];
    const deadline = timeoutUs === null ? null : rt.now() + timeoutUs;
    try {
      for (const name of names) {
        const priority = cbs.currentPriority();
        const remaining = deadline === null ? null : Math.max(0, deadline - rt.now());
        const lock = this.locks.get(name);
        const ok = yield* lock.acquire({ shared: false, timeoutUs: remaining, priority });
        if (!ok) throw new LockAcquireTimeout(`Could not acquire ${name} within ${timeoutUs} us`);
        held.push(lock);
      }
      yield* cbs.notifyStart();
      const feedback = (op.feedback as number | undefined) ?? 0;
      for (let i = 0; i < feedback; i++) yield* cbs.feedback('message', `step ${i + 1} of ${feedback}`);
      const duration = (op.duration_us as number | undefined) ?? 0;
      if (duration > 0) yield* rt.sleep(duration);
      if (op.fail) throw new OpExecError('Test opcode failed on request');
      const submit = op.submit as OpInput[][] | undefined;
      if (submit) return { jobs: yield* cbs.submitManyJobs(submit) };
      return null;
    } finally {
      for (const lock of held.reverse()) lock.release();
    }
  }
}

/** A fixed lock-attempt schedule (µs), then blocking: short, so escalation is cheap to test. */
export function fixedTimeouts(schedule: readonly number[]): TimeoutStrategyFactory {
  return (): TimeoutStrategy => {
    let i = 0;
    return { nextAttempt: () => (i < schedule.length ? (schedule[i++] as number) : null) };
  };
}

export interface QueueHarnessOptions {
  readonly workers?: number;
  readonly mutants?: MutantSet;
  readonly store?: MemoryJobStore;
  readonly timeouts?: TimeoutStrategyFactory;
  readonly executorFactory?: OpExecutorFactory;
}

export interface QueueHarness {
  readonly queue: JobQueue;
  readonly store: MemoryJobStore;
  readonly locks: TestLocks;
}

/** Builds a queue in `sim` (open it from a simulated thread: `yield* h.queue.open()`). */
export function makeQueue(sim: Kernel, opts: QueueHarnessOptions = {}): QueueHarness {
  const locks = new TestLocks(sim);
  const store = opts.store ?? new MemoryJobStore();
  const queue = new JobQueue(sim, {
    store,
    executorFactory: opts.executorFactory ?? (() => new LockingTestExecutor(sim, locks)),
    timeoutStrategyFactory: opts.timeouts ?? fixedTimeouts([1_000_000, 2_000_000]),
    workers: opts.workers ?? 4,
    mutants: opts.mutants ?? MutantSet.none,
  });
  return { queue, store, locks };
}

/** Every job-queue checker (QLOCK, DEP, PRIO:pool, LST) plus, for runs without faults, liveness. */
export function statusCheckers(opts: { readonly liveness?: boolean } = {}): Checker[] {
  return [...jqueueCheckers(), ...(opts.liveness === false ? [] : [jobsFinishChecker()])];
}

/** Attaches checkers to a simulation before it runs; `finish` runs their `atEnd` and returns all violations. */
export function watch(sim: Kernel, checkers: readonly Checker[]): { finish(r: RunResult): string[] } {
  const found: string[] = [];
  const ctx = {
    violation: (property: string, message: string) => {
      found.push(`${property}: ${message}`);
    },
    now: () => sim.now(),
  };
  sim.trace.observe((r) => {
    for (const c of checkers) c.onEvent?.(r, ctx);
  });
  return {
    finish(r: RunResult) {
      for (const c of checkers) c.atEnd?.(r, ctx);
      return found;
    },
  };
}
