/**
 * The worker pool (`lib/workerpool.py`, spec §5.17): simulated worker threads taking tasks from
 * a priority heap (lower value first, FIFO within a priority). A task may defer itself
 * (`DeferTask`): it is re-added with a new sequence number, behind tasks of equal priority.
 * `changeTaskPriority` re-prioritises a queued task keeping its sequence number.
 * `setActive(false)` stops handing out tasks.
 *
 * Workers wait for work on an *idle* condition, so a pool with nothing to do leaves the run
 * quiescent rather than deadlocked. Ganeti guards the pool with a lock; here every pool
 * operation runs without a yield, which makes it atomic under the kernel's one-thread-at-a-time
 * execution.
 *
 * Departures: an exception other than `DeferTask` escaping a task ends the worker thread (the run
 * reports it) instead of being logged and ignored; `addTask` does not wait while the pool is
 * quiescing (the job queue never quiesces its pool).
 */
import type { Condition, Proc, Runtime, SpawnOptions, ThreadRef } from '../sim/ports.js';
import { JOBQUEUE_THREADS } from './constants.js';
import { AssertionError, ProgrammerError } from './errors.js';
import { type TaskEntry, TaskHeap } from './task-heap.js';

/** Default task priority (`workerpool._DEFAULT_PRIORITY`). */
export const DEFAULT_TASK_PRIORITY = 0;

/** Thrown by a task to be run again later, at `priority` (the same priority when null). */
export class DeferTask extends Error {
  constructor(readonly priority: number | null = null) {
    super('task deferred');
    this.name = 'DeferTask';
  }
}

/** `changeTaskPriority` on a task that is not queued (running, finished or never added). */
export class NoSuchTask extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoSuchTask';
  }
}

export interface PoolWorker<T> {
  /** 1-based worker number. */
  readonly id: number;
  /** `Jq3`. */
  readonly name: string;
  readonly thread: ThreadRef;
  /** Name shown while running a task: `Jq3/Job42/I_STARTUP` (set with `setTaskName`). */
  readonly displayName: string;
  /** The task being run, if any. */
  readonly current: TaskEntry<T> | null;
  setTaskName(taskName: string | null): void;
}

export interface WorkerPoolOptions<T> {
  /** Prefix of the worker names (`Jq`). */
  readonly name: string;
  /** Number of workers; the job queue's default is 25 (`JOBQUEUE_THREADS`). */
  readonly workers?: number;
  /** Runs one task; may throw `DeferTask`. */
  readonly runTask: (worker: PoolWorker<T>, args: T) => Proc<void>;
  /** How worker threads are spawned (owning process, daemon). */
  readonly spawn?: SpawnOptions;
}

class Worker<T> implements PoolWorker<T> {
  displayName: string;
  current: TaskEntry<T> | null = null;
  thread!: ThreadRef;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {
    this.displayName = name;
  }

  setTaskName(taskName: string | null): void {
    this.displayName = taskName ? `${this.name}/${taskName}` : this.name;
  }
}

const TERMINATE = Symbol('terminate');

export class WorkerPool<T> {
  private readonly heap = new TaskHeap<T>();
  /** Live heap entries by task id, to change their priority. */
  private readonly taskData = new Map<number, TaskEntry<T>>();
  private counter = 0;
  private active = true;
  private lastWorkerId = 0;
  private readonly workers: Worker<T>[] = [];
  /** Workers told to terminate that have not exited yet. */
  private readonly termWorkers = new Set<Worker<T>>();
  private readonly poolToWorker: Condition;
  private readonly workerToPool: Condition;

  constructor(
    private readonly rt: Runtime,
    private readonly opts: WorkerPoolOptions<T>,
  ) {
    this.poolToWorker = rt.condition(`${opts.name}.pool-to-worker`, { idle: true });
    this.workerToPool = rt.condition(`${opts.name}.worker-to-pool`);
    // A new pool starts with no tasks: checkers of the pick order start afresh here.
    rt.emit('pool.create', opts.name);
    this.resize(opts.workers ?? JOBQUEUE_THREADS);
  }

  // -------------------------------------------------------------------------------------------
  // Tasks

  /** `AddTask`: queues a task; `taskId` (a job id in the queue) allows a later priority change. */
  addTask(args: T, priority: number = DEFAULT_TASK_PRIORITY, taskId: number | null = null): void {
    if (!Number.isInteger(priority)) throw new AssertionError('Priority must be numeric');
    if (taskId !== null && !Number.isInteger(taskId)) throw new AssertionError('Task ID must be numeric or None');
    const entry: TaskEntry<T> = { priority, seq: this.counter++, taskId, args };
    if (taskId !== null) {
      if (this.taskData.has(taskId)) throw new AssertionError(`task ${taskId} is already queued`);
      this.taskData.set(taskId, entry);
    }
    this.heap.push(entry);
    this.rt.emit('pool.add', this.opts.name, taskId, priority, entry.seq);
    this.poolToWorker.notify();
  }

  /** `AddManyTasks`: one priority for all tasks or one per task, optional task ids. */
  addManyTasks(
    tasks: readonly T[],
    priority: number | readonly number[] = DEFAULT_TASK_PRIORITY,
    taskIds: readonly (number | null)[] | null = null,
  ): void {
    const prios = typeof priority === 'number' ? tasks.map(() => priority) : priority;
    if (prios.length !== tasks.length) throw new ProgrammerError('Number of priorities does not match number of tasks');
    if (taskIds !== null && taskIds.length !== tasks.length) {
      throw new ProgrammerError('Number of task IDs does not match number of tasks');
    }
    tasks.forEach((args, i) => {
      this.addTask(args, prios[i] as number, taskIds?.[i] ?? null);
    });
  }

  /**
   * `ChangeTaskPriority`: the queued entry is abandoned and a copy with the new priority and the
   * same sequence number is pushed. Throws `NoSuchTask` if the task is not queued.
   */
  changeTaskPriority(taskId: number, priority: number): void {
    if (!Number.isInteger(priority)) throw new AssertionError('Priority must be numeric');
    const old = this.taskData.get(taskId);
    if (!old) throw new NoSuchTask(`Task '${taskId}' was not found`);
    const entry: TaskEntry<T> = { priority, seq: old.seq, taskId, args: old.args };
    old.args = null;
    this.taskData.set(taskId, entry);
    this.heap.push(entry);
    this.rt.emit('pool.reprioritize', this.opts.name, taskId, priority, entry.seq);
    this.poolToWorker.notify();
  }

  /** `SetActive`: an inactive pool hands out no tasks (queue shutdown). */
  setActive(active: boolean): void {
    this.active = active;
    if (active) this.poolToWorker.notifyAll();
  }

  isActive(): boolean {
    return this.active;
  }

  /** Whether a worker is running a task. */
  hasRunningTasks(): boolean {
    return this.workers.some((w) => w.current !== null) || [...this.termWorkers].some((w) => w.current !== null);
  }

  /** Queued tasks in the order they would be handed out. */
  pendingTasks(): readonly {
    readonly priority: number;
    readonly seq: number;
    readonly taskId: number | null;
    readonly args: T;
  }[] {
    return this.heap.live().map((e) => ({ priority: e.priority, seq: e.seq, taskId: e.taskId, args: e.args as T }));
  }

  /** Tasks being run right now, by worker. */
  runningTasks(): readonly { readonly worker: PoolWorker<T>; readonly args: T }[] {
    const out: { worker: PoolWorker<T>; args: T }[] = [];
    for (const w of this.workers) if (w.current?.args != null) out.push({ worker: w, args: w.current.args });
    return out;
  }

  /** `Quiesce`: waits until no task is queued or running. */
  *quiesce(): Proc<void> {
    while (this.heap.size > 0 || this.hasRunningTasks()) yield* this.workerToPool.wait();
  }

  // -------------------------------------------------------------------------------------------
  // Workers

  get workerCount(): number {
    return this.workers.length;
  }

  listWorkers(): readonly PoolWorker<T>[] {
    return this.workers;
  }

  /** Adds workers, or tells the surplus ones to terminate once their current task is done. */
  resize(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ProgrammerError(`Invalid number of workers: ${n}`);
    while (this.workers.length < n) this.startWorker();
    if (this.workers.length > n) {
      for (const w of this.workers.splice(n)) this.termWorkers.add(w);
      this.poolToWorker.notifyAll();
    }
  }

  /** `TerminateWorkers`: stops all workers and waits until each has finished its task and exited. */
  *terminateWorkers(): Proc<void> {
    this.resize(0);
    while (this.termWorkers.size > 0) yield* this.workerToPool.wait();
  }

  private startWorker(): void {
    this.lastWorkerId++;
    const w = new Worker<T>(this.lastWorkerId, `${this.opts.name}${this.lastWorkerId}`);
    this.workers.push(w);
    w.thread = this.rt.spawn(w.name, () => this.workerMain(w), this.opts.spawn);
  }

  private *workerMain(w: Worker<T>): Proc<void> {
    for (;;) {
      const task = yield* this.waitForTask(w);
      if (task === TERMINATE) break;
      w.current = task;
      let deferPriority: number | null = null;
      try {
        yield* this.opts.runTask(w, task.args as T);
      } catch (e) {
        if (!(e instanceof DeferTask)) throw e;
        deferPriority = e.priority ?? task.priority;
      } finally {
        w.setTaskName(null);
      }
      if (deferPriority !== null) {
        // Schedule again for a later run, behind tasks of equal priority.
        this.rt.emit('pool.defer', w.name, task.taskId, deferPriority);
        this.addTask(task.args as T, deferPriority, task.taskId);
      }
      w.current = null;
      this.workerToPool.notifyAll();
    }
    this.termWorkers.delete(w);
    this.workerToPool.notifyAll();
  }

  /** `_WaitForTaskUnlocked`: the next live task, or TERMINATE. */
  private *waitForTask(w: Worker<T>): Proc<TaskEntry<T> | typeof TERMINATE> {
    for (;;) {
      if (this.termWorkers.has(w)) return TERMINATE;
      if (this.active && this.heap.size > 0) {
        const task = this.heap.pop() as TaskEntry<T>;
        this.workerToPool.notifyAll();
        // An entry whose priority was changed has been replaced by a copy: skip it.
        if (task.args === null) continue;
        if (task.taskId !== null) this.taskData.delete(task.taskId);
        this.rt.emit('pool.pick', w.name, task.taskId, task.priority, task.seq);
        return task;
      }
      yield* this.poolToWorker.wait();
    }
  }
}
