/**
 * `mcpu._ProcessResult` and `_SetBaseOpParams` (spec §7): an LU result that asks for jobs is
 * turned into the jobs' submission. Every generated opcode inherits base parameters from the
 * opcode that generated it, then all jobs go to the submit function (the queue's
 * `SubmitManyJobs`, through the callbacks) in one call, and the opcode's result becomes the other
 * result keys plus `"jobs"`: the submission's per-job `[true, id]` / `[false, message]`.
 * Submission is not atomic, and the LU never waits for the jobs.
 */
import { JOB_IDS_KEY } from '../jqueue/constants.js';
import { ProgrammerError, pyAssert } from '../jqueue/errors.js';
import type { OpInput } from '../jqueue/opcode.js';
import type { Proc } from '../sim/ports.js';
import { ResultWithJobs } from './logical-unit.js';

export type SubmitManyJobsFn = (jobs: OpInput[][]) => Proc<unknown>;

/**
 * `_SetBaseOpParams(src, defcomment, dst)`: `debug_level` is always copied (when the source has
 * one); `priority` only when the child has none; `comment` becomes `defcomment` when the child
 * has none (or an empty one); the source's reason trail is appended to the child's.
 */
export function setBaseOpParams(src: OpInput, defcomment: string, dst: OpInput): void {
  if (Object.hasOwn(src, 'debug_level')) dst.debug_level = src.debug_level;
  if ((dst.priority === undefined || dst.priority === null) && Object.hasOwn(src, 'priority')) {
    dst.priority = src.priority;
  }
  if (!dst.comment) dst.comment = defcomment;
  if (Object.hasOwn(src, 'reason')) {
    dst.reason = [...(dst.reason ?? []), ...(src.reason ?? [])];
  }
}

/**
 * `_ProcessResult(submit_fn, op, result)`: a `ResultWithJobs` is submitted and replaced by
 * `{...other, jobs: <submission result>}`; any other result is returned unchanged.
 */
export function* processResult(submit: SubmitManyJobsFn, op: OpInput, result: unknown): Proc<unknown> {
  if (!(result instanceof ResultWithJobs)) return result;
  const defcomment = `Submitted by ${op.OP_ID}`;
  for (const job of result.jobs) for (const child of job) setBaseOpParams(op, defcomment, child);
  const submission = yield* submit(result.jobs);
  const out: Record<string, unknown> = { ...result.other };
  pyAssert(!Object.hasOwn(out, JOB_IDS_KEY), `Key '${JOB_IDS_KEY}' found in additional return values`);
  out[JOB_IDS_KEY] = submission;
  return out;
}

/** `_FailingSubmitManyJobs`: the submit function of an opcode run without callbacks. */
// biome-ignore lint/correctness/useYield: it only throws; the signature is that of a submit function.
export function* failingSubmitManyJobs(_jobs: OpInput[][]): Proc<unknown> {
  throw new ProgrammerError('Opcodes processed without callbacks (e.g. for queries) can not submit jobs');
}
