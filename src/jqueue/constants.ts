/**
 * Ganeti's job-queue constants (`constants.py` / `Constants.hs` of v2.10), values exact.
 * Spec: `../shared/spec/ganeti.md` §5.1.
 */

// ---------------------------------------------------------------------------------------------
// Job status. Declared in Ganeti's order (the Haskell type relies on it).

export const JOB_STATUS_QUEUED = 'queued';
export const JOB_STATUS_WAITING = 'waiting';
export const JOB_STATUS_CANCELING = 'canceling';
export const JOB_STATUS_RUNNING = 'running';
export const JOB_STATUS_CANCELED = 'canceled';
export const JOB_STATUS_SUCCESS = 'success';
export const JOB_STATUS_ERROR = 'error';

export const JOB_STATUS_ALL = [
  JOB_STATUS_QUEUED,
  JOB_STATUS_WAITING,
  JOB_STATUS_CANCELING,
  JOB_STATUS_RUNNING,
  JOB_STATUS_CANCELED,
  JOB_STATUS_SUCCESS,
  JOB_STATUS_ERROR,
] as const;

export type JobStatus = (typeof JOB_STATUS_ALL)[number];
export type FinalJobStatus = typeof JOB_STATUS_CANCELED | typeof JOB_STATUS_SUCCESS | typeof JOB_STATUS_ERROR;

export const JOBS_PENDING: ReadonlySet<JobStatus> = new Set([
  JOB_STATUS_QUEUED,
  JOB_STATUS_WAITING,
  JOB_STATUS_CANCELING,
]);
export const JOBS_FINALIZED: ReadonlySet<JobStatus> = new Set([
  JOB_STATUS_CANCELED,
  JOB_STATUS_SUCCESS,
  JOB_STATUS_ERROR,
]);
/** `JOBS_FINALIZED` as a list in Ganeti's declaration order (for tests that iterate it). */
export const JOBS_FINALIZED_LIST: readonly FinalJobStatus[] = [
  JOB_STATUS_CANCELED,
  JOB_STATUS_SUCCESS,
  JOB_STATUS_ERROR,
];

export function isJobStatus(s: unknown): s is JobStatus {
  return typeof s === 'string' && (JOB_STATUS_ALL as readonly string[]).includes(s);
}

/** Whether `s` (any value: a trace field, a parsed file, a request) is a final job status. */
export function isFinalJobStatus(s: unknown): s is FinalJobStatus {
  return typeof s === 'string' && (JOBS_FINALIZED as ReadonlySet<string>).has(s);
}

// ---------------------------------------------------------------------------------------------
// Opcode status: the same seven strings.

export const OP_STATUS_QUEUED = 'queued';
export const OP_STATUS_WAITING = 'waiting';
export const OP_STATUS_CANCELING = 'canceling';
export const OP_STATUS_RUNNING = 'running';
export const OP_STATUS_CANCELED = 'canceled';
export const OP_STATUS_SUCCESS = 'success';
export const OP_STATUS_ERROR = 'error';

export const OP_STATUS_ALL = [
  OP_STATUS_QUEUED,
  OP_STATUS_WAITING,
  OP_STATUS_CANCELING,
  OP_STATUS_RUNNING,
  OP_STATUS_CANCELED,
  OP_STATUS_SUCCESS,
  OP_STATUS_ERROR,
] as const;

export type OpStatus = (typeof OP_STATUS_ALL)[number];

export const OPS_FINALIZED: ReadonlySet<OpStatus> = new Set([OP_STATUS_CANCELED, OP_STATUS_ERROR, OP_STATUS_SUCCESS]);

export function isOpStatus(s: unknown): s is OpStatus {
  return typeof s === 'string' && (OP_STATUS_ALL as readonly string[]).includes(s);
}

// ---------------------------------------------------------------------------------------------
// Priorities: lower value = higher priority.

export const OP_PRIO_HIGHEST = -20;
export const OP_PRIO_HIGH = -10;
export const OP_PRIO_NORMAL = 0;
export const OP_PRIO_LOW = 10;
export const OP_PRIO_LOWEST = 19;
export const OP_PRIO_DEFAULT = OP_PRIO_NORMAL;
/** Priorities a client may submit (both the opcode type check and submission enforce it). */
export const OP_PRIO_SUBMIT_VALID: ReadonlySet<number> = new Set([OP_PRIO_LOW, OP_PRIO_NORMAL, OP_PRIO_HIGH]);

// ---------------------------------------------------------------------------------------------
// Lock-attempt timeouts (seconds, as in Ganeti; `src/mcpu/lock-timeout.ts` converts to µs).

/** Total time spent on timed attempts per priority step: `10*3600 // (0 - (-20))` = 1800 s. */
export const LOCK_ATTEMPTS_TIMEOUT = Math.floor((10 * 3600) / (OP_PRIO_DEFAULT - OP_PRIO_HIGHEST));
export const LOCK_ATTEMPTS_MAXWAIT = 15.0;
export const LOCK_ATTEMPTS_MINWAIT = 1.0;

// ---------------------------------------------------------------------------------------------
// Queue.

export const JOB_QUEUE_SIZE_HARD_LIMIT = 5000;
export const JOB_QUEUE_VERSION = 1;
export const JSTORE_JOBS_PER_ARCHIVE_DIRECTORY = 10000;
/** Returned by WaitForJobChanges when nothing changed before the timeout. */
export const JOB_NOTCHANGED = 'nochange';
export const JOB_IDS_KEY = 'jobs';
/** Size of the job queue's worker pool; workers are named `Jq1`..`Jq25`. */
export const JOBQUEUE_THREADS = 25;
/** LUXI clients cap each WaitForJobChanges call at `(60-1)//2` = 29 s. */
export const LUXI_WFJC_TIMEOUT = Math.floor((60 - 1) / 2);

// ---------------------------------------------------------------------------------------------
// Job log ("feedback") entry types.

export const ELOG_MESSAGE = 'message';
export const ELOG_REMOTE_IMPORT = 'remote-import';
export const ELOG_JQUEUE_TEST = 'jqueue-test';

/** Prefix of the reason-trail source added to every opcode of a new job. */
export const OPCODE_REASON_SRC_OPCODE = 'gnt:opcode';
