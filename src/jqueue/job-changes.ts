/**
 * Waiting for job changes (`WaitForJobChanges`, spec §5.13): `_JobChangesChecker`, the change
 * watch (`_JobFileChangesWaiter` / `_JobChangesWaiter`) and `_WaitForJobChangesHelper`.
 *
 * Ganeti watches the job file with inotify. Here the queue calls `JobChangeNotifier.notify(id)`
 * whenever it writes a job (log-only writes included), which bumps a per-job version and wakes
 * the watchers. A watch armed at version v sees every change after v, so a change between a
 * check and the wait is never lost (inotify's event queue gives Ganeti the same guarantee). The
 * notifier can limit the number of simultaneous watches (`maxWatches`, like
 * `fs.inotify.max_user_watches`): arming one more fails with `InotifyError`.
 *
 * Like Ganeti: no queue lock is taken; the first check happens at once, the watch is set up
 * lazily and its first wait returns at once (so a change made before the watch existed is seen
 * by the re-check); every later check first sleeps 0.1 s to batch bursts of changes. Canceling
 * and finalized jobs count as changed at once.
 *
 * Trace (what a lost-wake-up check reads, beside the queue's `jqueue.write` of every change):
 * `jqueue.watch-armed job/<id> <version>` when a watch is set up, and `jqueue.watch-woken
 * job/<id> change|timeout <version>` when one of its waits ends; the version counts the job's
 * writes.
 */
import type { Condition, Proc, Runtime } from '../sim/ports.js';
import {
  JOB_NOTCHANGED,
  JOB_STATUS_QUEUED,
  JOB_STATUS_RUNNING,
  JOB_STATUS_WAITING,
  type JobStatus,
} from './constants.js';
import { AssertionError, InotifyError } from './errors.js';
import { jsonClone, jsonEqual } from './json.js';

/** What the checker reads of a job (a read-only copy loaded from the queue, or a test fake). */
export interface ChangeCheckableJob {
  readonly id: number;
  readonly writable?: boolean;
  calcStatus(): JobStatus;
  getInfo(fields: readonly string[]): unknown[];
  /** Entries `[serial, ...]` with a serial above `newerThan` (all when null). */
  getLogEntries(newerThan: number | null): readonly (readonly unknown[])[];
}

/** `(job_info, new log entries)`. */
export type JobChanges = [jobInfo: unknown[], logEntries: unknown[][]];

/** `_JobChangesChecker`: null when nothing changed relative to what the client saw. */
export class JobChangesChecker {
  constructor(
    private readonly fields: readonly string[],
    private readonly prevJobInfo: unknown[] | null,
    private readonly prevLogSerial: number | null,
  ) {}

  check(job: ChangeCheckableJob): JobChanges | null {
    if (job.writable === true) throw new AssertionError('Expected read-only job');
    const status = job.calcStatus();
    // A JSON round trip, so that the comparison sees what the client got (Ganeti: tuples -> lists).
    const jobInfo = jsonClone(job.getInfo(this.fields));
    const logEntries = jsonClone(job.getLogEntries(this.prevLogSerial)) as unknown[][];
    // Don't even try to wait if the job is no longer running: there will be no changes.
    if (
      (status !== JOB_STATUS_QUEUED && status !== JOB_STATUS_RUNNING && status !== JOB_STATUS_WAITING) ||
      !jsonEqual(jobInfo, this.prevJobInfo) ||
      (logEntries.length > 0 && this.prevLogSerial !== (logEntries[0] as unknown[])[0])
    ) {
      return [jobInfo, logEntries];
    }
    return null;
  }
}

export interface JobChangeNotifierOptions {
  /** Most watches that may exist at once (inotify's `max_user_watches`); default unlimited. */
  readonly maxWatches?: number;
}

/** Change notification for job files: per-job versions and one condition per watched job. */
export class JobChangeNotifier {
  private readonly versions = new Map<number, number>();
  private readonly conditions = new Map<number, { cond: Condition; watches: number }>();
  private watchCount = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly opts: JobChangeNotifierOptions = {},
  ) {}

  /** The job was written: wakes everybody watching it. */
  notify(jobId: number): void {
    this.versions.set(jobId, this.version(jobId) + 1);
    this.conditions.get(jobId)?.cond.notifyAll();
  }

  version(jobId: number): number {
    return this.versions.get(jobId) ?? 0;
  }

  /** Watches that exist right now (a leak check: every wait releases its watch). */
  activeWatches(): number {
    return this.watchCount;
  }

  /** @internal Traces the end of a wait of a watch (see the module header). */
  traceWoken(jobId: number, changed: boolean): void {
    this.rt.emit('jqueue.watch-woken', `job/${jobId}`, changed ? 'change' : 'timeout', this.version(jobId));
  }

  /** Sets up a watch (`_JobFileChangesWaiter`); throws `InotifyError` beyond `maxWatches`. */
  watch(jobId: number): JobFileChangesWaiter {
    if (this.watchCount >= (this.opts.maxWatches ?? Number.POSITIVE_INFINITY)) {
      throw new InotifyError(`Could not set up a watch for job ${jobId}: too many watches`);
    }
    this.watchCount++;
    let entry = this.conditions.get(jobId);
    if (!entry) {
      entry = { cond: this.rt.condition(`job/${jobId}.changed`), watches: 0 };
      this.conditions.set(jobId, entry);
    }
    entry.watches++;
    this.rt.emit('jqueue.watch-armed', `job/${jobId}`, this.version(jobId));
    return new JobFileChangesWaiter(this, jobId, entry.cond);
  }

  /** @internal Called by `JobFileChangesWaiter.close`. */
  unwatch(jobId: number): void {
    this.watchCount--;
    const entry = this.conditions.get(jobId);
    if (entry && --entry.watches === 0) this.conditions.delete(jobId);
  }
}

/** An armed watch on one job: `wait` reports whether the job changed since the last wait. */
export class JobFileChangesWaiter {
  private seen: number;
  private closed = false;

  constructor(
    private readonly notifier: JobChangeNotifier,
    readonly jobId: number,
    private readonly cond: Condition,
  ) {
    this.seen = notifier.version(jobId);
  }

  /** Waits up to `timeoutUs` for a change; returns whether there was one. */
  *wait(timeoutUs: number): Proc<boolean> {
    if (timeoutUs < 0) throw new AssertionError('timeout must not be negative');
    if (this.notifier.version(this.jobId) === this.seen) yield* this.cond.wait(timeoutUs);
    const v = this.notifier.version(this.jobId);
    const changed = v !== this.seen;
    this.seen = v;
    this.notifier.traceWoken(this.jobId, changed);
    return changed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.notifier.unwatch(this.jobId);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** `_JobChangesWaiter`: sets the watch up lazily; the first wait returns true at once. */
export class JobChangesWaiter {
  fileWaiter: JobFileChangesWaiter | null = null;

  constructor(
    private readonly notifier: JobChangeNotifier,
    private readonly jobId: number,
  ) {}

  *wait(timeoutUs: number): Proc<boolean> {
    if (this.fileWaiter) return yield* this.fileWaiter.wait(timeoutUs);
    // Lazy setup: return at once so the caller checks the job again, in case it changed
    // between the last check and the watch setup.
    this.fileWaiter = this.notifier.watch(this.jobId);
    return true;
  }

  close(): void {
    this.fileWaiter?.close();
  }
}

export interface WaitForJobChangesArgs {
  readonly jobId: number;
  /** Loads a read-only copy of the job, live or archived; null when it is gone. */
  readonly loadJob: () => Proc<ChangeCheckableJob | null>;
  readonly fields: readonly string[];
  readonly prevJobInfo: unknown[] | null;
  readonly prevLogSerial: number | null;
  readonly timeoutUs: number;
}

/** Delay before every check but the first, to batch bursts of changes (0.1 s). */
export const WFJC_RECHECK_DELAY_US = 100_000;

/**
 * `_WaitForJobChangesHelper`: `(job_info, log_entries)` when something changed, `'nochange'`
 * when `timeoutUs` passed first, null when the job vanished. `InotifyError` propagates.
 */
export function* waitForJobChanges(
  rt: Runtime,
  notifier: JobChangeNotifier,
  args: WaitForJobChangesArgs,
): Proc<JobChanges | typeof JOB_NOTCHANGED | null> {
  const checker = new JobChangesChecker(args.fields, args.prevJobInfo, args.prevLogSerial);
  const waiter = new JobChangesWaiter(notifier, args.jobId);
  const endUs = rt.now() + args.timeoutUs;
  let counter = 0;
  try {
    for (;;) {
      if (counter++ > 0) yield* rt.sleep(WFJC_RECHECK_DELAY_US);
      const job = yield* args.loadJob();
      if (!job) return null;
      const result = checker.check(job);
      if (result) return result;
      const remaining = endUs - rt.now();
      if (remaining <= 0) return JOB_NOTCHANGED;
      yield* waiter.wait(remaining);
    }
  } finally {
    waiter.close();
  }
}
