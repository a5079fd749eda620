/**
 * The pure parts of job submission (spec §5.9, §6.1): validating a job's opcodes, resolving
 * relative job ids of `SubmitManyJobs`, and the messages Ganeti reports. The queue
 * (`job-queue.ts`) does the locking, id allocation and writing.
 */
import { isFinalJobStatus, OP_PRIO_DEFAULT, OP_PRIO_SUBMIT_VALID } from './constants.js';
import { GenericError } from './errors.js';
import type { JobDependency, OpInput } from './opcode.js';
import { opSummary } from './opcode.js';

/**
 * `utils.CommaJoin(constants.OP_PRIO_SUBMIT_VALID)`: Python iterates the frozenset {-10, 0, 10}
 * by hash slot (0 -> slot 0, 10 -> slot 2, -10 -> slot 6), so messages list `0, 10, -10`.
 */
export const SUBMIT_VALID_PRIORITIES_TEXT = '0, 10, -10';

/** Python's `repr` of JSON-ish data (lists, numbers, strings, None), for error messages. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${k}': ${pyRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

function isJobId(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v));
}

function isRelativeJobId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v < 0;
}

function isStatusList(v: unknown): boolean {
  return Array.isArray(v) && v.every((s) => isFinalJobStatus(s));
}

/** `opcodes.TNoRelativeJobDependencies`: None, or a list of `[absolute job id, [final statuses]]`. */
export function isAbsoluteDependencyList(deps: unknown): boolean {
  if (deps === null || deps === undefined) return true;
  return (
    Array.isArray(deps) && deps.every((d) => Array.isArray(d) && d.length === 2 && isJobId(d[0]) && isStatusList(d[1]))
  );
}

/**
 * The checks `_SubmitJobUnlocked` makes on a new job's opcodes, in Ganeti's order: at least one
 * opcode, every priority one a client may submit, dependencies with absolute ids only. Throws
 * `GenericError` with Ganeti's messages.
 */
export function validateJobOpcodes(ops: readonly OpInput[]): void {
  if (ops.length === 0) throw new GenericError('A job needs at least one opcode');
  ops.forEach((op, idx) => {
    const priority = op.priority ?? OP_PRIO_DEFAULT;
    if (!OP_PRIO_SUBMIT_VALID.has(priority)) {
      throw new GenericError(
        `Opcode ${idx} has invalid priority ${priority}, allowed are ${SUBMIT_VALID_PRIORITIES_TEXT}`,
      );
    }
    if (!isAbsoluteDependencyList(op.depends)) {
      throw new GenericError(
        `Opcode ${idx} has invalid dependencies, must be a list of lists: ${pyRepr(op.depends ?? null)}`,
      );
    }
  });
}

/** `_FormatSubmitError`: `<msg>; opcodes <summaries>`. */
export function formatSubmitError(msg: string, ops: readonly OpInput[]): string {
  return `${msg}; opcodes ${ops.map((op) => opSummary(op)).join(', ')}`;
}

/**
 * `_ResolveJobDependencies`: relative ids (negative) become absolute through `resolve`, which
 * throws `RangeError` for an id out of range (Python's `IndexError`).
 */
export function resolveJobDependencies(
  resolve: (relativeId: number) => number,
  deps: readonly JobDependency[],
): readonly [true, JobDependency[]] | readonly [false, string] {
  const result: JobDependency[] = [];
  for (const [depJobId, depStatus] of deps) {
    let jobId = depJobId;
    if (isRelativeJobId(depJobId)) {
      try {
        jobId = resolve(depJobId);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return [false, `Unable to resolve relative job ID ${depJobId}`];
      }
    }
    result.push([jobId, depStatus]);
  }
  return [true, result];
}

/**
 * The resolver of `_SubmitManyJobsUnlocked` for the job at `jobIdx`:
 * `(previous_job_ids + job_ids[:job_idx])[rel]` with Python's negative indexing.
 */
export function relativeIdResolver(
  previousJobIds: readonly number[],
  jobIds: readonly number[],
  jobIdx: number,
): (relativeId: number) => number {
  const visible = [...previousJobIds, ...jobIds.slice(0, jobIdx)];
  return (rel) => {
    if (!(rel < 0)) throw new Error(`relative job id must be negative: ${rel}`);
    const id = visible[visible.length + rel];
    if (id === undefined) throw new RangeError(`list index out of range: ${rel}`);
    return id;
  };
}
