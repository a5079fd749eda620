/**
 * `JobQueue` (`lib/jqueue.py` of Ganeti 2.10, spec §5–§6): submission, cancellation, priority
 * changes, archival, queries, change notification, drain flag and shutdown, on top of a
 * `JobStore` (the persistence seam) and an `OpExecutorFactory` (the opcode processor seam).
 *
 * Locking (spec §5.14). One queue lock, a real `SharedLock` named `JobQueue`: exclusive for
 * submissions, enqueueing, cancel, change priority, archival, drain, shutdown and start-up
 * recovery; shared for a worker processing its own job and for the `NotifyStart`/`Feedback`
 * callbacks; none for queries, change waits and dependency status lookups (they read job files
 * from the store as read-only copies). The worker releases the queue lock before an opcode runs.
 * The lock order is queue lock -> dependency-manager lock; the manager re-enqueues woken jobs
 * only after dropping its own lock.
 *
 * Writable jobs live in memory until archived (Ganeti's cache of writable jobs is weak and may
 * reload a finished job from its file; the content is the same); every status change of theirs
 * is traced by `QueuedJob` and every write of a job file is traced as
 * `jqueue.write job/<id> <status> <replicated>`. Submissions are traced as `jqueue.submit` (the
 * job file was written) or `jqueue.submit.failed` (it could not be; the client is told), archival
 * as `jqueue.archive`.
 *
 * Departure: the queue lock and the dependency manager's own lock are registered with the lock
 * monitor when one is given (Ganeti lists only the dependency manager's `job/<id>` entries
 * there) so that a deadlock through either lock is named with its cycle.
 */

import { Mutex } from '../lib/mutex.js';
import type { LockMonitor } from '../locking/lock-monitor.js';
import { SharedLock } from '../locking/shared-lock.js';
import { MutantSet } from '../mutants/registry.js';
import type { Proc, Runtime, SpawnOptions } from '../sim/ports.js';
import {
  type JOB_NOTCHANGED,
  JOB_QUEUE_SIZE_HARD_LIMIT,
  JOBQUEUE_THREADS,
  JOBS_FINALIZED,
  type JobStatus,
  OP_PRIO_SUBMIT_VALID,
} from './constants.js';
import { JobDependencyManager } from './dependency-manager.js';
import { GenericError, JobLost, JobQueueDrainError, JobQueueError, JobQueueFull, pyAssert } from './errors.js';
import { JobChangeNotifier, type JobChanges, waitForJobChanges } from './job-changes.js';
import { runJobTask, type WorkerQueue } from './job-queue-worker.js';
import type { JobStore } from './job-store.js';
import type { TimeoutStrategyFactory } from './op-exec-context.js';
import type { OpExecutorFactory, SubmitJobResult } from './op-executor.js';
import { cloneOpInput, type OpInput } from './opcode.js';
import { type JobEnv, type JobResult, jobSubject, QueuedJob } from './queued-job.js';
import { type RecoveryHost, recoverJobs } from './recovery.js';
import {
  formatSubmitError,
  relativeIdResolver,
  resolveJobDependencies,
  SUBMIT_VALID_PRIORITIES_TEXT,
  validateJobOpcodes,
} from './submission.js';
import { NoSuchTask, WorkerPool } from './worker-pool.js';

export const QUEUE_LOCK_NAME = 'JobQueue';
export const DEPMGR_LOCK_NAME = 'JobDepMgr';
/** Prefix of the worker names: `Jq1`..`Jq25`. */
export const WORKER_NAME_PREFIX = 'Jq';

export interface JobQueueOptions {
  /** Where job files, the serial and the drain flag live. */
  readonly store: JobStore;
  /** A fresh opcode executor per job run (`mcpu.Processor(context, job.id)`). */
  readonly executorFactory: OpExecutorFactory;
  /** The lock-attempt timeout strategy of each opcode (`mcpu.LockAttemptTimeoutStrategy`). */
  readonly timeoutStrategyFactory: TimeoutStrategyFactory;
  /** Worker threads; default `JOBQUEUE_THREADS` (25). */
  readonly workers?: number;
  /** Named mutants (off by default). */
  readonly mutants?: MutantSet;
  /** Lock monitor to list the queue lock and the dependency manager (`job/<id>` rows) in. */
  readonly monitor?: LockMonitor | null;
  /** How worker threads are spawned (owning process, daemon). */
  readonly spawn?: SpawnOptions;
  /** Most simultaneous change watches (`fs.inotify.max_user_watches`); default unlimited. */
  readonly maxWatches?: number;
}

/** One row of `queryJobs`: the requested fields, or null for a job that does not exist. */
export type JobQueryRow = unknown[] | null;

export class JobQueue implements WorkerQueue, RecoveryHost {
  readonly rt: Runtime;
  readonly lock: SharedLock;
  readonly depmgr: JobDependencyManager<QueuedJob>;
  readonly notifier: JobChangeNotifier;
  readonly mutants: MutantSet;
  readonly store: JobStore;
  readonly executorFactory: OpExecutorFactory;
  readonly timeoutStrategyFactory: TimeoutStrategyFactory;

  private pool: WorkerPool<QueuedJob> | null = null;
  /** Writable jobs in memory, by id (live jobs only; archival drops them). */
  private readonly jobs = new Map<number, QueuedJob>();
  private lastSerial = 0;
  private queueSize = 0;
  private drained = false;
  private accepting = true;
  private opened = false;
  private readonly jobEnv: JobEnv;
  private readonly readOnlyEnv: JobEnv;

  constructor(
    rt: Runtime,
    private readonly opts: JobQueueOptions,
  ) {
    this.rt = rt;
    this.store = opts.store;
    this.executorFactory = opts.executorFactory;
    this.timeoutStrategyFactory = opts.timeoutStrategyFactory;
    this.mutants = opts.mutants ?? MutantSet.none;
    const monitor = opts.monitor ?? null;
    this.lock = new SharedLock(rt, QUEUE_LOCK_NAME, { monitor, mutants: this.mutants });
    this.depmgr = new JobDependencyManager<QueuedJob>({
      getStatus: (jobId) => this.getJobStatusForDependencies(jobId),
      enqueue: (jobs) => this.enqueueJobs(jobs),
      lock: new SharedLock(rt, DEPMGR_LOCK_NAME, { monitor, mutants: this.mutants }),
      mutants: this.mutants,
    });
    monitor?.register(this.depmgr);
    this.notifier = new JobChangeNotifier(rt, { maxWatches: opts.maxWatches });
    this.jobEnv = { now: () => rt.now(), emit: (kind, subject, ...fields) => rt.emit(kind, subject, ...fields) };
    this.readOnlyEnv = { now: () => rt.now() };
  }

  // -------------------------------------------------------------------------------------------
  // Start-up and shutdown

  /**
   * Start-up (`JobQueue.__init__`, spec §5.11): opens the store (queue lock file, version,
   * serial), reads the drain flag and the live jobs, starts the workers and recovers every live
   * job under the queue lock.
   */
  *open(): Proc<void> {
    pyAssert(!this.opened && this.pool === null, 'Queue is already open');
    const opened = yield* this.store.open();
    this.lastSerial = opened.lastSerial;
    this.drained = opened.drained;
    this.queueSize = opened.liveJobIds.length;
    this.pool = new WorkerPool<QueuedJob>(this.rt, {
      name: WORKER_NAME_PREFIX,
      workers: this.opts.workers ?? JOBQUEUE_THREADS,
      runTask: (worker, job) => runJobTask(this, worker, job),
      spawn: this.opts.spawn,
    });
    this.opened = true;
    yield* this.withLock(false, () => recoverJobs(this));
  }

  /**
   * `PrepareShutdown`: stops accepting jobs and deactivates the workers; returns whether tasks
   * are still running (call again until false, then `shutdown`).
   */
  *prepareShutdown(): Proc<boolean> {
    yield* this.lock.acquire({ shared: false });
    try {
      this.accepting = false;
      const pool = this.workerPool;
      pool.setActive(false);
      return pool.hasRunningTasks();
    } finally {
      this.lock.release();
    }
  }

  /** `Shutdown`: terminates the workers (they must be idle: see `prepareShutdown`) and closes the queue. */
  *shutdown(): Proc<void> {
    yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      yield* this.workerPool.terminateWorkers();
      this.opened = false;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Submission

  /** `SubmitJob`: one job; returns its id. Raises when drained, shutting down, full or invalid. */
  *submitJob(ops: readonly OpInput[]): Proc<number> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      this.requireNonDrained();
      return yield* this.submitOneUnlocked(ops);
    });
  }

  /** `SubmitJobToDrainedQueue`: like `submitJob` without the drained and shutting-down checks. */
  *submitJobToDrainedQueue(ops: readonly OpInput[]): Proc<number> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      return yield* this.submitOneUnlocked(ops);
    });
  }

  /**
   * `SubmitManyJobs`: ids for all jobs are allocated (and the serial written) before any is
   * handed out; relative dependencies (-1 = the job just before) are resolved; each job gets
   * `[true, id]` or `[false, message]` (non-atomic). Drained or shutting down raise for the
   * whole call.
   */
  *submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      this.requireNonDrained();
      const jobIds = yield* this.newSerialsUnlocked(jobs.length, true);
      const [results, added] = yield* this.submitManyJobsUnlocked(jobs, jobIds, []);
      this.enqueueJobsUnlocked(added);
      return results;
    });
  }

  private *submitOneUnlocked(ops: readonly OpInput[]): Proc<number> {
    const [jobId] = yield* this.newSerialsUnlocked(1);
    pyAssert(jobId !== undefined, 'no job id allocated');
    const job = yield* this.submitJobUnlocked(jobId, ops.map(cloneOpInput));
    this.enqueueJobsUnlocked([job]);
    return jobId;
  }

  /** `_SubmitManyJobsUnlocked`. */
  private *submitManyJobsUnlocked(
    jobs: readonly (readonly OpInput[])[],
    jobIds: readonly number[],
    previousJobIds: readonly number[],
  ): Proc<[SubmitJobResult[], QueuedJob[]]> {
    const results: SubmitJobResult[] = [];
    const added: QueuedJob[] = [];
    for (let idx = 0; idx < jobs.length; idx++) {
      const jobId = jobIds[idx] as number;
      const ops = (jobs[idx] as readonly OpInput[]).map(cloneOpInput);
      let unresolved: string | null = null;
      for (const op of ops) {
        if (!op.depends || op.depends.length === 0) continue;
        const resolved = resolveJobDependencies(relativeIdResolver(previousJobIds, jobIds, idx), op.depends);
        if (!resolved[0]) {
          unresolved = resolved[1];
          break;
        }
        op.depends = resolved[1];
      }
      if (unresolved !== null) {
        results.push([false, unresolved]);
        continue;
      }
      try {
        added.push(yield* this.submitJobUnlocked(jobId, ops));
        results.push([true, jobId]);
      } catch (err) {
        if (!(err instanceof GenericError)) throw err;
        results.push([false, formatSubmitError(err.message, ops)]);
      }
    }
    return [results, added];
  }

  /**
   * `_SubmitJobUnlocked`: checks the queue size and the opcodes, creates the job and writes its
   * file. A job whose file could not be written is not queued and the failure is reported as a
   * `JobQueueError` (Ganeti would let the I/O error escape the whole call).
   */
  private *submitJobUnlocked(jobId: number, ops: OpInput[]): Proc<QueuedJob> {
    if (this.queueSize >= JOB_QUEUE_SIZE_HARD_LIMIT) throw new JobQueueFull();
    // Checked before the job exists, so that a refused job leaves no trace of a status.
    validateJobOpcodes(ops);
    const job = new QueuedJob(jobId, ops, { writable: true, env: this.jobEnv });
    job.processorLock = new Mutex(this.rt, `${jobSubject(jobId)}.processor`);
    try {
      yield* this.updateJobUnlocked(job);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.rt.emit('jqueue.submit.failed', jobSubject(jobId), msg);
      if (err instanceof GenericError) throw err;
      throw new JobQueueError(`Could not write job file: ${msg}`);
    }
    this.queueSize += 1;
    this.jobs.set(jobId, job);
    this.rt.emit('jqueue.submit', jobSubject(jobId), job.calcPriority());
    return job;
  }

  /**
   * `_NewSerialsUnlocked`: `count` new ids `last+1 .. last+count`. The serial file is written
   * before the ids are handed out, so an id is never given twice, even across a crash.
   */
  private *newSerialsUnlocked(count: number, forSubmitMany = false): Proc<number[]> {
    pyAssert(Number.isInteger(count) && count >= 0, `invalid count ${count}`);
    if (count === 0) return [];
    const serial = this.lastSerial + count;
    yield* this.store.writeSerial(serial);
    // MUTANT(serial-off-by-one): Ganeti 3c88bf36e — submit-many's ids start at the last used id
    // instead of the one after it, so its first job reuses the id of the job submitted before it.
    const offByOne = forSubmitMany && this.mutants.has('serial-off-by-one');
    const first = offByOne ? this.lastSerial : this.lastSerial + 1;
    const ids = Array.from({ length: count }, (_, i) => first + i);
    this.lastSerial = serial;
    return ids;
  }

  // -------------------------------------------------------------------------------------------
  // Changing jobs

  /** `CancelJob`: `[true, "Job <id> canceled" | "... will be canceled"]` or `[false, reason]`. */
  *cancelJob(jobId: number): Proc<JobResult> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      return yield* this.modifyJobUnlocked(jobId, (job) => job.cancel());
    });
  }

  /**
   * `ChangeJobPriority`: new priority for every pending opcode; the job's pool entry is
   * re-prioritised when it is queued there. Raises `GenericError` for a priority a client may
   * not submit.
   */
  *changeJobPriority(jobId: number, priority: number): Proc<JobResult> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      if (!OP_PRIO_SUBMIT_VALID.has(priority)) {
        throw new GenericError(`Invalid priority ${priority}, allowed are ${SUBMIT_VALID_PRIORITIES_TEXT}`);
      }
      return yield* this.modifyJobUnlocked(jobId, (job) => {
        const result = job.changePriority(priority);
        if (result[0]) {
          try {
            this.workerPool.changeTaskPriority(job.id, job.calcPriority());
          } catch (err) {
            // Running, or waiting for a dependency: not in the pool right now.
            if (!(err instanceof NoSuchTask)) throw err;
          }
        }
        return result;
      });
    });
  }

  /** `_ModifyJobUnlocked`: applies `fn` to the writable job and writes it if `fn` succeeded. */
  private *modifyJobUnlocked(jobId: number, fn: (job: QueuedJob) => JobResult): Proc<JobResult> {
    const job = yield* this.loadJobUnlocked(jobId);
    if (!job) return [false, `Job ${jobId} not found`];
    pyAssert(job.writable, "Can't modify read-only job");
    pyAssert(!job.archived, "Can't modify archived job");
    const [success, msg] = fn(job);
    // If the job was finalized (cancelled), this is the last write allowed: it may be archived.
    if (success) yield* this.updateJobUnlocked(job);
    return [success, msg];
  }

  // -------------------------------------------------------------------------------------------
  // Archival

  /** `ArchiveJob`: moves a finalized job to the archive; false for unknown or unfinished jobs. */
  *archiveJob(jobId: number): Proc<boolean> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      const job = yield* this.loadJobUnlocked(jobId);
      if (!job) return false;
      return (yield* this.archiveJobsUnlocked([job])) === 1;
    });
  }

  /**
   * `AutoArchiveJobs(age, timeout)`: archives finalized jobs older than `ageSeconds` (-1: all),
   * walking ids ascending until `timeoutSeconds` of virtual time passed, 10 at a time. Returns
   * `[archived, jobs not examined]` (Ganeti counts the job at which time ran out as examined).
   */
  *autoArchiveJobs(ageSeconds: number, timeoutSeconds: number): Proc<[number, number]> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      this.requireOpen();
      const nowUs = this.rt.now();
      const endUs = nowUs + timeoutSeconds * 1_000_000;
      let archivedCount = 0;
      let lastTouched = 0;
      const allJobIds = yield* this.store.listLiveJobIds();
      let pending: QueuedJob[] = [];
      for (let idx = 0; idx < allJobIds.length; idx++) {
        lastTouched = idx + 1;
        if (this.rt.now() > endUs) break;
        const job = yield* this.loadJobUnlocked(allJobIds[idx] as number);
        if (!job) continue;
        const ageUs = job.endTimestamp ?? job.startTimestamp ?? job.receivedTimestamp ?? 0;
        // Ganeti compares float seconds now against the job's whole seconds.
        if (ageSeconds === -1 || nowUs / 1_000_000 - Math.floor(ageUs / 1_000_000) > ageSeconds) {
          pending.push(job);
          if (pending.length >= 10) {
            archivedCount += yield* this.archiveJobsUnlocked(pending);
            pending = [];
          }
        }
      }
      if (pending.length > 0) archivedCount += yield* this.archiveJobsUnlocked(pending);
      return [archivedCount, allJobIds.length - lastTouched];
    });
  }

  /** `_ArchiveJobsUnlocked`: archives the finalized ones; recounts the queue from the store. */
  private *archiveJobsUnlocked(jobs: readonly QueuedJob[]): Proc<number> {
    const archive: QueuedJob[] = [];
    for (const job of jobs) {
      pyAssert(job.writable, "Can't archive read-only job");
      pyAssert(!job.archived, "Can't cancel archived job");
      if (!JOBS_FINALIZED.has(job.calcStatus())) continue;
      archive.push(job);
    }
    for (const job of archive) {
      yield* this.store.archiveJob(job.id);
      this.jobs.delete(job.id);
      this.rt.emit('jqueue.archive', jobSubject(job.id));
      this.notifier.notify(job.id);
    }
    this.queueSize = (yield* this.store.listLiveJobIds()).length;
    return archive.length;
  }

  // -------------------------------------------------------------------------------------------
  // Queries (no queue lock: job files are read as read-only copies)

  /** `QueryJobs`: one row per job (all live jobs when `jobIds` is null); null for unknown ids. */
  *queryJobs(jobIds: readonly number[] | null, fields: readonly string[]): Proc<JobQueryRow[]> {
    const listAll = jobIds === null;
    const ids = jobIds ?? (yield* this.store.listLiveJobIds());
    const rows: JobQueryRow[] = [];
    for (const id of ids) {
      const job = yield* this.safeLoadJobFromDisk(id, true);
      if (job || !listAll) rows.push(job ? job.getInfo(fields) : null);
    }
    return rows;
  }

  /**
   * `WaitForJobChanges`: `[job info, new log entries]` once something changed, `"nochange"`
   * after `timeoutUs`, null when the job does not exist.
   */
  *waitForJobChanges(
    jobId: number,
    fields: readonly string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutUs: number,
  ): Proc<JobChanges | typeof JOB_NOTCHANGED | null> {
    return yield* waitForJobChanges(this.rt, this.notifier, {
      jobId,
      loadJob: () => this.safeLoadJobFromDisk(jobId, true),
      fields,
      prevJobInfo,
      prevLogSerial,
      timeoutUs,
    });
  }

  /** `SafeLoadJobFromDisk(id, try_archived, writable=False)`: a read-only copy, or null. */
  *safeLoadJobFromDisk(jobId: number, tryArchived: boolean): Proc<QueuedJob | null> {
    const data = yield* this.store.readJob(jobId, { archived: tryArchived });
    if (!data) return null;
    try {
      return QueuedJob.restore(data.job, { writable: false, archived: data.archived, env: this.readOnlyEnv });
    } catch {
      // A file the store could parse but that is no job (Ganeti's JobFileCorrupted): not loadable.
      return null;
    }
  }

  /** `_GetJobStatusForDependencies`: from the job file, live or archived; `JobLost` if neither. */
  private *getJobStatusForDependencies(jobId: number): Proc<JobStatus> {
    const job = yield* this.safeLoadJobFromDisk(jobId, true);
    if (job) return job.calcStatus();
    throw new JobLost(`Job ${jobId} not found`);
  }

  // -------------------------------------------------------------------------------------------
  // Drain flag and state

  /** `SetDrainFlag`: a drained queue refuses `submitJob`/`submitManyJobs`. */
  *setDrainFlag(drainFlag: boolean): Proc<boolean> {
    return yield* this.withLock(false, function* (this: JobQueue) {
      yield* this.store.setDrainFlag(drainFlag);
      this.drained = drainFlag;
      return true;
    });
  }

  isDrained(): boolean {
    return this.drained;
  }

  /** `AcceptingJobsUnlocked`: false once `prepareShutdown` ran. */
  acceptingJobsUnlocked(): boolean {
    return this.accepting;
  }

  isOpen(): boolean {
    return this.opened;
  }

  /** The last job id handed out. */
  get lastJobId(): number {
    return this.lastSerial;
  }

  /** Live jobs counted against the 5000-job limit. */
  get size(): number {
    return this.queueSize;
  }

  get workerPool(): WorkerPool<QueuedJob> {
    pyAssert(this.pool !== null, 'Queue should be open');
    return this.pool;
  }

  /** The in-memory writable job (tests, scenarios, checkers); null when not loaded. */
  peekJob(jobId: number): QueuedJob | null {
    return this.jobs.get(jobId) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Internals shared with the processor, the workers and recovery

  /**
   * `UpdateJobUnlocked`: writes the job file (queue lock held). A job is finalized exactly when
   * it has an end timestamp; archived or read-only jobs are never written.
   */
  *updateJobUnlocked(job: QueuedJob, replicate = true): Proc<void> {
    const status = job.calcStatus();
    pyAssert(JOBS_FINALIZED.has(status) === (job.endTimestamp !== null), 'finalized job must have an end timestamp');
    pyAssert(job.writable, "Can't update read-only job");
    pyAssert(!job.archived, "Can't update archived job");
    yield* this.store.writeJob(job.serialize(), { replicate });
    this.rt.emit('jqueue.write', jobSubject(job.id), status, replicate);
    this.notifier.notify(job.id);
  }

  /** `_LoadJobUnlocked`: the writable job from memory or from its live file. */
  *loadJobUnlocked(jobId: number): Proc<QueuedJob | null> {
    const cached = this.jobs.get(jobId);
    if (cached) {
      pyAssert(cached.writable, 'Found read-only object in cache');
      return cached;
    }
    const data = yield* this.store.readJob(jobId);
    if (!data) return null;
    let job: QueuedJob;
    try {
      job = QueuedJob.restore(data.job, { writable: true, env: this.jobEnv });
    } catch {
      return null;
    }
    job.processorLock = new Mutex(this.rt, `${jobSubject(jobId)}.processor`);
    this.jobs.set(jobId, job);
    return job;
  }

  listLiveJobIds(): Proc<number[]> {
    return this.store.listLiveJobIds();
  }

  /** `_EnqueueJobsUnlocked`: into the worker pool at their priorities, job ids as task ids. */
  enqueueJobsUnlocked(jobs: readonly QueuedJob[]): void {
    pyAssert(this.lock.isOwned('exclusive'), 'Must own lock in exclusive mode');
    this.workerPool.addManyTasks(
      jobs,
      jobs.map((j) => j.calcPriority()),
      jobs.map((j) => j.id),
    );
  }

  /** `_EnqueueJobs`: the dependency manager's way back into the pool (queue lock exclusive). */
  *enqueueJobs(jobs: readonly QueuedJob[]): Proc<void> {
    yield* this.lock.acquire({ shared: false });
    try {
      this.enqueueJobsUnlocked(jobs);
    } finally {
      this.lock.release();
    }
  }

  private requireOpen(): void {
    pyAssert(this.opened, 'Queue should be open');
  }

  /** `_RequireNonDrainedQueue`. */
  private requireNonDrained(): void {
    if (this.drained) throw new JobQueueDrainError('Job queue is drained, refusing job');
    if (!this.accepting) throw new JobQueueError('Job queue is shutting down, refusing job');
  }

  /** `ssynchronized(_LOCK, shared)`: runs `body` (bound to this queue) under the queue lock. */
  private *withLock<T>(shared: boolean, body: (this: JobQueue) => Proc<T>): Proc<T> {
    yield* this.lock.acquire({ shared });
    try {
      return yield* body.call(this);
    } finally {
      this.lock.release();
    }
  }
}
