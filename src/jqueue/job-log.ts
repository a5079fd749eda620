/**
 * Job log messages ("feedback") and timestamps in Ganeti's JSON shapes.
 *
 * Timestamps are virtual microseconds in memory and `[seconds, microseconds]` in the job file
 * (Ganeti's `utils.SplitTime` form). A log entry is `[serial, [sec, usec], type, message]`;
 * serials are per job, start at 1 and increase by one per message (`_AppendFeedback`).
 */
import { ELOG_MESSAGE } from './constants.js';
import { AssertionError } from './errors.js';

/** `(seconds, microseconds)` as stored in a job file. */
export type Timestamp = [seconds: number, micros: number];

/** `(serial, timestamp, type, message)`; the message is any JSON value (tests log tuples). */
export type LogEntry = [serial: number, timestamp: Timestamp, type: string, message: unknown];

/** Virtual µs -> `[sec, usec]`. */
export function splitTime(us: number): Timestamp {
  const t = Math.floor(us);
  return [Math.floor(t / 1_000_000), t % 1_000_000];
}

/** `[sec, usec]` -> virtual µs. */
export function mergeTime(ts: Timestamp): number {
  return ts[0] * 1_000_000 + ts[1];
}

export function splitTimeOrNull(us: number | null): Timestamp | null {
  return us === null ? null : splitTime(us);
}

export function mergeTimeOrNull(ts: Timestamp | null | undefined): number | null {
  return ts === null || ts === undefined ? null : mergeTime(ts);
}

/**
 * The arguments of the `Feedback` callback: `(message)` or `(type, message)`; a one-argument
 * call logs with type `message`. More arguments are an assertion failure, as in Ganeti.
 */
export function feedbackArgs(args: readonly unknown[]): [type: string, message: unknown] {
  if (args.length >= 3) throw new AssertionError(`Feedback takes one or two arguments, got ${args.length}`);
  if (args.length === 1) return [ELOG_MESSAGE, args[0]];
  if (args.length === 2) return [String(args[0]), args[1]];
  throw new AssertionError('Feedback needs a message');
}
