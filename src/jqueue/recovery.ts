/**
 * Start-up recovery (`JobQueue._InspectQueue`, spec §5.11): every live job is loaded in ascending
 * id order and acted on by status. Queued jobs are re-enqueued unchanged; waiting ones go back to
 * queued (they re-evaluate their dependencies and locks from scratch); running and canceling ones
 * were interrupted by the crash and fail with "Unclean master daemon shutdown"; finalized jobs are
 * left alone. A job file the store cannot read was moved aside by the store and is skipped.
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Proc } from '../sim/ports.js';
import {
  JOB_STATUS_CANCELING,
  JOB_STATUS_QUEUED,
  JOB_STATUS_RUNNING,
  JOB_STATUS_WAITING,
  OP_STATUS_ERROR,
  OP_STATUS_QUEUED,
} from './constants.js';
import { encodeOpError, OpExecError } from './errors.js';
import type { QueuedJob } from './queued-job.js';

export const UNCLEAN_SHUTDOWN_MESSAGE = 'Unclean master daemon shutdown';

/** What recovery needs of the queue; called with the queue lock held exclusively. */
export interface RecoveryHost {
  readonly mutants: MutantSet;
  listLiveJobIds(): Proc<number[]>;
  /** The writable job, from memory or the store; null when it cannot be loaded. */
  loadJobUnlocked(jobId: number): Proc<QueuedJob | null>;
  updateJobUnlocked(job: QueuedJob, replicate?: boolean): Proc<void>;
  enqueueJobsUnlocked(jobs: readonly QueuedJob[]): void;
}

/** `_InspectQueue` without its lock: recovers every live job; returns the jobs it re-enqueued. */
export function* recoverJobs(host: RecoveryHost): Proc<QueuedJob[]> {
  const restartJobs: QueuedJob[] = [];
  for (const jobId of yield* host.listLiveJobIds()) {
    const job = yield* host.loadJobUnlocked(jobId);
    if (job === null) continue;
    const status = job.calcStatus();
    if (status === JOB_STATUS_QUEUED) {
      if (host.mutants.has('restart-from-opcode-zero')) restartFromOpcodeZero(job);
      restartJobs.push(job);
    } else if (status === JOB_STATUS_WAITING) {
      job.markUnfinishedOps(OP_STATUS_QUEUED, null);
      if (host.mutants.has('restart-from-opcode-zero')) restartFromOpcodeZero(job);
      restartJobs.push(job);
      yield* host.updateJobUnlocked(job);
    } else if (status === JOB_STATUS_RUNNING || status === JOB_STATUS_CANCELING) {
      job.batch(() => {
        job.markUnfinishedOps(OP_STATUS_ERROR, encodeOpError(new OpExecError(UNCLEAN_SHUTDOWN_MESSAGE)));
        job.finalize();
      });
      yield* host.updateJobUnlocked(job);
    }
  }
  if (restartJobs.length > 0) host.enqueueJobsUnlocked(restartJobs);
  return restartJobs;
}

/**
 * MUTANT(restart-from-opcode-zero): Ganeti f64247416 — a partially run job restarts at its first
 * opcode: every opcode is reset to queued, the ones that already succeeded included, so they run
 * again and their results are overwritten.
 */
function restartFromOpcodeZero(job: QueuedJob): void {
  job.batch(() => {
    for (const op of job.ops) {
      op.status = OP_STATUS_QUEUED;
      op.result = null;
    }
  });
}
