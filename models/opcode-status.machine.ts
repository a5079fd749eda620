/**
 * The opcode status lifecycle (spec §5.4, opcode transition table).
 *
 * The queue emits `opcode.status job/<id>/op/<i> <from> <to>` for every status change; the monitor
 * accepts a change when some event leads from `from` to `to`. Events are named after their cause;
 * the same names are used in the job-status machine where the cause is the same. Self-loops
 * document causes that leave the status unchanged. Final states: canceled, success, error.
 *
 * Data only: no guards, no actions, no context.
 */
import { createMachine } from 'xstate';

export const opcodeStatusMachine = createMachine({
  id: 'opcode-status',
  initial: 'queued',
  states: {
    queued: {
      on: {
        PICKED: { target: 'waiting', description: 'a worker picks the opcode (_MarkWaitlock; start timestamps set)' },
        CANCELED_WHILE_QUEUED: { target: 'canceled', description: 'CancelJob while the job is queued' },
        CANCEL_REQUESTED: {
          target: 'canceling',
          description: 'CancelJob while the job is waiting (all unfinished ops)',
        },
        PRECEDING_OPCODE_FAILED: {
          target: 'error',
          description: 'an earlier opcode failed: "Preceding opcode failed"',
        },
        MASTER_RESTARTED: { target: 'error', description: 'restart recovery of a running or canceling job' },
      },
    },
    waiting: {
      on: {
        LOCKS_ACQUIRED: { target: 'running', description: 'NotifyStart (exec timestamp set)' },
        LOCK_ATTEMPT_TIMED_OUT: { target: 'waiting', description: 'lock attempt timed out (priority maybe raised)' },
        DEPENDENCY_WAIT: { target: 'waiting', description: 'a dependency is not finished yet' },
        CANCEL_REQUESTED: { target: 'canceling', description: 'CancelJob' },
        QUEUE_SHUTDOWN: { target: 'queued', description: 'QueueShutdown, or lock timeout while not accepting' },
        MASTER_RESTARTED: { target: 'queued', description: 'restart recovery of a waiting job' },
        DEPENDENCY_FAILED: { target: 'error', description: 'dependency check WRONGSTATUS or ERROR' },
        FAILED_BEFORE_START: {
          target: 'error',
          description: 'exception before NotifyStart (OpPrereqError, LockError)',
        },
      },
    },
    running: {
      on: {
        SUCCEEDED: { target: 'success', description: 'the logical unit finished' },
        FAILED: { target: 'error', description: 'the logical unit raised' },
        MASTER_RESTARTED: { target: 'error', description: 'restart recovery: "Unclean master daemon shutdown"' },
      },
    },
    canceling: {
      on: {
        CANCEL_COMPLETED: { target: 'canceled', description: 'the processor finalizes: "Job canceled by request"' },
        MASTER_RESTARTED: { target: 'error', description: 'restart recovery' },
      },
    },
    canceled: { type: 'final' },
    success: { type: 'final' },
    error: { type: 'final' },
  },
});
