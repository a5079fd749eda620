/**
 * `_OpExecCallbacks` (spec §5.5, §5.7, §5.14): what a running opcode may ask of the queue. They are
 * called from the worker thread that runs the opcode, which does NOT hold the queue lock at that
 * point: `notifyStart` and `feedback` take it shared, `submitManyJobs` exclusively (inside the
 * queue).
 *
 * A cancel is noticed at `currentPriority` (before each lock level) and at `notifyStart` (all
 * locks held); once the opcode is running it can no longer be cancelled. Both also raise
 * `QueueShutdown` once the queue stopped accepting work, which sends the opcode back to queued.
 */
import type { Proc } from '../sim/ports.js';
import { OP_STATUS_CANCELING, OP_STATUS_RUNNING, OP_STATUS_WAITING } from './constants.js';
import { CancelJob, pyAssert, QueueShutdown } from './errors.js';
import type { OpExecCallbacks, SubmitJobResult } from './op-executor.js';
import type { OpInput } from './opcode.js';
import type { ProcessorQueue } from './processor-queue.js';
import type { QueuedJob } from './queued-job.js';
import type { QueuedOpCode } from './queued-opcode.js';

export class QueueOpExecCallbacks implements OpExecCallbacks {
  constructor(
    private readonly queue: ProcessorQueue,
    private readonly job: QueuedJob,
    private readonly op: QueuedOpCode,
  ) {}

  /** `_CheckCancel`: raises `CancelJob` when asked to cancel, `QueueShutdown` when shutting down. */
  private checkCancel(): void {
    if (this.op.status === OP_STATUS_CANCELING) throw new CancelJob();
    if (!this.queue.acceptingJobsUnlocked()) throw new QueueShutdown();
  }

  /** `NotifyStart`: every lock is held; the opcode goes waiting -> running and the job is written. */
  *notifyStart(): Proc<void> {
    const { queue, job, op } = this;
    yield* queue.lock.acquire({ shared: true });
    try {
      pyAssert(job.ops.includes(op), 'opcode does not belong to the job');
      pyAssert(op.status === OP_STATUS_WAITING || op.status === OP_STATUS_CANCELING, `unexpected status ${op.status}`);
      this.checkCancel();
      op.status = OP_STATUS_RUNNING;
      op.execTimestamp = queue.rt.now();
      // MUTANT(running-not-persisted): Ganeti 271daef86 — `running` is only set in memory; after
      // a master crash the job file still says waiting and the opcode is run again.
      if (!queue.mutants.has('running-not-persisted')) yield* queue.updateJobUnlocked(job);
    } finally {
      queue.lock.release();
    }
  }

  /** `Feedback` / `_AppendFeedback`: a job log message, written locally only (not replicated). */
  *feedback(logType: string, message: unknown): Proc<void> {
    const { queue, job, op } = this;
    yield* queue.lock.acquire({ shared: true });
    try {
      job.appendLogEntry(op, logType, message);
      yield* queue.updateJobUnlocked(job, false);
    } finally {
      queue.lock.release();
    }
  }

  /** `CurrentPriority`: the opcode's priority for the next lock level (no queue lock needed). */
  currentPriority(): number {
    const op = this.op;
    pyAssert(op.status === OP_STATUS_WAITING || op.status === OP_STATUS_CANCELING, `unexpected status ${op.status}`);
    this.checkCancel();
    return op.priority;
  }

  /** `SubmitManyJobs`: LU-generated jobs; the queue takes its lock itself. */
  submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]> {
    return this.queue.submitManyJobs(jobs);
  }
}
