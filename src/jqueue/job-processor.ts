import type { Proc } from '../sim/ports.js';
import {
  JOB_STATUS_QUEUED,
  JOB_STATUS_WAITING,
  JOBS_FINALIZED,
  OP_PRIO_HIGHEST,
  OP_PRIO_LOWEST,
  OP_STATUS_CANCELED,
  OP_STATUS_CANCELING,
  OP_STATUS_ERROR,
  OP_STATUS_QUEUED,
  OP_STATUS_RUNNING,
  OP_STATUS_SUCCESS,
  OP_STATUS_WAITING,
  OPS_FINALIZED,
  type OpStatus,
} from './constants.js';
import { DEP_CANCEL, DEP_CONTINUE, DEP_ERROR, DEP_WAIT, DEP_WRONGSTATUS } from './dependency-manager.js';
import {
  CancelJob,
  encodeOpError,
  getEncodedError,
  LockAcquireTimeout,
  OpExecError,
  ProgrammerError,
  pyAssert,
  QueueShutdown,
} from './errors.js';
import { QueueOpExecCallbacks } from './op-exec-callbacks.js';
import { OpExecContext, type TimeoutStrategyFactory } from './op-exec-context.js';
import type { OpExecCallbacks } from './op-executor.js';
import type { JobDependency, OpInput } from './opcode.js';
import type { ProcessorQueue } from './processor-queue.js';
import { opcodeSubject, type QueuedJob } from './queued-job.js';
import type { QueuedOpCode } from './queued-opcode.js';
import { DeferTask } from './worker-pool.js';

export const PROCESSOR_DEFER = 1;
export const PROCESSOR_WAITDEP = 2;
export const PROCESSOR_FINISHED = 3;
export type ProcessorResult = typeof PROCESSOR_DEFER | typeof PROCESSOR_WAITDEP | typeof PROCESSOR_FINISHED;

/** `opexec_fn`: `Processor.ExecOpCode` (possibly wrapped to rename the worker thread). */
export type ExecOpCodeFn = (op: OpInput, cbs: OpExecCallbacks, timeoutUs: number | null) => Proc<unknown>;

/** The `deps` field of `jqueue.exec.start`: `3:success|error;4:` (empty list = any final status). */
export function formatDependencies(deps: readonly JobDependency[] | null | undefined): string {
  return (deps ?? []).map(([id, st]) => `${id}:${st.join('|')}`).join(';');
}

export class JobProcessor {
  constructor(
    private readonly queue: ProcessorQueue,
    private readonly opexecFn: ExecOpCodeFn,
    private readonly job: QueuedJob,
    private readonly timeoutStrategyFactory: TimeoutStrategyFactory,
  ) {}

  /**
   * `_JobProcessor.__call__`: continues the job by one opcode. `nextOpFn` is called whenever the
   * next opcode is looked up (Ganeti's test hook `_nextop_fn`).
   */
  *run(nextOpFn?: () => void): Proc<ProcessorResult> {
    const { queue, job } = this;
    yield* queue.lock.acquire({ shared: true });
    try {
      return yield* this.runLocked(nextOpFn);
    } finally {
      pyAssert(job.writable, 'Job became read-only while being processed');
      queue.lock.release();
    }
  }

  private *runLocked(nextOpFn?: () => void): Proc<ProcessorResult> {
    const { queue, job } = this;
    const opcount = job.ops.length;
    pyAssert(job.writable, 'Expected writable job');

    // Don't do anything for finalized jobs: the file may already be archived (Ganeti 66bd7445e).
    if (JOBS_FINALIZED.has(job.calcStatus())) {
      if (queue.mutants.has('write-after-final')) {
        // MUTANT(write-after-final): Ganeti 6ea72e436 / 66bd7445e — the processor touches the
        // timestamps of a job that is already final and writes it again, racing with archival.
        job.finalize();
        yield* queue.updateJobUnlocked(job);
      }
      return PROCESSOR_FINISHED;
    }

    let opctx: OpExecContext;
    if (job.curOpCtx) {
      // A previous opcode is still pending (lock timeout or dependency wait).
      opctx = job.curOpCtx;
      job.curOpCtx = null;
    } else {
      nextOpFn?.();
      opctx = this.findNextOpcode();
    }
    const op = opctx.op;

    pyAssert(
      job.ops.slice(opctx.index + 1).every((i) => i.status === OP_STATUS_QUEUED || i.status === OP_STATUS_CANCELING),
      'opcodes after the current one must be queued or canceling',
    );
    pyAssert(
      op.status === OP_STATUS_QUEUED || op.status === OP_STATUS_WAITING || op.status === OP_STATUS_CANCELING,
      `unexpected opcode status ${op.status}`,
    );
    pyAssert(op.priority <= OP_PRIO_LOWEST && op.priority >= OP_PRIO_HIGHEST, `invalid priority ${op.priority}`);

    let waitjob = false;

    if (op.status !== OP_STATUS_CANCELING) {
      // Prepare to start the opcode.
      if (this.markWaitlock(op)) yield* queue.updateJobUnlocked(job);

      pyAssert(op.status === OP_STATUS_WAITING, 'opcode must be waiting');
      pyAssert(job.calcStatus() === JOB_STATUS_WAITING, 'job must be waiting');
      pyAssert(job.startTimestamp !== null && op.startTimestamp !== null, 'start timestamps must be set');

      waitjob = yield* this.checkDependencies(opctx);

      const status = op.status as OpStatus;
      pyAssert(
        status === OP_STATUS_WAITING || status === OP_STATUS_CANCELING || status === OP_STATUS_ERROR,
        `unexpected opcode status ${status} after the dependency check`,
      );

      if (!(waitjob || status === OP_STATUS_CANCELING || status === OP_STATUS_ERROR)) {
        pyAssert(!opctx.jobdeps || opctx.jobdeps.length === 0, 'Not all dependencies were removed');
        const [opStatus, opResult] = yield* this.execOpCodeReleasingQueueLock(opctx);
        op.status = opStatus;
        op.result = opResult;
      }

      if (op.status === OP_STATUS_WAITING || op.status === OP_STATUS_QUEUED) {
        // waiting: couldn't get the locks in time; queued: the queue is shutting down.
        pyAssert(op.endTimestamp === null, 'unfinished opcode has an end timestamp');
      } else {
        // Finalize the opcode.
        op.endTimestamp = queue.rt.now();
        if (op.status === OP_STATUS_CANCELING) {
          pyAssert(
            job.ops.slice(opctx.index).every((i) => i.status === OP_STATUS_CANCELING),
            'all remaining opcodes must be canceling',
          );
        } else {
          pyAssert(OPS_FINALIZED.has(op.status), `opcode not finalized: ${op.status}`);
        }
      }
    }

    if (op.status === OP_STATUS_QUEUED) {
      // The queue is shutting down.
      pyAssert(!waitjob, 'queued opcode cannot wait for a job');
      job.curOpCtx = null;
      pyAssert(job.calcStatus() === JOB_STATUS_QUEUED, 'job must be queued');
    } else if (op.status === OP_STATUS_WAITING || waitjob) {
      if (!waitjob && opctx.checkPriorityIncrease()) {
        // The priority was raised: the job file must say so (it survives a restart).
        yield* queue.updateJobUnlocked(job);
      }
      // Keep around for another round.
      job.curOpCtx = opctx;
      pyAssert(op.priority <= OP_PRIO_LOWEST && op.priority >= OP_PRIO_HIGHEST, `invalid priority ${op.priority}`);
      pyAssert(job.calcStatus() === JOB_STATUS_WAITING, 'job must be waiting');
    } else {
      pyAssert(
        opctx.index === 0 || job.ops.slice(0, opctx.index).every((i) => i.status === OP_STATUS_SUCCESS),
        'all opcodes so far must have succeeded',
      );
      job.curOpCtx = null;
      let finalize: boolean;
      if (op.status === OP_STATUS_SUCCESS) {
        finalize = false;
      } else if (op.status === OP_STATUS_ERROR) {
        pyAssert(getEncodedError(op.result) !== null, 'failed opcode must have an encoded error as its result');
        job.markUnfinishedOps(OP_STATUS_ERROR, encodeOpError(new OpExecError('Preceding opcode failed')));
        finalize = true;
      } else if (op.status === OP_STATUS_CANCELING) {
        job.markUnfinishedOps(OP_STATUS_CANCELED, 'Job canceled by request');
        finalize = true;
      } else {
        throw new ProgrammerError(`Unknown status '${op.status}'`);
      }
      if (opctx.index === opcount - 1) finalize = true;
      if (finalize) job.finalize();
      // If the job is final this is the last write allowed: once written it may be archived.
      yield* queue.updateJobUnlocked(job);
      if (finalize) return PROCESSOR_FINISHED;
    }

    pyAssert(!waitjob || queue.depmgr.jobWaiting(job), 'waiting job is not registered with the dependency manager');
    return waitjob ? PROCESSOR_WAITDEP : PROCESSOR_DEFER;
  }

  /** Releases the queue lock, runs the opcode, takes the lock back (shared). */
  private *execOpCodeReleasingQueueLock(opctx: OpExecContext): Proc<[OpStatus, unknown]> {
    const lock = this.queue.lock;
    // MUTANT(queue-lock-held-during-lu): Ganeti doc/locking — the worker keeps the queue lock
    // while the opcode runs; its callbacks (Feedback, NotifyStart, SubmitManyJobs) need it again.
    const keepQueueLock = this.queue.mutants.has('queue-lock-held-during-lu');
    if (!keepQueueLock) lock.release();
    try {
      return yield* this.execOpCodeUnlocked(opctx);
    } finally {
      if (!keepQueueLock) yield* lock.acquire({ shared: true });
    }
  }

  /**
   * `_FindNextOpcode`: the next opcode that is not finalized (a job partially run before a
   * restart skips the opcodes that already succeeded). An opcode already running is a bug.
   */
  private findNextOpcode(): OpExecContext {
    const job = this.job;
    if (job.opsIter === null) job.opsIter = 0;
    for (;;) {
      const idx: number = job.opsIter;
      const op = job.ops[idx];
      if (op === undefined) throw new ProgrammerError('Called for a finished job');
      job.opsIter = idx + 1;
      if (op.status === OP_STATUS_RUNNING) throw new ProgrammerError('Called for job marked as running');
      const opctx = new OpExecContext(op, idx, `Op ${idx + 1}/${job.ops.length}`, this.timeoutStrategyFactory);
      if (!OPS_FINALIZED.has(op.status)) return opctx;
      // Completed before a master restart: skip it.
    }
  }

  /** `_MarkWaitlock`: queued -> waiting, start timestamps; returns whether the file must be written. */
  private markWaitlock(op: QueuedOpCode): boolean {
    const job = this.job;
    pyAssert(job.ops.includes(op), 'opcode does not belong to the job');
    pyAssert(op.status === OP_STATUS_QUEUED || op.status === OP_STATUS_WAITING, `unexpected status ${op.status}`);
    let update = false;
    op.result = null;
    if (op.status === OP_STATUS_QUEUED) {
      op.status = OP_STATUS_WAITING;
      update = true;
    }
    if (op.startTimestamp === null) {
      op.startTimestamp = this.queue.rt.now();
      update = true;
    }
    if (job.startTimestamp === null) {
      job.startTimestamp = op.startTimestamp;
      update = true;
    }
    pyAssert(op.status === OP_STATUS_WAITING, 'opcode must be waiting');
    return update;
  }

  /**
   * `_CheckDependencies`: checks the opcode's remaining dependencies in order; returns whether
   * the job now waits for one (the dependency manager will re-add it).
   */
  private *checkDependencies(opctx: OpExecContext): Proc<boolean> {
    const { queue, job } = this;
    const op = opctx.op;
    while (opctx.jobdeps && opctx.jobdeps.length > 0) {
      const [depJobId, depStatus] = opctx.jobdeps[0] as JobDependency;
      const [depresult, depmsg] = yield* queue.depmgr.checkAndRegister(job, depJobId, depStatus);
      pyAssert(depmsg.length > 0, 'No dependency message');
      if (depresult === DEP_CONTINUE) {
        opctx.jobdeps.shift();
      } else if (depresult === DEP_WAIT) {
        return true;
      } else if (depresult === DEP_CANCEL) {
        // The dependency was cancelled: cancel this job as well.
        job.cancel();
        pyAssert(op.status === OP_STATUS_CANCELING, 'opcode must be canceling');
        break;
      } else if (depresult === DEP_WRONGSTATUS || depresult === DEP_ERROR) {
        // The dependency failed or could not be checked: this job must fail.
        op.status = OP_STATUS_ERROR;
        op.result = encodeOpError(new OpExecError(depmsg));
        break;
      } else {
        throw new ProgrammerError(`Unknown dependency result '${depresult}'`);
      }
    }
    return false;
  }

  /** `_ExecOpCodeUnlocked`: runs the opcode and maps its outcome to `(status, result)`. */
  private *execOpCodeUnlocked(opctx: OpExecContext): Proc<[OpStatus, unknown]> {
    const { queue, job } = this;
    const op = opctx.op;
    pyAssert(op.status === OP_STATUS_WAITING || op.status === OP_STATUS_CANCELING, `unexpected status ${op.status}`);

    // The very last check whether the job was cancelled before trying to execute.
    if (op.status === OP_STATUS_CANCELING) return [OP_STATUS_CANCELING, null];

    const timeout = opctx.getNextLockTimeout();
    const subject = opcodeSubject(job.id, opctx.index);
    queue.rt.emit('jqueue.exec.start', subject, formatDependencies(op.input.depends));
    let outcome: [OpStatus, unknown];
    try {
      const result = yield* this.opexecFn(op.input, new QueueOpExecCallbacks(queue, job, op), timeout);
      outcome = [OP_STATUS_SUCCESS, result];
    } catch (err) {
      outcome = this.mapExecError(err, timeout, op);
    }
    queue.rt.emit('jqueue.exec.end', subject, outcome[0]);
    return outcome;
  }

  private mapExecError(err: unknown, timeout: number | null, op: QueuedOpCode): [OpStatus, unknown] {
    if (err instanceof LockAcquireTimeout) {
      pyAssert(timeout !== null, 'Received timeout for blocking acquire');
      pyAssert(op.status === OP_STATUS_WAITING || op.status === OP_STATUS_CANCELING, `unexpected status ${op.status}`);
      // Was the job cancelled while we were waiting for the lock?
      // MUTANT(cancel-checked-once): Ganeti e6e17529e — a cancel that arrived during the lock
      // attempt is not looked at here, only once the locks are granted (NotifyStart): the opcode
      // is put back to waiting as if nobody had asked to cancel it.
      const cancelNoticed = !this.queue.mutants.has('cancel-checked-once');
      if (cancelNoticed && op.status === OP_STATUS_CANCELING) return [OP_STATUS_CANCELING, null];
      // The queue is shutting down: return to queued.
      if (!this.queue.acceptingJobsUnlocked()) return [OP_STATUS_QUEUED, null];
      // Stay waiting while trying to re-acquire the locks.
      return [OP_STATUS_WAITING, null];
    }
    if (err instanceof CancelJob) {
      pyAssert(op.status === OP_STATUS_CANCELING, 'CancelJob raised for an opcode that is not canceling');
      return [OP_STATUS_CANCELING, null];
    }
    if (err instanceof QueueShutdown) {
      pyAssert(op.status === OP_STATUS_WAITING, 'QueueShutdown raised for an opcode that is not waiting');
      // The opcode had not started yet: it returns to the queue.
      return [OP_STATUS_QUEUED, null];
    }
    if (err instanceof Error) return [OP_STATUS_ERROR, encodeOpError(err)];
    // Simulated code throws Errors; anything else is a bug in the harness, not an LU failure.
    throw err;
  }
}

/**
 * `_EvaluateJobProcessorResult`: what the worker does with the processor's answer. FINISHED
 * wakes the jobs waiting for this one; DEFER puts the job back into the pool at its current
 * priority (behind tasks of equal priority); WAITDEP does nothing.
 */
export function* evaluateJobProcessorResult(
  depmgr: { notifyWaiters(jobId: number): Proc<void> },
  job: { readonly id: number; calcPriority(): number },
  result: unknown,
): Proc<void> {
  if (result === PROCESSOR_FINISHED) {
    yield* depmgr.notifyWaiters(job.id);
  } else if (result === PROCESSOR_DEFER) {
    throw new DeferTask(job.calcPriority());
  } else if (result !== PROCESSOR_WAITDEP) {
    throw new ProgrammerError(`Job processor returned unknown status ${String(result)}`);
  }
}
