/**
 * `_QueuedOpCode`: one opcode of a job with its status, result, log and timestamps (spec §5.2).
 *
 * Every status change goes through the `status` setter, which tells the owning job; the job
 * emits the `opcode.status` and `job.status` trace events the model monitors check. There is no
 * way to change a status without it being observed. Restoring from a job file does not count as
 * a change.
 */
import { OP_PRIO_DEFAULT, OP_STATUS_QUEUED, type OpStatus } from './constants.js';
import { type LogEntry, mergeTimeOrNull, splitTimeOrNull, type Timestamp } from './job-log.js';
import { jsonClone } from './json.js';
import { cloneOpInput, type OpInput } from './opcode.js';

/** One opcode in a job file. */
export interface SerializedOpCode {
  input: OpInput;
  status: OpStatus;
  result: unknown;
  log: LogEntry[];
  start_timestamp: Timestamp | null;
  exec_timestamp: Timestamp | null;
  end_timestamp: Timestamp | null;
  priority: number;
}

/** Told of every status change of an opcode (implemented by `QueuedJob`). */
export interface OpcodeStatusListener {
  opcodeStatusChanged(op: QueuedOpCode, from: OpStatus, to: OpStatus): void;
}

export class QueuedOpCode {
  /** The submitted opcode. Priority changes never touch it. */
  readonly input: OpInput;
  result: unknown = null;
  log: LogEntry[] = [];
  /** Current priority: starts as the input's and changes with ChangePriority and lock-timeout escalation. */
  priority: number;
  /** Virtual µs: picked by a worker (first `waiting`). */
  startTimestamp: number | null = null;
  /** Virtual µs: all locks acquired (`running`). */
  execTimestamp: number | null = null;
  /** Virtual µs: finalized. */
  endTimestamp: number | null = null;
  /** Position in the job; set by the job. */
  index = 0;
  listener: OpcodeStatusListener | null = null;
  private statusValue: OpStatus = OP_STATUS_QUEUED;

  constructor(input: OpInput) {
    this.input = input;
    this.priority = input.priority ?? OP_PRIO_DEFAULT;
  }

  get status(): OpStatus {
    return this.statusValue;
  }

  set status(to: OpStatus) {
    const from = this.statusValue;
    if (to === from) return;
    this.statusValue = to;
    this.listener?.opcodeStatusChanged(this, from, to);
  }

  /** `_QueuedOpCode.Restore`. */
  static restore(state: SerializedOpCode): QueuedOpCode {
    const op = new QueuedOpCode(cloneOpInput(state.input));
    op.statusValue = state.status;
    op.result = jsonClone(state.result ?? null);
    op.log = jsonClone(state.log ?? []);
    op.startTimestamp = mergeTimeOrNull(state.start_timestamp);
    op.execTimestamp = mergeTimeOrNull(state.exec_timestamp);
    op.endTimestamp = mergeTimeOrNull(state.end_timestamp);
    op.priority = state.priority ?? OP_PRIO_DEFAULT;
    return op;
  }

  /** `_QueuedOpCode.Serialize`: a fresh JSON-able object. */
  serialize(): SerializedOpCode {
    return {
      input: cloneOpInput(this.input),
      status: this.statusValue,
      result: jsonClone(this.result),
      log: jsonClone(this.log),
      start_timestamp: splitTimeOrNull(this.startTimestamp),
      exec_timestamp: splitTimeOrNull(this.execTimestamp),
      end_timestamp: splitTimeOrNull(this.endTimestamp),
      priority: this.priority,
    };
  }
}
