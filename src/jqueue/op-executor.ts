/**
 * The seam between the job queue and the opcode processor (spec §5.5, §8): the queue hands each
 * opcode to an `OpExecutor` (Ganeti's `mcpu.Processor.ExecOpCode`) together with callbacks into
 * the queue (Ganeti's `_OpExecCallbacks`). jqueue defines the contract and never imports mcpu;
 * mcpu implements `OpExecutor`, and tests substitute fakes as Ganeti's own tests do.
 */
import type { Proc } from '../sim/ports.js';
import type { OpInput } from './opcode.js';

/** One entry of `SubmitManyJobs`' result: `(True, job id)` or `(False, message)`. */
export type SubmitJobResult = readonly [true, number] | readonly [false, string];

/** What the running opcode may ask of the queue. Called from the worker thread running it. */
export interface OpExecCallbacks {
  /**
   * All locks are held and the LU is about to run: the opcode goes waiting -> running (queue
   * lock shared). Throws `CancelJob` when the job is being canceled and `QueueShutdown` when the
   * queue stopped accepting work.
   */
  notifyStart(): Proc<void>;
  /** Appends a job log message (queue lock shared; written locally, not replicated). */
  feedback(logType: string, message: unknown): Proc<void>;
  /**
   * The opcode's current priority, for the next lock acquisition. Throws `CancelJob` /
   * `QueueShutdown` like `notifyStart` (so a cancel is noticed before each lock level).
   */
  currentPriority(): number;
  /** `JobQueue.SubmitManyJobs` for LU-generated jobs (queue lock exclusive). */
  submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]>;
}

export interface OpExecutor {
  /**
   * Runs one opcode: takes its locks level by level within `timeoutUs` (null: block), calls
   * `cbs.notifyStart()`, runs the logical unit and returns its result. Throws
   * `LockAcquireTimeout` when a lock attempt timed out (every lock taken so far released),
   * `CancelJob` / `QueueShutdown` from the callbacks, or the LU's error.
   */
  execOpCode(op: OpInput, cbs: OpExecCallbacks, timeoutUs: number | null): Proc<unknown>;
}

/** Ganeti creates one `Processor` per job run, with the job id as its execution context id. */
export type OpExecutorFactory = (jobId: number) => OpExecutor;
