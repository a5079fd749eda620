/**
 * `DiskJobStore`: the job queue's files on the master's simulated disk (spec §5.9–5.12), with
 * replication to the master candidates through their node daemons (§5.10, §5.15). It
 * implements the `JobStore` contract the queue is written against.
 *
 * Layout (`storage-paths.ts`): `queue/lock` (flock held exclusively for the master's whole
 * life, taken blocking in `open`), `version`, `serial` (the last job id used), `drain`,
 * `job-<id>` and `archive/<id // 10000>/job-<id>`. Every file is replaced atomically and
 * durably (`storage-atomic.ts`): a write that returns survives a crash of the node.
 *
 * What the queue does on a write error (the write policy). A write is tried `writeAttempts`
 * times, `retryDelayUs` apart (EIO is often transient). When every attempt failed:
 * - a **new** job file (a submission), the serial file, an archival or the drain flag: the
 *   error is thrown and nothing is left behind under the job's name; the queue reports the
 *   submission to the client as failed. The client never got an id, so nothing acknowledged is
 *   lost (ids already written to `serial` stay used, as in Ganeti).
 * - an **update** of an existing job file: the master daemon stops (`onFatalWriteError`, a
 *   fail-stop). The in-memory job has moved on but its file could not follow; carrying on
 *   would let memory and disk disagree (an opcode could run without `running` on disk, and a
 *   crash would then run it twice). After the restart, recovery (§5.11) starts from the last
 *   durable state of every job. Ganeti instead logs the exception in the worker and leaves the
 *   job in memory.
 * Replication failures are logged (trace) and never fatal, as in Ganeti.
 *
 * Trace (consumed by `src/check/durability-*.ts`): `queue.open <node> lastSerial
 * liveJobs(id:status,...) archivedIds drained`, `queue.persist-begin job/<id> <node> status` before
 * and `queue.persist job/<id> <node> status hash writer` after each durable job write (here and
 * in node daemons; a crash in between may leave either version), `queue.persist-serial <node> serial`,
 * `queue.persist-archive job/<id> <node>`, `queue.read job/<id> <node> status archived`,
 * `queue.corrupt job/<id> <node>`, `queue.write-error <path> <node> code attempt`,
 * `queue.fatal <node> message`, plus `queue.rpc` from the fan-out (`storage-rpc.ts`).
 */
import { type Disk, DiskError, type Net, type Proc, type Runtime } from '../sim/ports.js';
import { JOB_QUEUE_VERSION, type JobStatus } from './constants.js';
import { JobQueueError } from './errors.js';
import type { JobStore, OpenedQueue } from './job-store.js';
import type { SerializedJob } from './queued-job.js';
import { calcStatus } from './status.js';
import { isTempName, renameDurably, unlinkDurably, writeFileAtomically } from './storage-atomic.js';
import {
  archivedJobPath,
  contentHash32,
  dirOf,
  jobIdOfName,
  jobPath,
  type QueuePaths,
  queuePaths,
} from './storage-paths.js';
import {
  callNodes,
  type FanOutResult,
  type JobQueueRpcMethod,
  RPC_JOBQUEUE_PURGE,
  RPC_JOBQUEUE_RENAME,
  RPC_JOBQUEUE_SET_DRAIN_FLAG,
  RPC_JOBQUEUE_UPDATE,
  RPC_TMO_URGENT_US,
} from './storage-rpc.js';

export interface DiskJobStoreOptions {
  readonly runtime: Runtime;
  /** The master's local disk. */
  readonly disk: Disk;
  readonly net: Net;
  /** Master candidates other than the master itself, the replication targets at start. */
  readonly replicaNodes: readonly string[];
  /** Default `QUEUE_DIR`. */
  readonly queueDir?: string;
  /** Timeout of each replication RPC, µs (default `RPC_TMO_URGENT`, 60 s). */
  readonly rpcTimeoutUs?: number;
  /** Tries per write before giving up (default 3). */
  readonly writeAttempts?: number;
  /** Pause between tries, µs (default 100 000). */
  readonly retryDelayUs?: number;
  /**
   * Called when an existing job file cannot be updated (see the write policy above); it must
   * stop the master daemon and never return. Without it the error is thrown.
   */
  readonly onFatalWriteError?: (message: string) => Proc<never>;
}

/** What `open` returns, with what the store found besides. */
export interface DiskOpenedQueue extends OpenedQueue {
  readonly archivedJobIds: readonly number[];
}

export function serializeJobFile(job: SerializedJob): string {
  return JSON.stringify(job);
}

/** Parses a job file; null when it is not a well-formed job file for `id`. */
export function parseJobFile(text: string, id: number): SerializedJob | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const job = value as Partial<SerializedJob>;
  if (job.id !== id || !Array.isArray(job.ops) || job.ops.length === 0) return null;
  return value as SerializedJob;
}

export function jobFileStatus(job: SerializedJob): JobStatus {
  return calcStatus(job.ops.map((op) => op.status));
}

export class DiskJobStore implements JobStore {
  readonly paths: QueuePaths;
  private readonly rt: Runtime;
  private readonly disk: Disk;
  private readonly nodes: string[];
  private readonly rpcTimeoutUs: number;
  private readonly writeAttempts: number;
  private readonly retryDelayUs: number;
  /** Ids whose live job file exists (loaded at open or written since): an update, not a creation. */
  private readonly known = new Set<number>();
  private drained = false;
  private tempCounter = 0;
  /** Writes in progress, and whether `addNode` is uploading (it must see no write half done). */
  private writers = 0;
  private uploading = false;
  private readonly gate: ReturnType<Runtime['condition']>;

  constructor(private readonly opts: DiskJobStoreOptions) {
    this.rt = opts.runtime;
    this.disk = opts.disk;
    this.paths = queuePaths(opts.queueDir);
    this.nodes = [...opts.replicaNodes];
    this.rpcTimeoutUs = opts.rpcTimeoutUs ?? RPC_TMO_URGENT_US;
    this.writeAttempts = opts.writeAttempts ?? 3;
    this.retryDelayUs = opts.retryDelayUs ?? 100_000;
    if (!Number.isInteger(this.writeAttempts) || this.writeAttempts < 1) {
      throw new RangeError('DiskJobStore: writeAttempts must be a positive integer');
    }
    this.gate = this.rt.condition(`queue-store:${this.disk.name}.gate`);
  }

  /** The node this store's disk belongs to. */
  get node(): string {
    return this.disk.name;
  }

  /** Replication targets now, in order. */
  replicas(): readonly string[] {
    return this.nodes.slice();
  }

  // -------------------------------------------------------------------------------------------
  // JobStore

  /** `jstore.InitAndVerifyQueue(must_lock=True)` plus the reads of `JobQueue.__init__`. */
  *open(): Proc<DiskOpenedQueue> {
    const p = this.paths;
    // Blocking, forever: a master that cannot take the lock waits, as Ganeti's does.
    yield* this.disk.flock(p.lock, 'exclusive', { wait: true });
    const version = yield* this.readNumber(p.version);
    if (version === null) yield* this.writeLocal(p.version, `${JOB_QUEUE_VERSION}\n`);
    const versionNow = version ?? (yield* this.readNumber(p.version));
    if (versionNow !== JOB_QUEUE_VERSION) {
      throw new JobQueueError(`Found job queue version ${versionNow}, expected ${JOB_QUEUE_VERSION}`);
    }
    let serial = yield* this.readNumber(p.serial);
    if (serial === null) {
      yield* this.writeLocal(p.serial, '0\n');
      serial = yield* this.readNumber(p.serial);
    }
    if (serial === null) throw new JobQueueError("Can't read/parse the job queue serial file");
    const archived = yield* this.listArchivedIds();
    const live = yield* this.cleanQueueDir(new Set(archived));
    this.drained = yield* this.disk.exists(p.drain);
    for (const id of live) this.known.add(id);
    this.rt.emit('queue.open', this.node, serial, yield* this.describeLive(live), archived.join(','), this.drained);
    return { lastSerial: serial, drained: this.drained, liveJobIds: live, archivedJobIds: archived };
  }

  *writeSerial(last: number): Proc<void> {
    if (!Number.isSafeInteger(last) || last < 0) throw new RangeError(`writeSerial: bad serial ${last}`);
    yield* this.entered(() => this.writeSerialEntered(last));
  }

  *writeJob(job: SerializedJob, opts: { readonly replicate: boolean }): Proc<void> {
    yield* this.entered(() => this.writeJobEntered(job, opts.replicate));
  }

  *readJob(id: number, opts?: { readonly archived?: boolean }): Proc<{ job: SerializedJob; archived: boolean } | null> {
    const live = jobPath(this.paths, id);
    let text = yield* this.readOrNull(live);
    let archived = false;
    if (text === null && opts?.archived) {
      text = yield* this.readOrNull(archivedJobPath(this.paths, id));
      archived = true;
    }
    if (text === null) {
      this.rt.emit('queue.read', `job/${id}`, this.node, null, false);
      return null;
    }
    const job = parseJobFile(text, id);
    if (job === null) {
      this.rt.emit('queue.corrupt', `job/${id}`, this.node, archived);
      // `_LoadJobUnlocked`: a corrupt live file is archived ("Can't parse job %s, will archive.").
      if (!archived) yield* this.moveAside(id);
      return null;
    }
    this.rt.emit('queue.read', `job/${id}`, this.node, jobFileStatus(job), archived);
    return { job, archived };
  }

  *listLiveJobIds(): Proc<number[]> {
    const names = yield* this.disk.list(this.paths.dir);
    return liveIdsOf(names);
  }

  *archiveJob(id: number): Proc<void> {
    yield* this.entered(() => this.archiveJobEntered(id));
  }

  *setDrainFlag(drained: boolean): Proc<void> {
    yield* this.entered(() => this.setDrainFlagEntered(drained));
  }

  // -------------------------------------------------------------------------------------------
  // Master candidates (`JobQueue.AddNode` / `RemoveNode`)

  /**
   * `AddNode`: purges the node's queue directory; for a master candidate, uploads every live job
   * file and the serial file, sets the drain flag, then replicates to it from now on. Failures
   * are logged. Waits for writes in progress and holds new ones back meanwhile (Ganeti holds the
   * queue lock exclusively), so the node misses no update.
   */
  *addNode(node: string, opts: { readonly masterCandidate: boolean }): Proc<void> {
    if (node === this.node) throw new Error(`addNode: ${node} is the master itself`);
    while (this.uploading) yield* this.gate.wait();
    this.uploading = true;
    try {
      while (this.writers > 0) yield* this.gate.wait();
      let complete = yield* this.callOne(node, RPC_JOBQUEUE_PURGE, {});
      const i = this.nodes.indexOf(node);
      if (i >= 0) this.nodes.splice(i, 1);
      if (!opts.masterCandidate) return;
      const ids = yield* this.listLiveJobIds();
      const files = [...ids.map((id) => jobPath(this.paths, id)), this.paths.serial];
      for (const file of files) {
        const content = yield* this.readOrNull(file);
        if (content === null) continue;
        complete = (yield* this.callOne(node, RPC_JOBQUEUE_UPDATE, { file_name: file, content })) && complete;
      }
      complete = (yield* this.callOne(node, RPC_JOBQUEUE_SET_DRAIN_FLAG, { drain_flag: this.drained })) && complete;
      this.nodes.push(node);
      // Ganeti adds the node whatever failed (the failures were logged); `complete` says whether
      // its replica is whole.
      this.rt.emit('queue.node-added', node, this.node, complete);
    } finally {
      this.uploading = false;
      this.gate.notifyAll();
    }
  }

  /** `RemoveNode`: stops replicating to `node`. */
  removeNode(node: string): void {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
  }

  // -------------------------------------------------------------------------------------------
  // Writes, inside the upload gate

  private *writeSerialEntered(last: number): Proc<void> {
    const content = `${last}\n`;
    yield* this.writeWithRetries(this.paths.serial, content);
    this.rt.emit('queue.persist-serial', this.node, last);
    yield* this.replicate(RPC_JOBQUEUE_UPDATE, { file_name: this.paths.serial, content });
  }

  private *writeJobEntered(job: SerializedJob, replicate: boolean): Proc<void> {
    const path = jobPath(this.paths, job.id);
    const content = serializeJobFile(job);
    const created = !this.known.has(job.id);
    this.rt.emit('queue.persist-begin', `job/${job.id}`, this.node, jobFileStatus(job));
    try {
      yield* this.writeWithRetries(path, content);
    } catch (e) {
      if (!created) return yield* this.fatal(`cannot update ${path}: ${errorText(e)}`, e);
      // A failed creation leaves no name behind (the rename may have happened before the
      // directory fsync failed).
      yield* this.bestEffortUnlink(path);
      throw e;
    }
    this.known.add(job.id);
    this.rt.emit('queue.persist', `job/${job.id}`, this.node, jobFileStatus(job), contentHash32(content), 'masterd');
    if (replicate) yield* this.replicate(RPC_JOBQUEUE_UPDATE, { file_name: path, content });
  }

  private *archiveJobEntered(id: number): Proc<void> {
    const from = jobPath(this.paths, id);
    const to = archivedJobPath(this.paths, id);
    yield* this.withRetries(to, () => renameDurably(this.disk, from, to));
    this.known.delete(id);
    this.rt.emit('queue.persist-archive', `job/${id}`, this.node);
    yield* this.replicate(RPC_JOBQUEUE_RENAME, { rename: [[from, to]] });
  }

  private *setDrainFlagEntered(drained: boolean): Proc<void> {
    const path = this.paths.drain;
    if (drained) yield* this.writeWithRetries(path, '');
    else yield* this.withRetries(path, () => unlinkDurably(this.disk, path));
    this.drained = drained;
    yield* this.replicate(RPC_JOBQUEUE_SET_DRAIN_FLAG, { drain_flag: drained });
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** Runs a write with the upload gate respected. */
  private *entered(body: () => Proc<void>): Proc<void> {
    while (this.uploading) yield* this.gate.wait();
    this.writers++;
    try {
      yield* body();
    } finally {
      this.writers--;
      this.gate.notifyAll();
    }
  }

  private *replicate(method: JobQueueRpcMethod, payload: unknown): Proc<FanOutResult> {
    return yield* callNodes(this.rt, this.opts.net, this.nodes.slice(), method, payload, this.rpcTimeoutUs);
  }

  private *callOne(node: string, method: JobQueueRpcMethod, payload: unknown): Proc<boolean> {
    const r = yield* callNodes(this.rt, this.opts.net, [node], method, payload, this.rpcTimeoutUs);
    return r.failed.length === 0;
  }

  private *writeLocal(path: string, content: string): Proc<void> {
    yield* writeFileAtomically(this.disk, path, content, this.nextTag());
  }

  private *writeWithRetries(path: string, content: string): Proc<void> {
    yield* this.withRetries(path, () => this.writeLocal(path, content));
  }

  private *withRetries(path: string, attempt: () => Proc<void>): Proc<void> {
    for (let i = 1; ; i++) {
      try {
        yield* attempt();
        return;
      } catch (e) {
        if (!(e instanceof DiskError) || e.code !== 'EIO') throw e;
        this.rt.emit('queue.write-error', path, this.node, e.code, i);
        if (i >= this.writeAttempts) throw e;
        yield* this.rt.sleep(this.retryDelayUs);
      }
    }
  }

  private *fatal(message: string, cause: unknown): Proc<never> {
    this.rt.emit('queue.fatal', this.node, message);
    if (this.opts.onFatalWriteError) return yield* this.opts.onFatalWriteError(message);
    throw cause;
  }

  private *moveAside(id: number): Proc<void> {
    const from = jobPath(this.paths, id);
    const to = archivedJobPath(this.paths, id);
    try {
      yield* this.withRetries(to, () => renameDurably(this.disk, from, to));
    } catch (e) {
      // Still unreadable, and still ignored; the next load tries again.
      this.rt.emit('queue.write-error', from, this.node, e instanceof DiskError ? e.code : 'error', 0);
      return;
    }
    this.known.delete(id);
    yield* this.replicate(RPC_JOBQUEUE_RENAME, { rename: [[from, to]] });
  }

  private *bestEffortUnlink(path: string): Proc<void> {
    try {
      yield* unlinkDurably(this.disk, path);
    } catch {
      // The directory fsync failed: the name is not durable either way.
    }
  }

  private *readOrNull(path: string): Proc<string | null> {
    try {
      return yield* this.disk.readFile(path);
    } catch (e) {
      if (e instanceof DiskError && e.code === 'ENOENT') return null;
      throw e;
    }
  }

  /** `_ReadNumericFile`: null when missing, `JobQueueError` when not numeric. */
  private *readNumber(path: string): Proc<number | null> {
    const text = yield* this.readOrNull(path);
    if (text === null) return null;
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isSafeInteger(n)) {
      throw new JobQueueError(`Content of file '${path}' is not numeric: ${JSON.stringify(text)}`);
    }
    return n;
  }

  private *listArchivedIds(): Proc<number[]> {
    const ids: number[] = [];
    // Archive subdirectories are implicit prefixes; the ones in use follow from the live ids and
    // from the serial, so list the subdirectories up to the serial's.
    const serial = (yield* this.readNumber(this.paths.serial)) ?? 0;
    for (let sub = 0; sub <= Math.floor(serial / 10000); sub++) {
      const names = yield* this.disk.list(dirOf(archivedJobPath(this.paths, sub * 10000)));
      ids.push(...liveIdsOf(names));
    }
    return ids.sort((a, b) => a - b);
  }

  /**
   * Removes what a crash can leave in the queue directory: temporary files of interrupted
   * writes, and live names of jobs whose archival rename reached the archive directory but not
   * yet the queue directory. Returns the live job ids.
   */
  private *cleanQueueDir(archived: ReadonlySet<number>): Proc<number[]> {
    const names = yield* this.disk.list(this.paths.dir);
    for (const name of names) if (isTempName(name)) yield* this.disk.unlink(`${this.paths.dir}/${name}`);
    const live: number[] = [];
    for (const id of liveIdsOf(names)) {
      if (archived.has(id)) yield* this.disk.unlink(jobPath(this.paths, id));
      else live.push(id);
    }
    if (names.some(isTempName) || live.length < liveIdsOf(names).length) yield* this.disk.fsyncDir(this.paths.dir);
    return live;
  }

  /**
   * `<id>:<status>` of every live job, comma-separated (`?` for an unreadable file): the state
   * the new master starts from, for the durability checkers.
   */
  private *describeLive(ids: readonly number[]): Proc<string> {
    const parts: string[] = [];
    for (const id of ids) {
      const text = yield* this.readOrNull(jobPath(this.paths, id));
      const job = text === null ? null : parseJobFile(text, id);
      parts.push(`${id}:${job ? jobFileStatus(job) : '?'}`);
    }
    return parts.join(',');
  }

  private nextTag(): string {
    this.tempCounter += 1;
    return `masterd${this.tempCounter}`;
  }
}

function liveIdsOf(names: readonly string[]): number[] {
  const ids: number[] = [];
  for (const name of names) {
    const id = jobIdOfName(name);
    if (id !== null) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
