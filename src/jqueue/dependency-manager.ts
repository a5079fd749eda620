/**
 * The chained-job dependency manager (`_JobDependencyManager`, spec §6.2–6.3).
 *
 * `checkAndRegister(job, depId, depStatus)` decides whether an opcode may go on:
 * WAIT (the dependency is unfinished; the job is registered as its waiter), CANCEL (it was
 * cancelled and `canceled` was not asked for), CONTINUE (it ended with an accepted status),
 * WRONGSTATUS (it ended otherwise) or ERROR (self-dependency, or the job is lost). The status is
 * looked up live or in the archive by the queue (`getStatus`), so archiving a dependency does
 * not break its dependents. There is no cycle detection: only a job depending on itself is
 * refused.
 *
 * `notifyWaiters(jobId)`, called by the worker after a job FINISHED, pops the job's waiters under
 * the manager lock and re-enqueues them *after* releasing it: re-enqueueing takes the queue lock
 * exclusively, and the lock order is queue lock -> manager lock (Ganeti 37d76f1e4).
 *
 * Waiters show in the lock monitor as `job/<dep id>` with pending `('job', [waiting job ids])`.
 */
import type { LockInfo, LockInfoProvider, LockQueryItem, WaitForEdge, WaitNode } from '../locking/index.js';
import type { MutantSet } from '../mutants/registry.js';
import type { Proc } from '../sim/ports.js';
import { JOB_STATUS_CANCELED, JOBS_FINALIZED, type JobStatus } from './constants.js';
import { JobLost, pyAssert } from './errors.js';
import { pyListRepr } from './json.js';
import type { SharedLockPort } from './lock-port.js';

export const DEP_WAIT = 1;
export const DEP_ERROR = 2;
export const DEP_CANCEL = 3;
export const DEP_CONTINUE = 4;
export const DEP_WRONGSTATUS = 5;

export type DepResultCode =
  | typeof DEP_WAIT
  | typeof DEP_ERROR
  | typeof DEP_CANCEL
  | typeof DEP_CONTINUE
  | typeof DEP_WRONGSTATUS;

export type DepResult = readonly [code: DepResultCode, message: string];

/** What the manager needs of a job: its id (waiter sets hold the job objects themselves). */
export interface DependentJob {
  readonly id: number;
}

export interface JobDependencyManagerOptions<J extends DependentJob> {
  /** The status of a job, live or archived; throws `JobLost` when it is in neither. */
  readonly getStatus: (jobId: number) => Proc<JobStatus>;
  /** Puts jobs back into the worker pool (takes the queue lock exclusively). */
  readonly enqueue: (jobs: readonly J[]) => Proc<void>;
  /** The manager's own lock (`SharedLock("JobDepMgr")`). */
  readonly lock: SharedLockPort;
  readonly mutants?: MutantSet;
}

export class JobDependencyManager<J extends DependentJob = DependentJob> implements LockInfoProvider {
  /** Waiting jobs by the id of the job they wait for. Entries may be empty until the next cleanup. */
  private readonly waiters = new Map<number, Set<J>>();

  constructor(private readonly opts: JobDependencyManagerOptions<J>) {}

  /** Checks one dependency of `job` and registers it as a waiter while `depJobId` is unfinished. */
  *checkAndRegister(job: J, depJobId: number, depStatus: readonly JobStatus[]): Proc<DepResult> {
    pyAssert(Number.isInteger(job.id) && job.id >= 0, `invalid job id ${job.id}`);
    pyAssert(Number.isInteger(depJobId) && depJobId >= 0, `invalid dependency job id ${depJobId}`);
    for (const s of depStatus) pyAssert(JOBS_FINALIZED.has(s), `invalid dependency status '${s}'`);
    const lock = this.opts.lock;
    yield* lock.acquire({ shared: false });
    try {
      return yield* this.checkAndRegisterLocked(job, depJobId, depStatus);
    } finally {
      lock.release();
    }
  }

  private *checkAndRegisterLocked(job: J, depJobId: number, depStatus: readonly JobStatus[]): Proc<DepResult> {
    if (job.id === depJobId) return [DEP_ERROR, "Job can't depend on itself"];

    let status: JobStatus;
    try {
      status = yield* this.opts.getStatus(depJobId);
    } catch (e) {
      if (e instanceof JobLost) return [DEP_ERROR, `Dependency error: ${e.message}`];
      throw e;
    }

    let jobIdWaiters = this.waiters.get(depJobId);
    if (!jobIdWaiters) {
      jobIdWaiters = new Set();
      this.waiters.set(depJobId, jobIdWaiters);
    }

    if (!JOBS_FINALIZED.has(status)) {
      // Register for notification and wait for the job to finish.
      jobIdWaiters.add(job);
      return [DEP_WAIT, `Need to wait for job ${depJobId}, wanted status '${pyListRepr(depStatus)}'`];
    }

    // Remove from the waiters list.
    jobIdWaiters.delete(job);

    if (status === JOB_STATUS_CANCELED && !depStatus.includes(JOB_STATUS_CANCELED)) {
      if (this.opts.mutants?.has('dependency-cancel-ignored')) {
        // MUTANT(dependency-cancel-ignored): the cancelled dependency is treated as unfinished, so
        // the dependent registers as a waiter of a job that will never notify again.
        jobIdWaiters.add(job);
        return [DEP_WAIT, `Need to wait for job ${depJobId}, wanted status '${pyListRepr(depStatus)}'`];
      }
      return [DEP_CANCEL, `Dependency job ${depJobId} was cancelled`];
    }
    if (depStatus.length === 0 || depStatus.includes(status)) {
      return [DEP_CONTINUE, `Dependency job ${depJobId} finished with status '${status}'`];
    }
    return [
      DEP_WRONGSTATUS,
      `Dependency job ${depJobId} finished with status '${status}', not one of '${depStatus.join(', ')}' as required`,
    ];
  }

  /**
   * Re-enqueues every job waiting for `jobId` (call only once `jobId` is finalized). Drops
   * empty waiter sets on the way.
   */
  *notifyWaiters(jobId: number): Proc<void> {
    pyAssert(Number.isInteger(jobId) && jobId >= 0, `invalid job id ${jobId}`);
    const lock = this.opts.lock;
    let jobs: J[] | null = null;
    yield* lock.acquire({ shared: false });
    try {
      this.removeEmptyWaiters();
      const set = this.waiters.get(jobId);
      this.waiters.delete(jobId);
      if (set && set.size > 0) jobs = sortById(set);
      if (jobs && this.opts.mutants?.has('depmgr-notify-under-lock')) {
        // MUTANT(depmgr-notify-under-lock): the waiters are re-enqueued while the manager lock is
        // still held; enqueueing needs the queue lock, which is taken before this lock elsewhere.
        yield* this.opts.enqueue(jobs);
        jobs = null;
      }
    } finally {
      lock.release();
    }
    // Re-add the jobs to the worker pool, outside the manager lock.
    if (jobs) yield* this.opts.enqueue(jobs);
  }

  /** Whether `job` waits for some job. */
  jobWaiting(job: J): boolean {
    for (const set of this.waiters.values()) if (set.has(job)) return true;
    return false;
  }

  /** The waiter table (empty sets included until the next cleanup), sorted by dependency id. */
  waiterTable(): ReadonlyMap<number, readonly J[]> {
    const out = new Map<number, readonly J[]>();
    for (const id of [...this.waiters.keys()].sort((a, b) => a - b)) {
      out.set(id, sortById(this.waiters.get(id) as Set<J>));
    }
    return out;
  }

  /**
   * Lock-monitor rows (`GetLockInfo`): `job/<id>` with mode and owner none and pending
   * `[('job', [waiting job ids])]`, for each job with waiters. Reading needs no yield, so it is
   * consistent without taking the manager lock.
   */
  lockInfo(requested: ReadonlySet<LockQueryItem>): readonly LockInfo[] {
    const rows: LockInfo[] = [];
    for (const [id, jobs] of this.waiterTable()) {
      if (jobs.length === 0) continue;
      rows.push({
        name: `job/${id}`,
        mode: null,
        owners: null,
        pending: requested.has('pending') ? [{ mode: 'job', threads: jobs.map((j) => String(j.id)) }] : null,
      });
    }
    return rows;
  }

  /** Each waiting job waits for the job it depends on (for naming deadlocks and stuck chains). */
  waitEdges(): readonly WaitForEdge[] {
    const edges: WaitForEdge[] = [];
    for (const [id, jobs] of this.waiterTable()) {
      for (const j of jobs)
        edges.push({ waiter: jobNode(j.id), resource: `job/${id}`, mode: 'job', owners: [jobNode(id)], ahead: [] });
    }
    return edges;
  }

  private removeEmptyWaiters(): void {
    for (const [id, set] of [...this.waiters]) if (set.size === 0) this.waiters.delete(id);
  }
}

function jobNode(id: number): WaitNode {
  return { key: `job:${id}`, label: `job/${id}` };
}

/** Jobs sorted by id: Python iterates a set of small ints in ascending order; we make it explicit. */
function sortById<J extends DependentJob>(jobs: Iterable<J>): J[] {
  return [...jobs].sort((a, b) => a.id - b.id);
}
