/**
 * A simulated Ganeti master in memory: the cluster configuration, the lock manager built from it,
 * the job queue over a `MemoryJobStore` with the opcode processor as its executor, and the worker
 * pool — what the explorer's Ganeti scenarios run against. It has a client API (submit jobs or
 * opcodes, cancel, change priority, wait for jobs, query) and what a `ScenarioInstance` needs to
 * name a deadlock: the wait-for graph (locks, job dependencies, jobs on their workers, jobs waiting
 * for a worker, threads waiting for jobs) and the lock monitor.
 *
 * The master runs as free-standing threads of the given runtime, or (option `process`) as a master
 * daemon process that a fault may crash and restart: the restart builds a new lock manager and
 * job queue over the same job store and configuration (what Ganeti keeps on disk) and runs
 * start-up recovery (§5.11). Client calls then run in threads of the master process, as LUXI
 * requests do in masterd: a call in flight when the daemon dies fails with `MasterDaemonDown`,
 * and a call made while it is down waits until it is back. The durable master (job files on the
 * simulated disks, replication) is assembled elsewhere around the same configuration.
 *
 * Waiting for a job is a *blocking* wait on a condition notified at every job-file write (the
 * store is wrapped for that), with no timeout unless asked: a job that can never finish leaves its
 * waiter blocked, and the run ends as a deadlock whose cycle the wait-for graph names.
 */

import { ClusterConfig, type ClusterShape } from '../config/cluster-config.js';
import { type JOB_NOTCHANGED, JOBS_FINALIZED, type JobStatus } from '../jqueue/constants.js';
import type { JobChanges } from '../jqueue/job-changes.js';
import { type JobQueryRow, JobQueue } from '../jqueue/job-queue.js';
import { type JobStore, MemoryJobStore, type OpenedQueue } from '../jqueue/job-store.js';
import type { TimeoutStrategyFactory } from '../jqueue/op-exec-context.js';
import type { SubmitJobResult } from '../jqueue/op-executor.js';
import type { OpInput } from '../jqueue/opcode.js';
import type { JobResult, QueuedJob, SerializedJob } from '../jqueue/queued-job.js';
import {
  LockManager,
  LockMonitor,
  type TimedWait,
  threadNode,
  type WaitForEdge,
  type WaitForGraph,
  type WaitNode,
} from '../locking/index.js';
import { lockAttemptTimeoutStrategyFactory } from '../mcpu/lock-timeout.js';
import type { InstanceHooks } from '../mcpu/logical-unit.js';
import { processorFactory } from '../mcpu/processor.js';
import { SimulatedWork, type WorkProfiles } from '../mcpu/work.js';
import { MutantSet } from '../mutants/registry.js';
import type { Condition, Proc, ProcessControl, ProcessRef, Runtime, SpawnOptions, ThreadRef } from '../sim/ports.js';

export interface MemoryClusterOptions {
  /** The configuration to start from (copied), or a shape to build one; default 5 nodes, 4 instances. */
  readonly config?: ClusterConfig;
  readonly shape?: ClusterShape;
  /** Job queue workers; default Ganeti's 25. */
  readonly workers?: number;
  readonly mutants?: MutantSet;
  /** Durations and failure odds of the LUs' simulated work. */
  readonly work?: Partial<WorkProfiles>;
  /** Default: Ganeti's 130-step schedule with jitter from the `jitter` stream. */
  readonly timeoutStrategyFactory?: TimeoutStrategyFactory;
  /** How the master's threads are spawned (owning process, daemon). */
  readonly spawn?: SpawnOptions;
  /** The hypervisor the instance LUs drive (none: their work is only simulated time). */
  readonly instanceHooks?: InstanceHooks;
  /** How the lock manager's timed acquires wait after a wake-up (`TimedWait`); default Ganeti's. */
  readonly timedWait?: TimedWait;
  /**
   * Run the master as a daemon process `masterd` on `node` (restartable: see the module header)
   * instead of free-standing threads; `spawn` is then ignored.
   */
  readonly process?: { readonly control: ProcessControl; readonly node: string };
}

/** The master daemon died while a client call was in flight (LUXI: the connection broke). */
export class MasterDaemonDown extends Error {
  constructor(method: string) {
    super(`${method}: the master daemon died during the call`);
    this.name = 'MasterDaemonDown';
  }
}

/** The process name of a restartable master. */
export const MEMORY_MASTERD = 'masterd';

/** What one master incarnation holds in memory (lost when it dies). */
interface Master {
  readonly monitor: LockMonitor;
  readonly glm: LockManager;
  readonly queue: JobQueue;
  readonly proc: ProcessRef | null;
  /** Conditions of client calls in flight, woken when the master dies. */
  readonly calls: Set<Condition>;
}

export const DEFAULT_CLUSTER_SHAPE: ClusterShape = { nodes: 5, groups: 1, instances: 4, networks: 1 };

function jobNode(id: number): WaitNode {
  return { key: `job:${id}`, label: `job/${id}` };
}

/** The in-memory store, telling the cluster of every job-file write (its change notification). */
class NotifyingStore implements JobStore {
  constructor(
    private readonly inner: JobStore,
    private readonly written: (job: SerializedJob) => void,
  ) {}

  open(): Proc<OpenedQueue> {
    return this.inner.open();
  }

  writeSerial(last: number): Proc<void> {
    return this.inner.writeSerial(last);
  }

  *writeJob(job: SerializedJob, opts: { readonly replicate: boolean }): Proc<void> {
    yield* this.inner.writeJob(job, opts);
    this.written(job);
  }

  readJob(id: number, opts?: { readonly archived?: boolean }): Proc<{ job: SerializedJob; archived: boolean } | null> {
    return this.inner.readJob(id, opts);
  }

  listLiveJobIds(): Proc<number[]> {
    return this.inner.listLiveJobIds();
  }

  *archiveJob(id: number): Proc<void> {
    yield* this.inner.archiveJob(id);
  }

  setDrainFlag(drained: boolean): Proc<void> {
    return this.inner.setDrainFlag(drained);
  }
}

export class MemoryCluster {
  readonly cfg: ClusterConfig;
  readonly store: MemoryJobStore;
  readonly mutants: MutantSet;
  private readonly jobWritten: Condition;
  private readonly opened: Condition;
  private state: 'new' | 'opening' | 'open' | 'down' = 'new';
  private current: Master | null = null;
  private callSerial = 0;
  /** Threads blocked in `waitForJobs`, with the jobs they wait for (for the wait-for graph). */
  private readonly jobWaits = new Map<ThreadRef, readonly number[]>();

  private constructor(
    readonly rt: Runtime,
    private readonly opts: MemoryClusterOptions,
  ) {
    this.mutants = opts.mutants ?? MutantSet.none;
    this.cfg = opts.config
      ? ClusterConfig.fromData(opts.config.toData())
      : ClusterConfig.build(opts.shape ?? DEFAULT_CLUSTER_SHAPE);
    this.jobWritten = rt.condition('cluster.job-written');
    this.opened = rt.condition('cluster.opened');
    this.store = new MemoryJobStore();
    // Free-standing: the master's memory exists from the start (tests reach into it before `start`).
    if (!opts.process) this.current = this.newMaster(null);
  }

  /** Builds the master (one per runtime: the lock manager is a singleton); `start` opens it. */
  static create(rt: Runtime, opts: MemoryClusterOptions = {}): MemoryCluster {
    return new MemoryCluster(rt, opts);
  }

  /** A master incarnation: lock manager, monitor and job queue, built in `proc` if any. */
  private newMaster(proc: ProcessRef | null): Master {
    const rt = this.rt;
    const monitor = new LockMonitor();
    const glm = LockManager.create(
      rt,
      {
        nodes: this.cfg.getNodeList(),
        nodeGroups: this.cfg.getNodeGroupList(),
        instances: this.cfg.getInstanceList(),
        networks: this.cfg.getNetworkList(),
      },
      { mutants: this.mutants, monitor, timedWait: this.opts.timedWait },
    );
    const env = {
      rt,
      glm,
      cfg: this.cfg,
      work: new SimulatedWork(rt, this.opts.work ?? {}),
      ...(this.opts.instanceHooks ? { instanceHooks: this.opts.instanceHooks } : {}),
    };
    const queue = new JobQueue(rt, {
      store: new NotifyingStore(this.store, () => this.jobWritten.notifyAll()),
      executorFactory: processorFactory({
        env,
        mutants: this.mutants,
        waitForJobs: (ids) => this.waitForJobs(ids),
      }),
      timeoutStrategyFactory: this.opts.timeoutStrategyFactory ?? lockAttemptTimeoutStrategyFactory(rt.rng('jitter')),
      workers: this.opts.workers,
      mutants: this.mutants,
      monitor,
      spawn: proc ? { process: proc } : this.opts.spawn,
    });
    return { monitor, glm, queue, proc, calls: new Set() };
  }

  private get master(): Master {
    if (!this.current) throw new Error('MemoryCluster: the master daemon is not running');
    return this.current;
  }

  /** The current master's lock monitor. */
  get monitor(): LockMonitor {
    return this.master.monitor;
  }

  /** The current master's lock manager. */
  get glm(): LockManager {
    return this.master.glm;
  }

  /** The current master's job queue. */
  get queue(): JobQueue {
    return this.master.queue;
  }

  /** Whether the master daemon is up and its queue open. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Opens the job queue in a thread (or the master process) of its own; client calls wait until it is open. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'opening';
    const proc = this.opts.process;
    if (proc) {
      // Not a daemon: its workers keep the run going while jobs remain (LU-generated ones no
      // client waits for), and it idles once they are done, as the free-standing master does.
      proc.control.startProcess(proc.node, MEMORY_MASTERD, (self) => this.masterMain(self));
      return;
    }
    this.rt.spawn(
      'masterd',
      function* (this: MemoryCluster) {
        yield* this.master.queue.open();
        this.state = 'open';
        this.opened.notifyAll();
      }.bind(this),
      this.opts.spawn,
    );
  }

  /**
   * Crashes the master daemon (process mode only): its threads die where they are, its memory
   * (locks, queue, workers) is gone, client calls in flight fail. `restartMaster` brings it back.
   */
  crashMaster(reason: string): boolean {
    const control = this.opts.process?.control;
    const proc = this.current?.proc;
    if (!control || !proc?.isAlive()) return false;
    control.crashProcess(proc, reason);
    return true;
  }

  /** Starts the master daemon again (process mode, while it is down): recovery runs at its start. */
  restartMaster(): boolean {
    const p = this.opts.process;
    if (!p || this.state !== 'down') return false;
    this.state = 'opening';
    p.control.restartProcess(p.node, MEMORY_MASTERD);
    return true;
  }

  /** The master daemon's main: a new incarnation opens (and recovers) the queue, then idles. */
  private *masterMain(self: ProcessRef): Proc<void> {
    const control = this.opts.process?.control as ProcessControl;
    const m = this.newMaster(self);
    this.current = m;
    control.onExit(self, () => {
      if (this.current === m) this.state = 'down';
      for (const c of m.calls) c.notifyAll();
      // Waiters re-read job statuses once a master is back; nothing is written meanwhile.
      this.jobWritten.notifyAll();
    });
    yield* m.queue.open();
    this.state = 'open';
    this.opened.notifyAll();
    yield* this.rt.condition('masterd.idle', { idle: true }).wait();
  }

  /** Waits until the queue is open (starting it if nobody did). */
  *ready(): Proc<void> {
    this.start();
    while (this.state !== 'open') yield* this.opened.wait();
  }

  /**
   * A client call: in the calling thread when the master is free-standing; otherwise in a thread
   * of the master process, like a LUXI request served by masterd (see the module header).
   */
  private *luxi<T>(method: string, body: (queue: JobQueue) => Proc<T>): Proc<T> {
    yield* this.ready();
    const m = this.master;
    if (!m.proc) return yield* body(m.queue);
    const n = ++this.callSerial;
    const done = this.rt.condition(`luxi.${method}#${n}`);
    let result: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
    this.rt.spawn(
      `luxi.${method}#${n}`,
      function* () {
        try {
          result = { ok: true, value: yield* body(m.queue) };
        } catch (error) {
          result = { ok: false, error };
        }
        done.notifyAll();
      },
      { process: m.proc },
    );
    m.calls.add(done);
    try {
      while (result === null && m.proc.isAlive()) yield* done.wait();
    } finally {
      m.calls.delete(done);
    }
    const r = result as { ok: true; value: T } | { ok: false; error: unknown } | null;
    if (r === null) throw new MasterDaemonDown(method);
    if (!r.ok) throw r.error;
    return r.value;
  }

  // -------------------------------------------------------------------------------------------
  // Client API (LUXI)

  *submitJob(ops: readonly OpInput[]): Proc<number> {
    return yield* this.luxi('SubmitJob', (q) => q.submitJob(ops));
  }

  /** One opcode as a job of its own. */
  *submitOpcode(op: OpInput): Proc<number> {
    return yield* this.submitJob([op]);
  }

  *submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]> {
    return yield* this.luxi('SubmitManyJobs', (q) => q.submitManyJobs(jobs));
  }

  *cancelJob(jobId: number): Proc<JobResult> {
    return yield* this.luxi('CancelJob', (q) => q.cancelJob(jobId));
  }

  *changeJobPriority(jobId: number, priority: number): Proc<JobResult> {
    return yield* this.luxi('ChangeJobPriority', (q) => q.changeJobPriority(jobId, priority));
  }

  *queryJobs(jobIds: readonly number[] | null, fields: readonly string[]): Proc<JobQueryRow[]> {
    return yield* this.luxi('QueryJobs', (q) => q.queryJobs(jobIds, fields));
  }

  /**
   * LUXI `WaitForJobChange` (spec §5.13): `[job info, new log entries]` once the job changed
   * from what the caller saw, `"nochange"` after `timeoutUs`, null when the job does not exist.
   */
  *waitForJobChange(
    jobId: number,
    fields: readonly string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeoutUs: number,
  ): Proc<JobChanges | typeof JOB_NOTCHANGED | null> {
    return yield* this.luxi('WaitForJobChange', (q) =>
      q.waitForJobChanges(jobId, fields, prevJobInfo, prevLogSerial, timeoutUs),
    );
  }

  /**
   * Waits until the job is finalized and returns its status (null if it does not exist, or when
   * `timeoutUs` passed first). A job cancelled while waiting for a dependency is finalized only
   * when the dependency finishes (Ganeti's behaviour), so the wait lasts until then.
   */
  *waitForJob(jobId: number, timeoutUs: number | null = null): Proc<JobStatus | null> {
    yield* this.ready();
    const me = this.rt.current();
    this.jobWaits.set(me, [jobId]);
    try {
      return yield* this.awaitFinal(jobId, timeoutUs === null ? null : this.rt.now() + timeoutUs);
    } finally {
      this.jobWaits.delete(me);
    }
  }

  /** Waits until every listed job is finalized (blocking, no timeout). */
  *waitForJobs(jobIds: readonly number[]): Proc<void> {
    yield* this.ready();
    const me = this.rt.current();
    try {
      for (let i = 0; i < jobIds.length; i++) {
        this.jobWaits.set(me, jobIds.slice(i));
        yield* this.awaitFinal(jobIds[i] as number, null);
      }
    } finally {
      this.jobWaits.delete(me);
    }
  }

  private *awaitFinal(jobId: number, deadline: number | null): Proc<JobStatus | null> {
    for (;;) {
      // While the master is down there is nobody to ask; its restart wakes this wait.
      yield* this.ready();
      const status = yield* this.jobStatus(jobId);
      if (status === null || JOBS_FINALIZED.has(status)) return status;
      const remaining = deadline === null ? null : deadline - this.rt.now();
      if (remaining !== null && remaining <= 0) return null;
      yield* this.jobWritten.wait(remaining);
    }
  }

  /** The job's status as its file says (live or archived), null if none. */
  *jobStatus(jobId: number): Proc<JobStatus | null> {
    const live = this.queue.peekJob(jobId);
    if (live) return live.calcStatus();
    const job = yield* this.queue.safeLoadJobFromDisk(jobId, true);
    return job ? job.calcStatus() : null;
  }

  /** Submits one opcode and waits for its job; returns the final status. */
  *runOpcode(op: OpInput): Proc<JobStatus | null> {
    const id = yield* this.submitOpcode(op);
    return yield* this.waitForJob(id);
  }

  // -------------------------------------------------------------------------------------------
  // What scenarios need

  /**
   * The wait-for graph: the lock monitor's edges (lock waiters, the queue lock, job dependencies)
   * plus the queue's own waits: a running job is carried by its worker thread; a queued job waits
   * for a worker slot when every worker is busy; a thread in `waitForJob(s)` waits for its jobs.
   */
  waitFor(): WaitForGraph {
    const edges: WaitForEdge[] = [...this.monitor.waitForGraph().edges];
    const pool = this.queue.workerPool;
    const running = pool.runningTasks();
    for (const { worker, args } of running) {
      edges.push({
        waiter: jobNode(args.id),
        resource: `worker/${worker.name}`,
        mode: 'runs-on',
        owners: [threadNode(worker.thread)],
        ahead: [],
      });
    }
    if (running.length >= pool.workerCount) {
      const busy = running.map((r) => threadNode(r.worker.thread));
      for (const task of pool.pendingTasks()) {
        edges.push({
          waiter: jobNode((task.args as QueuedJob).id),
          resource: 'worker-slot',
          mode: 'slot',
          owners: busy,
          ahead: [],
        });
      }
    }
    for (const [thread, ids] of this.jobWaits) {
      for (const id of ids) {
        edges.push({
          waiter: threadNode(thread),
          resource: `job/${id}`,
          mode: 'job',
          owners: [jobNode(id)],
          ahead: [],
        });
      }
    }
    return { edges };
  }

  /** The lock monitor rendered like `gnt-debug locks`. */
  lockMonitor(): string {
    return this.monitor.render();
  }

  /** Live jobs that are not finalized (a liveness check at the end of a run). */
  *unfinishedJobs(): Proc<number[]> {
    const out: number[] = [];
    for (const id of yield* this.store.listLiveJobIds()) {
      const status = yield* this.jobStatus(id);
      if (status !== null && !JOBS_FINALIZED.has(status)) out.push(id);
    }
    return out;
  }
}
