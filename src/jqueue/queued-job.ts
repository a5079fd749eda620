/**
 * `_QueuedJob`: the in-memory job (spec §5.2–5.8): its opcodes, log serial and timestamps, the
 * derived status and priority, cancel and change-priority with Ganeti's results, and the job-file
 * form.
 *
 * Observability. A job with an `emit`ting environment traces every status change:
 * `opcode.status job/<id>/op/<i> <from> <to>` for each opcode and `job.status job/<id> <from> <to>`
 * whenever the derived job status changes (`from` is null at creation). Changes made inside
 * `batch()` are folded into one job-status change, so a multi-opcode update (cancel, marking the
 * remaining opcodes failed) shows as one step, as a reader of the job file would see it.
 */

import type { Mutex } from '../lib/mutex.js';
import type { Emit } from '../sim/ports.js';
import {
  JOB_STATUS_CANCELING,
  JOB_STATUS_QUEUED,
  JOB_STATUS_WAITING,
  JOBS_FINALIZED,
  type JobStatus,
  OP_STATUS_CANCELED,
  OP_STATUS_CANCELING,
  OP_STATUS_QUEUED,
  OP_STATUS_RUNNING,
  OP_STATUS_WAITING,
  OPS_FINALIZED,
  type OpStatus,
} from './constants.js';
import { GenericError, OpExecError, pyAssert } from './errors.js';
import { type LogEntry, mergeTimeOrNull, splitTime, splitTimeOrNull, type Timestamp } from './job-log.js';
import { jsonClone } from './json.js';
import type { OpExecContext } from './op-exec-context.js';
import { cloneOpInput, type OpInput, opReasonSource, opSummary } from './opcode.js';
import { QueuedOpCode, type SerializedOpCode } from './queued-opcode.js';
import { calcPriority, calcStatus } from './status.js';

/** What a job needs from its surroundings: the virtual clock and, for live jobs, the trace. */
export interface JobEnv {
  /** Virtual time now, in µs. */
  now(): number;
  /** `Runtime.emit`; absent for read-only copies and plain unit tests. */
  readonly emit?: Emit;
}

/** A job file (`job-<id>`). */
export interface SerializedJob {
  id: number;
  ops: SerializedOpCode[];
  start_timestamp: Timestamp | null;
  end_timestamp: Timestamp | null;
  received_timestamp: Timestamp | null;
}

export interface QueuedJobOptions {
  /** Writable jobs are the queue's live copies; read-only ones are loaded for queries. */
  readonly writable: boolean;
  readonly env: JobEnv;
}

export interface RestoreOptions extends QueuedJobOptions {
  /** Loaded from the archive. */
  readonly archived?: boolean;
}

/** `(success, message)` as Ganeti's `Cancel` and `ChangePriority` return it. */
export type JobResult = [ok: boolean, message: string];

export const JOB_INFO_FIELDS = [
  'id',
  'status',
  'priority',
  'ops',
  'opresult',
  'opstatus',
  'oplog',
  'opstart',
  'opexec',
  'opend',
  'oppriority',
  'received_ts',
  'start_ts',
  'end_ts',
  'summary',
  'archived',
] as const;

export function jobSubject(id: number): string {
  return `job/${id}`;
}

export function opcodeSubject(jobId: number, index: number): string {
  return `job/${jobId}/op/${index}`;
}

export class QueuedJob {
  readonly id: number;
  readonly ops: readonly QueuedOpCode[];
  /** Serial of the last log entry (0 = none); the next entry gets `logSerial + 1`. */
  logSerial = 0;
  receivedTimestamp: number | null;
  /** Set from the first opcode's start. */
  startTimestamp: number | null = null;
  /** Set when the job is finalized. */
  endTimestamp: number | null = null;

  // In-memory only.
  readonly writable: boolean;
  archived = false;
  /** Index of the next opcode `_FindNextOpcode` looks at (Ganeti's `ops_iter`); null before the first run. */
  opsIter: number | null = null;
  /** Context of an opcode waiting for locks or dependencies; kept between processor runs. */
  curOpCtx: OpExecContext | null = null;
  /** Ensures one worker at a time processes this job (set by the queue for writable jobs). */
  processorLock: Mutex | null = null;

  private readonly env: JobEnv;
  private lastStatus: JobStatus;
  private batchDepth = 0;

  /**
   * `_QueuedJob(queue, job_id, ops, writable)`. Adds the reason-trail entry
   * `(gnt:opcode:<name>, job=<id>;index=<i>, <ns>)` to every opcode input.
   */
  constructor(id: number, inputs: readonly OpInput[], opts: QueuedJobOptions) {
    if (inputs.length === 0) throw new GenericError('A job needs at least one opcode');
    this.id = id;
    this.writable = opts.writable;
    this.env = opts.env;
    this.receivedTimestamp = opts.env.now();
    this.ops = inputs.map((input) => new QueuedOpCode(input));
    this.attachOps();
    this.addReasons();
    this.lastStatus = this.calcStatus();
    if (this.env.emit) {
      for (const op of this.ops) this.env.emit('opcode.status', opcodeSubject(id, op.index), null, op.status);
      this.env.emit('job.status', jobSubject(id), null, this.lastStatus);
    }
  }

  /** `_QueuedJob.Restore(queue, state, writable, archived)`. Loading is not a status change. */
  static restore(state: SerializedJob, opts: RestoreOptions): QueuedJob {
    const job = Object.create(QueuedJob.prototype) as QueuedJob;
    const ops = state.ops.map((s) => QueuedOpCode.restore(s));
    let logSerial = 0;
    for (const op of ops) for (const entry of op.log) logSerial = Math.max(logSerial, entry[0]);
    Object.assign(job, {
      id: state.id,
      ops,
      logSerial,
      receivedTimestamp: mergeTimeOrNull(state.received_timestamp),
      startTimestamp: mergeTimeOrNull(state.start_timestamp),
      endTimestamp: mergeTimeOrNull(state.end_timestamp),
      writable: opts.writable,
      archived: opts.archived ?? false,
      opsIter: null,
      curOpCtx: null,
      processorLock: null,
      env: opts.env,
      batchDepth: 0,
    });
    job.attachOps();
    job.lastStatus = job.calcStatus();
    return job;
  }

  /** `_QueuedJob.Serialize`: the job file content. */
  serialize(): SerializedJob {
    return {
      id: this.id,
      ops: this.ops.map((op) => op.serialize()),
      start_timestamp: splitTimeOrNull(this.startTimestamp),
      end_timestamp: splitTimeOrNull(this.endTimestamp),
      received_timestamp: splitTimeOrNull(this.receivedTimestamp),
    };
  }

  toString(): string {
    return `<QueuedJob id=${this.id} ops=${this.ops.map((op) => opSummary(op.input)).join(',')}>`;
  }

  calcStatus(): JobStatus {
    return calcStatus(this.ops.map((op) => op.status));
  }

  calcPriority(): number {
    return calcPriority(this.ops);
  }

  /** Runs `fn` with job-status emission deferred to its end (one `job.status` change at most). */
  batch<T>(fn: () => T): T {
    this.batchDepth++;
    try {
      return fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0) this.noteStatus();
    }
  }

  /** Called by the opcodes' status setter. */
  opcodeStatusChanged(op: QueuedOpCode, from: OpStatus, to: OpStatus): void {
    this.env.emit?.('opcode.status', opcodeSubject(this.id, op.index), from, to);
    if (this.batchDepth === 0) this.noteStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Log

  /** Log entries with a serial greater than `newerThan` (all when null), in opcode order. */
  getLogEntries(newerThan: number | null): LogEntry[] {
    const serial = newerThan ?? -1;
    const entries: LogEntry[] = [];
    for (const op of this.ops) for (const e of op.log) if (e[0] > serial) entries.push(e);
    return entries;
  }

  /**
   * Appends a feedback message to `op`'s log with the next serial (`_AppendFeedback`; the
   * caller holds the queue lock and writes the job afterwards, unreplicated).
   */
  appendLogEntry(op: QueuedOpCode, logType: string, message: unknown): LogEntry {
    pyAssert(this.ops.includes(op), 'opcode does not belong to this job');
    this.logSerial += 1;
    const entry: LogEntry = [this.logSerial, splitTime(this.env.now()), logType, jsonClone(message)];
    op.log.push(entry);
    this.env.emit?.('job.log', jobSubject(this.id), this.logSerial, logType);
    return entry;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** `_QueuedJob.GetInfo(fields)`: one value per field. */
  getInfo(fields: readonly string[]): unknown[] {
    return fields.map((f) => this.infoField(f));
  }

  private infoField(f: string): unknown {
    switch (f) {
      case 'id':
        return this.id;
      case 'status':
        return this.calcStatus();
      case 'priority':
        return this.calcPriority();
      case 'ops':
        return this.ops.map((op) => cloneOpInput(op.input));
      case 'opresult':
        return this.ops.map((op) => jsonClone(op.result));
      case 'opstatus':
        return this.ops.map((op) => op.status);
      case 'oplog':
        return this.ops.map((op) => jsonClone(op.log));
      case 'opstart':
        return this.ops.map((op) => splitTimeOrNull(op.startTimestamp));
      case 'opexec':
        return this.ops.map((op) => splitTimeOrNull(op.execTimestamp));
      case 'opend':
        return this.ops.map((op) => splitTimeOrNull(op.endTimestamp));
      case 'oppriority':
        return this.ops.map((op) => op.priority);
      case 'received_ts':
        return splitTimeOrNull(this.receivedTimestamp);
      case 'start_ts':
        return splitTimeOrNull(this.startTimestamp);
      case 'end_ts':
        return splitTimeOrNull(this.endTimestamp);
      case 'summary':
        return this.ops.map((op) => opSummary(op.input));
      case 'archived':
        return this.archived;
      default:
        throw new OpExecError(`Invalid self query field '${f}'`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Changes

  /**
   * `MarkUnfinishedOps`: sets every opcode that is not finalized to `status` with `result`.
   * Finalized opcodes must all precede the unfinished ones.
   */
  markUnfinishedOps(status: OpStatus, result: unknown): void {
    this.batch(() => {
      let notMarked = true;
      for (const op of this.ops) {
        if (OPS_FINALIZED.has(op.status)) {
          pyAssert(notMarked, 'Finalized opcodes found after non-finalized ones');
          continue;
        }
        op.status = status;
        op.result = result;
        notMarked = false;
      }
    });
  }

  /** `Finalize`: the job is done; sets the end timestamp. */
  finalize(): void {
    this.endTimestamp = this.env.now();
  }

  /**
   * `Cancel`: a queued job is cancelled at once, a waiting one is marked canceling (its worker
   * finishes the cancellation), anything else is refused.
   */
  cancel(): JobResult {
    const status = this.calcStatus();
    if (status === JOB_STATUS_QUEUED) {
      this.batch(() => {
        this.markUnfinishedOps(OP_STATUS_CANCELED, 'Job canceled by request');
        this.finalize();
      });
      return [true, `Job ${this.id} canceled`];
    }
    if (status === JOB_STATUS_WAITING) {
      // The worker will notice the new status and cancel the job.
      this.markUnfinishedOps(OP_STATUS_CANCELING, null);
      return [true, `Job ${this.id} will be canceled`];
    }
    return [false, `Job ${this.id} is no longer waiting in the queue`];
  }

  /**
   * `ChangePriority`: sets `priority` on every queued or waiting opcode (running and finalized
   * ones are skipped; they must all come first). The caller validates the value.
   */
  changePriority(priority: number): JobResult {
    const status = this.calcStatus();
    if (JOBS_FINALIZED.has(status)) return [false, `Job ${this.id} is finished`];
    if (status === JOB_STATUS_CANCELING) return [false, `Job ${this.id} is cancelling`];
    let changed = false;
    for (const op of this.ops) {
      if (op.status === OP_STATUS_RUNNING || OPS_FINALIZED.has(op.status)) {
        pyAssert(
          !changed,
          'Found opcode for which priority should not be changed after priority has been changed for previous opcodes',
        );
        continue;
      }
      pyAssert(op.status === OP_STATUS_QUEUED || op.status === OP_STATUS_WAITING, `unexpected status ${op.status}`);
      changed = true;
      // Sets the new priority; the opcode input is not modified.
      op.priority = priority;
    }
    if (changed) return [true, `Priorities of pending opcodes for job ${this.id} have been changed to ${priority}`];
    return [false, `Job ${this.id} had no pending opcodes`];
  }

  // -------------------------------------------------------------------------------------------

  private attachOps(): void {
    this.ops.forEach((op, i) => {
      op.index = i;
      op.listener = this;
    });
  }

  private addReasons(): void {
    const ns = this.env.now() * 1000;
    this.ops.forEach((queued, i) => {
      const input = queued.input;
      const trail = input.reason ?? [];
      trail.push([opReasonSource(input), `job=${this.id};index=${i}`, ns]);
      input.reason = trail;
    });
  }

  private noteStatus(): void {
    const status = this.calcStatus();
    if (status === this.lastStatus) return;
    const from = this.lastStatus;
    this.lastStatus = status;
    this.env.emit?.('job.status', jobSubject(this.id), from, status);
  }
}
