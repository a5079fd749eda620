/**
 * The node daemon's job-queue side (Ganeti `server/noded.py` and the `JobQueue*` functions of
 * `backend.py`; spec §5.15, seed 000 "Node Daemon Locking"): it keeps this node's copy of the
 * queue that the master replicates to master candidates.
 *
 * Every queue-modifying RPC (`jobqueue_update`, `jobqueue_rename`, `jobqueue_purge`,
 * `jobqueue_set_drain_flag`) holds the queue lock file `queue/lock` exclusively, waiting up to
 * `QUEUE_LOCK_TIMEOUT` (10 s), for the whole call: "in order to avoid conflicts and/or
 * corruption when an eventual master daemon or another node daemon is running, it must be held
 * for all job queue operations". Ganeti forks one child process per request; the simulated
 * daemon serves each request in a thread of one process, and file locks belong to processes, so
 * a per-process child lock (with the same 10 s budget) stands for the exclusion that the file
 * lock gives between Ganeti's children. Only paths inside the queue directory are accepted.
 *
 * At start-up (`_PrepareQueueLock`, `InitAndVerifyQueue(must_lock=False)`) the daemon tries the
 * queue lock without blocking; when it gets it, it creates `version` and `serial` if missing and
 * unlocks; when the master holds it, it trusts the master to have checked.
 *
 * Fault model: a crash kills the daemon between any two disk operations; its file lock goes
 * with it. Every file is written atomically and durably (`storage-atomic.ts`), so a crash
 * leaves the old or the new file. Requests arriving while the daemon is down time out at the
 * master.
 *
 * Trace: `queue.persist-begin job/<id> <node> status` and `queue.purge-begin <node>` before,
 * `queue.persist job/<id> <node> status hash noded`, `queue.persist-serial`,
 * `queue.persist-archive`, `queue.purge <node>` after each durable change (the durability
 * checkers track each node's durable queue from them), `noded.refused <method> <message>`.
 */
import { JOB_QUEUE_VERSION } from '../jqueue/constants.js';
import { jobFileStatus, parseJobFile } from '../jqueue/disk-job-store.js';
import { JobQueueError } from '../jqueue/errors.js';
import { renameDurably, unlinkDurably, writeFileAtomically } from '../jqueue/storage-atomic.js';
import {
  baseName,
  contentHash32,
  dirOf,
  isInQueueDir,
  jobIdOfName,
  type QueuePaths,
  queuePaths,
} from '../jqueue/storage-paths.js';
import {
  type JobQueueRenameArgs,
  type JobQueueSetDrainFlagArgs,
  type JobQueueUpdateArgs,
  NODED_SERVICE,
  RPC_JOBQUEUE_PURGE,
  RPC_JOBQUEUE_RENAME,
  RPC_JOBQUEUE_SET_DRAIN_FLAG,
  RPC_JOBQUEUE_UPDATE,
} from '../jqueue/storage-rpc.js';
import type { MutantSet } from '../mutants/registry.js';
import {
  type Condition,
  type Disk,
  DiskError,
  type Net,
  type Proc,
  type ProcessMain,
  type ProcessRef,
  type Runtime,
} from '../sim/ports.js';

/** `QUEUE_LOCK_TIMEOUT` of `_RequireJobQueueLock`: 10 s. */
export const QUEUE_LOCK_TIMEOUT_US = 10_000_000;

export interface NodeDaemonOptions {
  readonly runtime: Runtime;
  readonly net: Net;
  /** This node's local disk. */
  readonly disk: Disk;
  readonly mutants: MutantSet;
  readonly queueDir?: string;
  readonly lockTimeoutUs?: number;
}

/** An RPC failure reported by the node (`backend._Fail`): the master sees `remote-error`. */
export class RPCFail extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RPCFail';
  }
}

/** Mutual exclusion among the daemon's concurrent requests, with a timeout (see the header). */
class ChildLock {
  private holder: number | null = null;
  private readonly released: Condition;

  constructor(private readonly rt: Runtime) {
    this.released = rt.condition('noded.queue-children');
  }

  *acquire(timeoutUs: number): Proc<boolean> {
    const me = this.rt.current().id;
    const deadline = this.rt.now() + timeoutUs;
    while (this.holder !== null) {
      const left = deadline - this.rt.now();
      if (left <= 0) return false;
      yield* this.released.wait(left);
    }
    this.holder = me;
    return true;
  }

  release(): void {
    this.holder = null;
    this.released.notify();
  }
}

/** The job-queue RPC handlers of one node daemon incarnation. */
export class NodeQueueService {
  readonly paths: QueuePaths;
  private readonly lockTimeoutUs: number;
  private readonly children: ChildLock;
  private tempCounter = 0;
  /** Whether `_PrepareQueueLock` succeeded; until it does, every RPC tries it again first. */
  private prepared = false;

  constructor(private readonly opts: NodeDaemonOptions) {
    this.paths = queuePaths(opts.queueDir);
    this.lockTimeoutUs = opts.lockTimeoutUs ?? QUEUE_LOCK_TIMEOUT_US;
    this.children = new ChildLock(opts.runtime);
  }

  get node(): string {
    return this.opts.disk.name;
  }

  /**
   * `_PrepareQueueLock`: verifies the queue files unless someone holds the lock. A disk error is
   * remembered, not fatal (Ganeti returns it and refuses queue RPCs until a later try works).
   */
  *prepare(): Proc<boolean> {
    try {
      yield* this.initAndVerifyQueue();
      this.prepared = true;
    } catch (e) {
      if (!(e instanceof DiskError)) throw e;
      this.opts.runtime.emit('noded.prepare-failed', this.node, e.message);
    }
    return this.prepared;
  }

  /** `jstore.InitAndVerifyQueue(must_lock=False)`. */
  private *initAndVerifyQueue(): Proc<void> {
    const disk = this.opts.disk;
    if (!(yield* disk.flock(this.paths.lock, 'exclusive', { wait: false }))) return;
    try {
      if (!(yield* disk.exists(this.paths.version))) {
        yield* writeFileAtomically(disk, this.paths.version, `${JOB_QUEUE_VERSION}\n`, this.nextTag());
      }
      if (!(yield* disk.exists(this.paths.serial))) {
        yield* writeFileAtomically(disk, this.paths.serial, '0\n', this.nextTag());
      }
    } finally {
      disk.funlock(this.paths.lock);
    }
  }

  /** The RPC handler: dispatches a job-queue method under the queue lock. */
  *handle(method: string, payload: unknown): Proc<unknown> {
    if (!this.prepared && !(yield* this.prepare())) {
      throw new JobQueueError('Job queue failed initialization, cannot update jobs');
    }
    switch (method) {
      case RPC_JOBQUEUE_UPDATE:
        return yield* this.locked(method, () => this.update(payload as JobQueueUpdateArgs));
      case RPC_JOBQUEUE_RENAME:
        return yield* this.locked(method, () => this.rename(payload as JobQueueRenameArgs));
      case RPC_JOBQUEUE_PURGE:
        return yield* this.locked(method, () => this.purge());
      case RPC_JOBQUEUE_SET_DRAIN_FLAG:
        return yield* this.locked(method, () => this.setDrainFlag(payload as JobQueueSetDrainFlagArgs));
      default:
        throw new RPCFail(`Unknown RPC method '${method}'`);
    }
  }

  // -------------------------------------------------------------------------------------------

  /** `_RequireJobQueueLock`: runs `body` holding the queue lock exclusively. */
  private *locked(method: string, body: () => Proc<boolean>): Proc<boolean> {
    const rt = this.opts.runtime;
    // MUTANT(noded-skips-queue-lock): the node daemon writes queue files without holding the
    // queue lock file, so it can write while a master daemon (or another request) owns the
    // queue directory.
    if (this.opts.mutants.has('noded-skips-queue-lock')) return yield* body();
    const start = rt.now();
    if (!(yield* this.children.acquire(this.lockTimeoutUs))) throw this.lockFailed(method);
    try {
      const left = Math.max(0, this.lockTimeoutUs - (rt.now() - start));
      const got = yield* this.opts.disk.flock(this.paths.lock, 'exclusive', { wait: true, timeoutUs: left });
      if (!got) throw this.lockFailed(method);
      try {
        return yield* body();
      } finally {
        this.opts.disk.funlock(this.paths.lock);
      }
    } finally {
      this.children.release();
    }
  }

  private lockFailed(method: string): JobQueueError {
    const message = `Failed to lock ${this.paths.lock} in exclusive mode`;
    this.opts.runtime.emit('noded.refused', this.node, method, message);
    return new JobQueueError(message);
  }

  /** `_EnsureJobQueueFile`. */
  private ensureQueueFile(fileName: unknown): string {
    if (typeof fileName !== 'string' || !isInQueueDir(this.paths, fileName)) {
      throw new RPCFail(
        `Passed job queue file '${String(fileName)}' does not belong to the queue directory '${this.paths.dir}'`,
      );
    }
    return fileName;
  }

  /** `JobQueueUpdate(file_name, content)`. */
  private *update(args: JobQueueUpdateArgs): Proc<boolean> {
    const path = this.ensureQueueFile(args.file_name);
    if (typeof args.content !== 'string') throw new RPCFail('jobqueue_update: content must be a string');
    this.notePersisted(path, args.content, 'queue.persist-begin');
    yield* writeFileAtomically(this.opts.disk, path, args.content, this.nextTag());
    this.notePersisted(path, args.content, 'queue.persist');
    return true;
  }

  /** `JobQueueRename(old, new)` for each pair (`utils.RenameFile(..., mkdir=True)`). */
  private *rename(args: JobQueueRenameArgs): Proc<boolean> {
    for (const [from, to] of args.rename) {
      const old = this.ensureQueueFile(from);
      const target = this.ensureQueueFile(to);
      yield* renameDurably(this.opts.disk, old, target);
      const id = jobIdOfName(baseName(target));
      if (id !== null && dirOf(target) !== this.paths.dir) {
        this.opts.runtime.emit('queue.persist-archive', `job/${id}`, this.node);
      }
    }
    return true;
  }

  /** `JobQueuePurge`: empties the queue directory (but the lock) and the archive directory's files. */
  private *purge(): Proc<boolean> {
    const disk = this.opts.disk;
    this.opts.runtime.emit('queue.purge-begin', this.node);
    for (const dir of [this.paths.dir, this.paths.archiveDir]) {
      const names = yield* disk.list(dir);
      let removed = false;
      for (const name of names) {
        const path = `${dir}/${name}`;
        if (path === this.paths.lock || name.startsWith('.')) continue;
        yield* disk.unlink(path);
        removed = true;
      }
      if (removed) yield* disk.fsyncDir(dir);
    }
    this.opts.runtime.emit('queue.purge', this.node);
    return true;
  }

  /** `JobQueueSetDrainFlag(drain_flag)`. */
  private *setDrainFlag(args: JobQueueSetDrainFlagArgs): Proc<boolean> {
    const disk = this.opts.disk;
    if (args.drain_flag) yield* writeFileAtomically(disk, this.paths.drain, '', this.nextTag());
    else yield* unlinkDurably(disk, this.paths.drain);
    return true;
  }

  private notePersisted(path: string, content: string, kind: 'queue.persist-begin' | 'queue.persist'): void {
    const rt = this.opts.runtime;
    if (path === this.paths.serial) {
      if (kind === 'queue.persist-begin') return;
      const serial = Number(content.trim());
      if (Number.isSafeInteger(serial)) rt.emit('queue.persist-serial', this.node, serial);
      return;
    }
    const id = dirOf(path) === this.paths.dir ? jobIdOfName(baseName(path)) : null;
    if (id === null) return;
    const job = parseJobFile(content, id);
    const status = job ? jobFileStatus(job) : null;
    if (kind === 'queue.persist-begin') rt.emit(kind, `job/${id}`, this.node, status);
    else rt.emit(kind, `job/${id}`, this.node, status, contentHash32(content), 'noded');
  }

  private nextTag(): string {
    this.tempCounter += 1;
    return `noded${this.tempCounter}`;
  }
}

/**
 * The node daemon process: prepares the queue lock, serves the job-queue RPCs and idles. Start it
 * with `daemon: true` so that it does not keep a run alive.
 */
export function nodeDaemonMain(opts: NodeDaemonOptions): ProcessMain {
  return function* (_self: ProcessRef): Proc<void> {
    const service = new NodeQueueService(opts);
    yield* service.prepare();
    opts.net.serve(NODED_SERVICE, (method, payload) => service.handle(method, payload));
    opts.runtime.emit('noded.ready', service.node);
    yield* opts.runtime.condition('noded.idle', { idle: true }).wait();
  };
}
