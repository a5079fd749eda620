/**
 * Ganeti `test/py/ganeti.jqueue_unittest.py` TestJobDependencyManager (12 methods, v2.10.8),
 * spec §9.2, §6.2. The manager runs inside a simulation (its methods are simulated-thread code);
 * the status lookup and the re-enqueue callback are scripted as in Ganeti's test.
 */
import { describe, expect, it } from 'vitest';
import { JOBS_FINALIZED_LIST, type JobStatus } from '../../../src/jqueue/constants.js';
import {
  DEP_CANCEL,
  DEP_CONTINUE,
  DEP_ERROR,
  DEP_WAIT,
  DEP_WRONGSTATUS,
  type DependentJob,
  JobDependencyManager,
} from '../../../src/jqueue/dependency-manager.js';
import { JobLost } from '../../../src/jqueue/errors.js';
import { LockMonitor, LQ_PENDING, SharedLock } from '../../../src/locking/index.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import type { Proc } from '../../../src/sim/ports.js';
import { runInSim } from '../../support/jqueue.js';

/** `_IdOnlyFakeJob`. */
function fakeJob(id: number): DependentJob {
  return { id };
}

class Harness {
  readonly status: [number, JobStatus | Error][] = [];
  readonly queue: DependentJob[][] = [];
  readonly lock: SharedLock;
  readonly jdm: JobDependencyManager;
  readonly monitor = new LockMonitor();

  constructor(sim: Kernel, mutants = MutantSet.none) {
    this.lock = new SharedLock(sim, 'JobDepMgr');
    const self = this;
    this.jdm = new JobDependencyManager({
      lock: this.lock,
      mutants,
      // biome-ignore lint/correctness/useYield: a scripted lookup that never blocks
      *getStatus(jobId: number): Proc<JobStatus> {
        const next = self.status.shift();
        if (!next) throw new Error(`unexpected status lookup of job ${jobId}`);
        expect(next[0]).toBe(jobId);
        if (next[1] instanceof Error) throw next[1];
        return next[1];
      },
      // biome-ignore lint/correctness/useYield: records the call; the real queue would take its lock
      *enqueue(jobs: readonly DependentJob[]): Proc<void> {
        self.enqueueSawLockOwned = self.lock.isOwned();
        self.queue.push([...jobs]);
      },
    });
    this.monitor.register(this.jdm);
  }

  enqueueSawLockOwned: boolean | null = null;

  /** `GetLockInfo([LQ_PENDING])` in Ganeti's tuple form, job ids as numbers. */
  lockInfo(): unknown[] {
    return this.jdm
      .lockInfo(new Set([LQ_PENDING]))
      .map((i) => [i.name, i.mode, i.owners, (i.pending ?? []).map((p) => [p.mode, p.threads.map(Number)])]);
  }

  /** `self.jdm._waiters` as plain data: dep id -> waiting job ids. */
  waiters(): Record<number, number[]> {
    const out: Record<number, number[]> = {};
    for (const [id, jobs] of this.jdm.waiterTable()) out[id] = jobs.map((j) => j.id);
    return out;
  }
}

function run(body: (h: Harness, sim: Kernel) => Proc<void>, mutants = MutantSet.none): void {
  const r = runInSim(function* (sim) {
    yield* body(new Harness(sim, mutants), sim);
  });
  expect(r.outcome).toBe('completed');
}

describe('TestJobDependencyManager', () => {
  it('TestJobDependencyManager.testNotFinalizedThenCancel: WAIT while the dependency runs, then CANCEL; the job/<id> lock-monitor entry appears and disappears', () => {
    run(function* (h) {
      const job = fakeJob(17697);
      const jobId = 28625;
      h.status.push([jobId, 'running']);
      let [result, msg] = yield* h.jdm.checkAndRegister(job, jobId, []);
      expect(result).toBe(DEP_WAIT);
      expect(msg).toBe("Need to wait for job 28625, wanted status '[]'");
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });
      expect(h.lockInfo()).toEqual([['job/28625', null, null, [['job', [job.id]]]]]);

      h.status.push([jobId, 'canceled']);
      [result, msg] = yield* h.jdm.checkAndRegister(job, jobId, []);
      expect(result).toBe(DEP_CANCEL);
      expect(msg).toBe('Dependency job 28625 was cancelled');
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.lockInfo()).toEqual([]);
    });
  });

  it('TestJobDependencyManager.testNotFinalizedThenQueued: a dependency back in queued (queue shutdown) keeps WAIT', () => {
    run(function* (h) {
      const job = fakeJob(1320);
      const jobId = 22971;
      for (let i = 0; i < 5; i++) {
        h.status.push([jobId, i > 2 ? 'queued' : 'running']);
        const [result] = yield* h.jdm.checkAndRegister(job, jobId, []);
        expect(result).toBe(DEP_WAIT);
        expect(h.status).toEqual([]);
        expect(h.queue).toEqual([]);
        expect(h.jdm.jobWaiting(job)).toBe(true);
        expect(h.waiters()).toEqual({ [jobId]: [job.id] });
        expect(h.lockInfo()).toEqual([['job/22971', null, null, [['job', [job.id]]]]]);
      }
    });
  });

  it('TestJobDependencyManager.testRequireCancel: canceled as a requested status -> CONTINUE', () => {
    run(function* (h) {
      const job = fakeJob(5278);
      const jobId = 9610;
      const depStatus: JobStatus[] = ['canceled'];
      h.status.push([jobId, 'waiting']);
      let [result] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });
      expect(h.lockInfo()).toEqual([['job/9610', null, null, [['job', [job.id]]]]]);

      h.status.push([jobId, 'canceled']);
      const [result2, msg] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
      result = result2;
      expect(result).toBe(DEP_CONTINUE);
      expect(msg).toBe("Dependency job 9610 finished with status 'canceled'");
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.lockInfo()).toEqual([]);
    });
  });

  it('TestJobDependencyManager.testRequireError: error as a requested status -> CONTINUE', () => {
    run(function* (h) {
      const job = fakeJob(21459);
      const jobId = 25519;
      const depStatus: JobStatus[] = ['error'];
      h.status.push([jobId, 'waiting']);
      let [result] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });

      h.status.push([jobId, 'error']);
      [result] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
      expect(result).toBe(DEP_CONTINUE);
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.lockInfo()).toEqual([]);
    });
  });

  it('TestJobDependencyManager.testRequireMultiple: any of several requested final statuses -> CONTINUE', () => {
    run(function* (h) {
      const depStatus = [...JOBS_FINALIZED_LIST];
      for (const endStatus of depStatus) {
        const job = fakeJob(21343);
        const jobId = 14609;
        h.status.push([jobId, 'waiting']);
        let [result] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
        expect(result).toBe(DEP_WAIT);
        expect(h.jdm.jobWaiting(job)).toBe(true);
        expect(h.waiters()).toEqual({ [jobId]: [job.id] });
        expect(h.lockInfo()).toEqual([['job/14609', null, null, [['job', [job.id]]]]]);

        h.status.push([jobId, endStatus]);
        [result] = yield* h.jdm.checkAndRegister(job, jobId, depStatus);
        expect(result).toBe(DEP_CONTINUE);
        expect(h.status).toEqual([]);
        expect(h.queue).toEqual([]);
        expect(h.jdm.jobWaiting(job)).toBe(false);
        expect(h.lockInfo()).toEqual([]);
      }
    });
  });

  it('TestJobDependencyManager.testNotify: NotifyWaiters re-enqueues the waiter set without holding the manager lock', () => {
    run(function* (h) {
      const job = fakeJob(8227);
      const jobId = 4113;
      h.status.push([jobId, 'running']);
      const [result] = yield* h.jdm.checkAndRegister(job, jobId, []);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });

      yield* h.jdm.notifyWaiters(jobId);
      expect(h.status).toEqual([]);
      expect(h.waiters()).toEqual({});
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.queue).toEqual([[job]]);
      // "Must not own manager lock while re-adding jobs (potential deadlock)"
      expect(h.enqueueSawLockOwned).toBe(false);
    });
  });

  it('TestJobDependencyManager.testWrongStatus: a dependency that ended with another status -> WRONGSTATUS', () => {
    run(function* (h) {
      const job = fakeJob(10102);
      const jobId = 1271;
      h.status.push([jobId, 'queued']);
      let [result] = yield* h.jdm.checkAndRegister(job, jobId, ['success']);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });

      h.status.push([jobId, 'error']);
      const [result2, msg] = yield* h.jdm.checkAndRegister(job, jobId, ['success']);
      result = result2;
      expect(result).toBe(DEP_WRONGSTATUS);
      expect(msg).toBe("Dependency job 1271 finished with status 'error', not one of 'success' as required");
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
    });
  });

  it('TestJobDependencyManager.testCorrectStatus: the requested status -> CONTINUE', () => {
    run(function* (h) {
      const job = fakeJob(24273);
      const jobId = 23885;
      h.status.push([jobId, 'queued']);
      let [result] = yield* h.jdm.checkAndRegister(job, jobId, ['success']);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
      expect(h.waiters()).toEqual({ [jobId]: [job.id] });

      h.status.push([jobId, 'success']);
      [result] = yield* h.jdm.checkAndRegister(job, jobId, ['success']);
      expect(result).toBe(DEP_CONTINUE);
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
    });
  });

  it('TestJobDependencyManager.testFinalizedRightAway: an already finished dependency -> CONTINUE; the empty waiter set is cleaned up by the next NotifyWaiters', () => {
    run(function* (h) {
      const job = fakeJob(224);
      const jobId = 3081;
      h.status.push([jobId, 'success']);
      const [result] = yield* h.jdm.checkAndRegister(job, jobId, ['success']);
      expect(result).toBe(DEP_CONTINUE);
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.waiters()).toEqual({ [jobId]: [] });

      // Force cleanup
      yield* h.jdm.notifyWaiters(0);
      expect(h.waiters()).toEqual({});
      expect(h.status).toEqual([]);
      expect(h.queue).toEqual([]);
    });
  });

  it('TestJobDependencyManager.testMultipleWaiting: 10 dependencies with up to 20 waiters each; lock info stays consistent while they finish in random order', () => {
    run(function* (h, sim) {
      const rnd = sim.rng('workload');
      // 150 distinct ids from 1..9999, like rnd.sample(range(1, 10000), 150).
      const pool = new Set<number>();
      while (pool.size < 150) pool.add(rnd.between(1, 9999));
      const ids = [...pool];
      const waiters = new Map<number, DependentJob[]>();
      for (let i = 0; i < 10; i++) {
        const dep = ids.pop() as number;
        const n = rnd.between(1, 20);
        waiters.set(
          dep,
          Array.from({ length: n }, () => fakeJob(ids.pop() as number)),
        );
      }
      // Register all jobs as waiters.
      for (const [depId, jobs] of waiters) {
        for (const job of jobs) {
          h.status.push([depId, 'queued']);
          const [result] = yield* h.jdm.checkAndRegister(job, depId, ['success']);
          expect(result).toBe(DEP_WAIT);
          expect(h.status).toEqual([]);
          expect(h.queue).toEqual([]);
          expect(h.jdm.jobWaiting(job)).toBe(true);
        }
      }
      const expected = () => {
        const out: Record<number, number[]> = {};
        for (const [id, jobs] of waiters) out[id] = jobs.map((j) => j.id).sort((a, b) => a - b);
        return out;
      };
      expect(h.waiters()).toEqual(expected());

      const checkLockInfo = () => {
        const info = (h.lockInfo() as [string, null, null, [string, number[]][]][]).map(
          ([name, mode, owner, pending]) => [name, mode, owner, pending.map(([m, names]) => [m, [...names].sort()])],
        );
        const want = [...waiters]
          .filter(([, jobs]) => jobs.length > 0)
          .map(([id, jobs]) => [`job/${id}`, null, null, [['job', jobs.map((j) => j.id).sort()]]]);
        const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
        expect(info.sort(byName)).toEqual(want.sort(byName));
      };
      checkLockInfo();

      // Notify in random order.
      const order = [...waiters.keys()];
      for (let i = order.length - 1; i > 0; i--) {
        const j = rnd.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (const depId of order) {
        const jobs = waiters.get(depId) as DependentJob[];
        waiters.delete(depId);
        for (const job of jobs) {
          h.status.push([depId, 'success']);
          const [result] = yield* h.jdm.checkAndRegister(job, depId, ['success']);
          expect(result).toBe(DEP_CONTINUE);
          expect(h.status).toEqual([]);
          expect(h.queue).toEqual([]);
          expect(h.jdm.jobWaiting(job)).toBe(false);
        }
        checkLockInfo();
      }
      expect(h.lockInfo()).toEqual([]);
      expect(waiters.size).toBe(0);
    });
  });

  it('TestJobDependencyManager.testSelfDependency: depending on itself -> ERROR', () => {
    run(function* (h) {
      const job = fakeJob(18937);
      h.status.push([job.id, 'success']);
      const [result, msg] = yield* h.jdm.checkAndRegister(job, job.id, []);
      expect(result).toBe(DEP_ERROR);
      expect(msg).toBe("Job can't depend on itself");
    });
  });

  it('TestJobDependencyManager.testJobDisappears: JobLost from the status lookup -> ERROR, nothing registered', () => {
    run(function* (h) {
      const job = fakeJob(30540);
      const jobId = 23769;
      h.status.push([jobId, new JobLost(`Job ${jobId} not found`)]);
      const [result, msg] = yield* h.jdm.checkAndRegister(job, jobId, []);
      expect(result).toBe(DEP_ERROR);
      expect(msg).toBe('Dependency error: Job 23769 not found');
      expect(h.jdm.jobWaiting(job)).toBe(false);
      expect(h.lockInfo()).toEqual([]);
    });
  });
});

describe('JobDependencyManager in the lock monitor', () => {
  it('shows waiters as job/<id> rows in gnt-debug locks, and as wait-for edges job -> job', () => {
    run(function* (h) {
      h.status.push([28625, 'running'], [28625, 'running'], [9, 'queued']);
      yield* h.jdm.checkAndRegister(fakeJob(17697), 28625, []);
      yield* h.jdm.checkAndRegister(fakeJob(3), 28625, ['success']);
      yield* h.jdm.checkAndRegister(fakeJob(4), 9, []);
      expect(h.monitor.render()).toBe(
        ['Name      Mode Owner Pending', 'job/9     -    -     job:4', 'job/28625 -    -     job:3,17697'].join('\n'),
      );
      expect(h.monitor.waitForGraph().edges.map((e) => `${e.waiter.label} -> ${e.resource}`)).toEqual([
        'job/4 -> job/9',
        'job/3 -> job/28625',
        'job/17697 -> job/28625',
      ]);
    });
  });
});

describe('JobDependencyManager mutant seams', () => {
  it('depmgr-notify-under-lock: with the mutant on, waiters are re-enqueued while the manager lock is held', () => {
    run(function* (h) {
      h.status.push([4113, 'running']);
      yield* h.jdm.checkAndRegister(fakeJob(8227), 4113, []);
      yield* h.jdm.notifyWaiters(4113);
      expect(h.queue.length).toBe(1);
      expect(h.enqueueSawLockOwned).toBe(true);
    }, MutantSet.of('depmgr-notify-under-lock'));
  });

  it('dependency-cancel-ignored: with the mutant on, a cancelled dependency gives WAIT instead of CANCEL', () => {
    run(function* (h) {
      const job = fakeJob(17697);
      h.status.push([28625, 'canceled']);
      const [result] = yield* h.jdm.checkAndRegister(job, 28625, []);
      expect(result).toBe(DEP_WAIT);
      expect(h.jdm.jobWaiting(job)).toBe(true);
    }, MutantSet.of('dependency-cancel-ignored'));
  });

  it('a dependency status outside the final statuses is an assertion error (ht.TListOf(TElemOf(JOBS_FINALIZED)))', () => {
    run(function* (h) {
      let thrown: unknown = null;
      try {
        yield* h.jdm.checkAndRegister(fakeJob(1), 2, ['running']);
      } catch (e) {
        thrown = e;
      }
      expect((thrown as Error).name).toBe('AssertionError');
    });
  });
});
