/**
 * `_JobQueueWorker.RunTask` (spec §5.5): a worker of the pool processes one opcode of a job.
 *
 * It holds the job's processor lock for the whole run: a job can sit in the task list while a
 * worker is still busy with it (a dependency notified before that worker finished), and two
 * workers must never process one job at once. Each run gets a fresh opcode executor (Ganeti's
 * `mcpu.Processor(context, job.id)`), and the worker's name shows the job and opcode it works on
 * (`Jq3/Job42/I_STARTUP`).
 */
import type { Proc } from '../sim/ports.js';
import { pyAssert } from './errors.js';
import { type ExecOpCodeFn, evaluateJobProcessorResult, JobProcessor } from './job-processor.js';
import type { TimeoutStrategyFactory } from './op-exec-context.js';
import type { OpExecutorFactory } from './op-executor.js';
import { type OpInput, opTinySummary } from './opcode.js';
import type { ProcessorQueue } from './processor-queue.js';
import type { QueuedJob } from './queued-job.js';
import type { PoolWorker } from './worker-pool.js';

/** What a worker needs of the queue. */
export interface WorkerQueue extends ProcessorQueue {
  readonly executorFactory: OpExecutorFactory;
  readonly timeoutStrategyFactory: TimeoutStrategyFactory;
  readonly depmgr: ProcessorQueue['depmgr'] & { notifyWaiters(jobId: number): Proc<void> };
}

/** `_GetWorkerName`: `Job42` or `Job42/I_STARTUP`. */
export function workerTaskName(job: QueuedJob, op: OpInput | null): string {
  const parts = [`Job${job.id}`];
  if (op) parts.push(opTinySummary(op));
  return parts.join('/');
}

/** `RunTask`: processes one opcode of `job` under its processor lock; may throw `DeferTask`. */
export function* runJobTask(queue: WorkerQueue, worker: PoolWorker<QueuedJob>, job: QueuedJob): Proc<void> {
  pyAssert(job.writable, 'Expected writable job');
  const lock = job.processorLock;
  pyAssert(lock !== null, 'writable job without a processor lock');
  yield* lock.acquire();
  try {
    yield* runTaskInner(queue, worker, job);
  } finally {
    lock.release();
  }
}

function* runTaskInner(queue: WorkerQueue, worker: PoolWorker<QueuedJob>, job: QueuedJob): Proc<void> {
  worker.setTaskName(workerTaskName(job, null));
  const executor = queue.executorFactory(job.id);
  // `_WrapExecOpCode`: the worker's name names the opcode while it runs.
  const execFn: ExecOpCodeFn = function* (op, cbs, timeoutUs) {
    worker.setTaskName(workerTaskName(job, op));
    try {
      return yield* executor.execOpCode(op, cbs, timeoutUs);
    } finally {
      worker.setTaskName(workerTaskName(job, null));
    }
  };
  const result = yield* new JobProcessor(queue, execFn, job, queue.timeoutStrategyFactory).run();
  // A real worker can be preempted here, after the queue lock is released and before the job's
  // processor lock is: a dependency that finishes now re-adds the job, and the worker picking it
  // up must wait for this one (the reason for the per-job lock).
  yield* queue.rt.yieldNow();
  yield* evaluateJobProcessorResult(queue.depmgr, job, result);
}
