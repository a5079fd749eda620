/**
 * The job status is not stored: it is computed from the opcode statuses (`_QueuedJob.CalcStatus`,
 * spec §5.3), and so is the job priority (`CalcPriority`). Both are pure functions here so that
 * checkers and the queue share one definition.
 */
import {
  JOB_STATUS_CANCELED,
  JOB_STATUS_CANCELING,
  JOB_STATUS_ERROR,
  JOB_STATUS_QUEUED,
  JOB_STATUS_RUNNING,
  JOB_STATUS_SUCCESS,
  JOB_STATUS_WAITING,
  type JobStatus,
  OP_PRIO_DEFAULT,
  OPS_FINALIZED,
  type OpStatus,
} from './constants.js';

/**
 * CalcStatus: scan the opcodes in order starting from `queued`. Successes are skipped; `queued`
 * keeps the current status; `waiting` and `running` set it and continue; `canceling`, `error`
 * and `canceled` set it and stop. All successes give `success`. So between two opcodes of a
 * running job (op0 success, op1 queued) the job reads `queued`.
 */
export function calcStatus(opStatuses: Iterable<OpStatus>): JobStatus {
  let status: JobStatus = JOB_STATUS_QUEUED;
  let allSuccess = true;
  for (const s of opStatuses) {
    if (s === 'success') continue;
    allSuccess = false;
    if (s === 'queued') continue;
    if (s === 'waiting') {
      status = JOB_STATUS_WAITING;
    } else if (s === 'running') {
      status = JOB_STATUS_RUNNING;
    } else if (s === 'canceling') {
      status = JOB_STATUS_CANCELING;
      break;
    } else if (s === 'error') {
      // The whole job fails if one opcode failed.
      status = JOB_STATUS_ERROR;
      break;
    } else {
      // Ganeti returns OP_STATUS_CANCELED here; it is the same string as JOB_STATUS_CANCELED.
      status = JOB_STATUS_CANCELED;
      break;
    }
  }
  return allSuccess ? JOB_STATUS_SUCCESS : status;
}

/**
 * CalcPriority: the minimum priority over the opcodes that are not finalized, or the default
 * priority once all are. This is the job's task priority in the worker pool.
 */
export function calcPriority(ops: Iterable<{ readonly status: OpStatus; readonly priority: number }>): number {
  let min: number | null = null;
  for (const op of ops) {
    if (OPS_FINALIZED.has(op.status)) continue;
    if (min === null || op.priority < min) min = op.priority;
  }
  return min ?? OP_PRIO_DEFAULT;
}
