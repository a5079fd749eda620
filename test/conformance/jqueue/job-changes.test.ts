/**
 * Ganeti `test/py/ganeti.jqueue_unittest.py` TestJobChangesChecker (4), TestJobChangesWaiter (3)
 * and TestWaitForJobChangesHelper (4), v2.10.8; spec §9.2, §5.13. Ganeti watches job files with
 * inotify; here the queue notifies a `JobChangeNotifier` on every job write (see
 * `src/jqueue/job-changes.ts`), so "the file changed" reads "the notifier was told".
 */
import { describe, expect, it } from 'vitest';
import { JOB_NOTCHANGED, JOBS_FINALIZED_LIST, type JobStatus } from '../../../src/jqueue/constants.js';
import { InotifyError } from '../../../src/jqueue/errors.js';
import {
  type ChangeCheckableJob,
  JobChangeNotifier,
  JobChangesChecker,
  JobChangesWaiter,
  waitForJobChanges,
} from '../../../src/jqueue/job-changes.js';
import { QueuedJob } from '../../../src/jqueue/queued-job.js';
import type { Proc } from '../../../src/sim/ports.js';
import { op, runInSim } from '../../support/jqueue.js';

/** `_FakeJob`: a read-only job whose log serials start at 0. */
class FakeJob implements ChangeCheckableJob {
  readonly writable = false;
  private readonly log: [number, unknown][] = [];

  constructor(
    readonly id: number,
    private status: JobStatus,
  ) {}

  setStatus(s: JobStatus): void {
    this.status = s;
  }

  addLogEntry(msg: unknown): void {
    this.log.push([this.log.length, msg]);
  }

  calcStatus(): JobStatus {
    return this.status;
  }

  getInfo(fields: readonly string[]): unknown[] {
    return fields.map((f) => {
      if (f === 'status') return this.status;
      throw new Error('Unknown field');
    });
  }

  getLogEntries(newerThan: number | null): [number, unknown][] {
    if (newerThan !== null && newerThan < 0) throw new Error('assert newer_than >= 0');
    return newerThan === null ? this.log : this.log.slice(newerThan);
  }
}

describe('TestJobChangesChecker', () => {
  it('TestJobChangesChecker.testStatus: without previous info every check reports the status', () => {
    const job = new FakeJob(9094, 'queued');
    const checker = new JobChangesChecker(['status'], null, null);
    expect(checker.check(job)).toEqual([['queued'], []]);
    job.setStatus('running');
    expect(checker.check(job)).toEqual([['running'], []]);
    job.setStatus('success');
    expect(checker.check(job)).toEqual([['success'], []]);
    expect(job.id).toBe(9094);
  });

  it('TestJobChangesChecker.testStatusWithPrev: an unchanged status is no change; a new one is', () => {
    const job = new FakeJob(12807, 'queued');
    const checker = new JobChangesChecker(['status'], ['queued'], null);
    expect(checker.check(job)).toBeNull();
    job.setStatus('running');
    expect(checker.check(job)).toEqual([['running'], []]);
  });

  it('TestJobChangesChecker.testFinalStatus: a final status is reported at once even if unchanged', () => {
    for (const status of JOBS_FINALIZED_LIST) {
      const job = new FakeJob(2178711, status);
      const checker = new JobChangesChecker(['status'], [status], null);
      expect(checker.check(job)).toEqual([[status], []]);
    }
  });

  it('TestJobChangesChecker.testLog: new log entries are a change, filtered by the previous serial', () => {
    const job = new FakeJob(9094, 'running');
    const checker = new JobChangesChecker(['status'], null, null);
    expect(checker.check(job)).toEqual([['running'], []]);

    job.addLogEntry('Hello World');
    const first = checker.check(job);
    expect(first).toEqual([['running'], [[0, 'Hello World']]]);
    const [jobInfo, logEntries] = first as [unknown[], unknown[][]];

    const checker2 = new JobChangesChecker(['status'], jobInfo, logEntries.length);
    expect(checker2.check(job)).toBeNull();

    job.addLogEntry('Foo Bar');
    job.setStatus('error');
    expect(checker2.check(job)).toEqual([['error'], [[1, 'Foo Bar']]]);

    const checker3 = new JobChangesChecker(['status'], null, null);
    expect(checker3.check(job)).toEqual([
      ['error'],
      [
        [0, 'Hello World'],
        [1, 'Foo Bar'],
      ],
    ]);
  });

  it('a canceling job counts as changed at once (spec §10 item 6)', () => {
    const job = new FakeJob(1, 'canceling');
    expect(new JobChangesChecker(['status'], ['canceling'], null).check(job)).toEqual([['canceling'], []]);
  });
});

describe('TestJobChangesWaiter', () => {
  it('TestJobChangesWaiter.testClose: closing a watch releases it, whether or not it waited', () => {
    for (const wait of [false, true]) {
      const r = runInSim(function* (sim) {
        const notifier = new JobChangeNotifier(sim);
        const waiter = notifier.watch(1);
        try {
          if (wait) yield* waiter.wait(1_000);
        } finally {
          waiter.close();
        }
        return { closed: waiter.isClosed, active: notifier.activeWatches() };
      });
      expect(r.value).toEqual({ closed: true, active: 0 });
    }
  });

  it('TestJobChangesWaiter.testChangingFile: a wait without change times out; after a change it returns true', () => {
    const r = runInSim(function* (sim): Proc<boolean[]> {
      const notifier = new JobChangeNotifier(sim);
      const waiter = notifier.watch(1);
      const seen: boolean[] = [];
      try {
        seen.push(yield* waiter.wait(100_000));
        notifier.notify(1);
        seen.push(yield* waiter.wait(60_000_000));
      } finally {
        waiter.close();
      }
      return seen;
    });
    expect(r.value).toEqual([false, true]);
    expect(r.timeUs).toBe(100_000);
  });

  it('TestJobChangesWaiter.testChangingFile: a change made by another thread during the wait wakes it', () => {
    const r = runInSim(function* (sim): Proc<boolean> {
      const notifier = new JobChangeNotifier(sim);
      sim.spawn('writer', function* () {
        yield* sim.sleep(2_000_000);
        notifier.notify(1);
      });
      const waiter = notifier.watch(1);
      try {
        return yield* waiter.wait(60_000_000);
      } finally {
        waiter.close();
      }
    });
    expect(r.value).toBe(true);
    expect(r.timeUs).toBe(2_000_000);
  });

  it('TestJobChangesWaiter.testChangingFile2: the lazy waiter returns true once while setting up the watch', () => {
    const r = runInSim(function* (sim): Proc<unknown[]> {
      const notifier = new JobChangeNotifier(sim);
      const waiter = new JobChangesWaiter(notifier, 1);
      const seen: unknown[] = [];
      try {
        seen.push(waiter.fileWaiter === null);
        seen.push(yield* waiter.wait(100_000));
        seen.push(waiter.fileWaiter !== null);
        // The watch is set up now, but nothing changed.
        seen.push(yield* waiter.wait(100_000));
        notifier.notify(1);
        seen.push(yield* waiter.wait(60_000_000));
      } finally {
        waiter.close();
      }
      seen.push(notifier.activeWatches());
      return seen;
    });
    expect(r.value).toEqual([true, true, true, false, true, 0]);
  });
});

describe('TestWaitForJobChangesHelper', () => {
  const JOB_ID = 2614226563;
  // biome-ignore lint/correctness/useYield: loading from memory never blocks
  const loadWaiting = function* (): Proc<ChangeCheckableJob | null> {
    return new FakeJob(JOB_ID, 'waiting');
  };
  // biome-ignore lint/correctness/useYield: loading from memory never blocks
  const loadLost = function* (): Proc<ChangeCheckableJob | null> {
    return null;
  };

  it("TestWaitForJobChangesHelper.testNoChanges: 'nochange' after the timeout; without previous info at once", () => {
    const r = runInSim(function* (sim) {
      const notifier = new JobChangeNotifier(sim);
      const t0 = sim.now();
      const a = yield* waitForJobChanges(sim, notifier, {
        jobId: JOB_ID,
        loadJob: loadWaiting,
        fields: ['status'],
        prevJobInfo: ['waiting'],
        prevLogSerial: null,
        timeoutUs: 100_000,
      });
      const waited = sim.now() - t0;
      const b = yield* waitForJobChanges(sim, notifier, {
        jobId: JOB_ID,
        loadJob: loadWaiting,
        fields: ['status'],
        prevJobInfo: null,
        prevLogSerial: null,
        timeoutUs: 1_000_000,
      });
      return { a, b, waited, watches: notifier.activeWatches() };
    });
    expect(r.value.a).toBe(JOB_NOTCHANGED);
    expect(r.value.waited).toBe(100_000);
    expect(r.value.b).toEqual([['waiting'], []]);
    expect(r.value.watches).toBe(0);
  });

  it('TestWaitForJobChangesHelper.testLostJob: a job that is gone gives null', () => {
    const r = runInSim(function* (sim) {
      const notifier = new JobChangeNotifier(sim);
      return yield* waitForJobChanges(sim, notifier, {
        jobId: JOB_ID,
        loadJob: loadLost,
        fields: ['status'],
        prevJobInfo: null,
        prevLogSerial: null,
        timeoutUs: 1_000_000,
      });
    });
    expect(r.value).toBeNull();
  });

  it('TestWaitForJobChangesHelper.testNonExistentFile: a job without a file gives null before any watch is set up', () => {
    const r = runInSim(function* (sim) {
      // No watch may be set up at all (Ganeti passes _waiter_cls=NotImplemented).
      const notifier = new JobChangeNotifier(sim, { maxWatches: 0 });
      return yield* waitForJobChanges(sim, notifier, {
        jobId: 99,
        loadJob: loadLost,
        fields: ['status'],
        prevJobInfo: null,
        prevLogSerial: null,
        timeoutUs: 1_000_000,
      });
    });
    expect(r.value).toBeNull();
  });

  it('TestWaitForJobChangesHelper.testInotifyError: a watch that cannot be set up raises InotifyError', () => {
    const r = runInSim(function* (sim) {
      const notifier = new JobChangeNotifier(sim, { maxWatches: 0 });
      try {
        yield* waitForJobChanges(sim, notifier, {
          jobId: JOB_ID,
          loadJob: loadWaiting,
          fields: ['status'],
          prevJobInfo: ['waiting'],
          prevLogSerial: null,
          timeoutUs: 1_000_000,
        });
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(r.value).toBeInstanceOf(InotifyError);
  });

  it('with a real job: a change during the wait is returned after the 0.1 s batching delay, new log entries only', () => {
    const r = runInSim(function* (sim) {
      const notifier = new JobChangeNotifier(sim);
      const job = new QueuedJob(7, [op('OP_TEST_DELAY')], { writable: true, env: sim });
      const q = job.ops[0] as (typeof job.ops)[number];
      q.status = 'waiting';
      q.status = 'running';
      job.appendLogEntry(q, 'message', 'first');
      sim.spawn('lu', function* () {
        yield* sim.sleep(3_000_000);
        job.appendLogEntry(q, 'message', 'second');
        notifier.notify(7);
      });
      const result = yield* waitForJobChanges(sim, notifier, {
        jobId: 7,
        // biome-ignore lint/correctness/useYield: a read-only copy from memory; the queue reads the disk
        *loadJob() {
          return QueuedJob.restore(job.serialize(), { writable: false, env: sim });
        },
        fields: ['status'],
        prevJobInfo: ['running'],
        prevLogSerial: 1,
        timeoutUs: 29_000_000,
      });
      return { result, at: sim.now() };
    });
    expect(r.value.result).toEqual([['running'], [[2, [3, 0], 'message', 'second']]]);
    expect(r.value.at).toBe(3_100_000);
  });
});
