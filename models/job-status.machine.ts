/**
 * The job status lifecycle (spec §5.4, "Job-level transitions").
 *
 * A job's status is derived from its opcodes (CalcStatus), so the queue never "sends" these
 * events: it emits `job.status job/<id> <from> <to>` whenever the derived status changes, and the
 * monitor accepts a change when some event leads from `from` to `to`. Each event is named after
 * what causes the change; one cause may act on several states (a master restart) and one change
 * may have several causes (waiting -> queued on shutdown or restart). Self-loops document causes
 * that leave the status unchanged. Final states: canceled, success, error.
 *
 * Data only: no guards, no actions, no context.
 */
import { createMachine } from 'xstate';

export const jobStatusMachine = createMachine({
  id: 'job-status',
  initial: 'queued',
  states: {
    queued: {
      description: 'Submitted and not yet picked, or between two opcodes (op0 success, op1 queued)',
      on: {
        PICKED: { target: 'waiting', description: 'a worker picks the next opcode (_MarkWaitlock)' },
        CANCELED_WHILE_QUEUED: { target: 'canceled', description: 'CancelJob on a queued job: finalized at once' },
      },
    },
    waiting: {
      description: 'Waiting for locks or for a dependency',
      on: {
        LOCKS_ACQUIRED: { target: 'running', description: 'NotifyStart after all locks were acquired' },
        LOCK_ATTEMPT_TIMED_OUT: { target: 'waiting', description: 'lock attempt timed out (priority maybe raised)' },
        DEPENDENCY_WAIT: { target: 'waiting', description: 'a dependency is not finished yet (WAITDEP)' },
        CANCEL_REQUESTED: { target: 'canceling', description: 'CancelJob on a waiting job' },
        DEPENDENCY_CANCELED: {
          target: 'canceled',
          description: 'a dependency was cancelled: canceling and canceled in one processor run',
        },
        DEPENDENCY_FAILED: { target: 'error', description: 'dependency check WRONGSTATUS or ERROR' },
        FAILED_BEFORE_START: { target: 'error', description: 'exception before NotifyStart (prereq, LockError)' },
        QUEUE_SHUTDOWN: { target: 'queued', description: 'QueueShutdown, or lock timeout while not accepting' },
        MASTER_RESTARTED: { target: 'queued', description: 'restart recovery of a waiting job' },
      },
    },
    running: {
      description: 'An opcode holds its locks and runs its logical unit',
      on: {
        OPCODE_SUCCEEDED: { target: 'queued', description: 'opcode succeeded, more opcodes pending (DEFER)' },
        LAST_OPCODE_SUCCEEDED: { target: 'success', description: 'the last opcode succeeded' },
        OPCODE_FAILED: { target: 'error', description: 'the logical unit raised' },
        MASTER_RESTARTED: { target: 'error', description: 'restart recovery: "Unclean master daemon shutdown"' },
      },
    },
    canceling: {
      description: 'Cancel requested while waiting; the worker finishes it',
      on: {
        CANCEL_COMPLETED: { target: 'canceled', description: 'the processor finalizes: "Job canceled by request"' },
        MASTER_RESTARTED: { target: 'error', description: 'restart recovery of a canceling job' },
      },
    },
    canceled: { type: 'final' },
    success: { type: 'final' },
    error: { type: 'final' },
  },
});
