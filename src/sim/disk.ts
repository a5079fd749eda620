/**
 * A simulated disk: a page cache over durable storage, with file locks, costs and faults.
 *
 * Data model. A file is an inode with *cached* content (what reads see) and *durable* content
 * (what survives a crash). A directory is an implicit path prefix with two namespaces, cached and
 * durable, mapping names to inodes. `writeFile`/`appendFile` change the cached content only;
 * `fsync(path)` makes the file's content durable; a namespace change (create, rename, unlink)
 * becomes durable only when its directory is fsynced (`fsyncDir`).
 *
 * Rename rule. A rename changes two entries: the removal of `from` in its directory and the
 * binding of `to` in its own. Each directory's entries become durable when *that* directory is
 * fsynced, independently. A rename within one directory is therefore durable after one
 * `fsyncDir`; across two directories both must be fsynced, and a crash in between leaves either
 * both names (target dir synced: like a hard link) or neither (source dir synced). That is the
 * most adversarial reading of POSIX that real filesystems can exhibit; code that fsyncs both
 * directories is correct under it.
 *
 * Fault model (node-local disk). On the crash of its node, the cache is thrown away: every
 * namespace reverts to its durable state and every file to its durable content ("lose all
 * unsynced data"), except that the *last unsynced write* of a durably named file may be *torn*:
 * writeback got as far as that write (everything written before it persisted) and then only a
 * strict prefix of its data reached the platter. Whether and how much is torn comes from an
 * explicit request (`tearOnNextCrash`, the `torn-write` fault) or from the `tornWriteOnCrash`
 * rate and the `faults` random stream. A process crash alone loses nothing (the page cache
 * belongs to the node). Writes and fsyncs may fail with EIO (then they have no effect: an EIO
 * fsync makes nothing durable), any operation may be slowed by a latency spike, and the file
 * locks of the node's processes are dropped when they die.
 *
 * Shared disk (`mode: 'shared'`: shared storage attached to several nodes, e.g. a sanlock
 * lockspace or an NFS export mounted `sync`). Every write and namespace change is durable on
 * return, as with O_DIRECT on a block device; fsync costs time but changes nothing, and no node
 * crash affects the data. A node crash drops only the locks of that node's processes (they die).
 *
 * Trace. Every operation emits `disk.<op>` (`write`, `append`, `fsync`, `fsyncdir`, `rename`,
 * `read`, `exists`, `unlink`, `list`, `flock`, `funlock`) with subject = path and fields
 * `[disk, process label (null for a free-standing thread), ...op specific]`, so checkers can see
 * who wrote what: `write`/`append` add `bytes, contentHash32`; `rename` adds the target path;
 * `flock` adds `mode, result` (`granted`, `held`, `busy`, `timeout`); `funlock` adds why
 * (`unlock`, `convert`, `owner-exit`, `node-crash`). Failures emit `disk.error` with `call, code`.
 * Faults where they strike: `fault.eio`, `fault.slow` (extra µs), `fault.tear` (kept and written
 * lengths); a crash emits `disk.crash` with the number of files that lost data. Sizes are string
 * lengths (UTF-16 code units), which is what the systems under test write (ASCII JSON).
 */
import type { DiskCall, DiskOpFields } from './events.js';
import { FileLockTable } from './filelock.js';
import { hashString32 } from './hash.js';
import type { Kernel } from './kernel.js';
import {
  type Disk,
  DiskError,
  type DiskErrorCode,
  type FileLockMode,
  type Proc,
  type ProcessRef,
  type TraceEvents,
  type TraceField,
  type TraceKind,
} from './ports.js';
import { draw, type Rate, type Ratio, rateProblem, toRatio } from './rate.js';

/** Virtual time each operation costs, in µs. */
export interface DiskCosts {
  /** Fixed cost of `writeFile` and `appendFile`. */
  readonly writeUs: number;
  /** Fixed cost of `readFile`. */
  readonly readUs: number;
  /** Transfer cost per started KiB, added to reads and writes. */
  readonly perKiBUs: number;
  readonly fsyncUs: number;
  readonly fsyncDirUs: number;
  readonly renameUs: number;
  readonly unlinkUs: number;
  readonly existsUs: number;
  readonly listUs: number;
  /** The flock system call itself (waiting for a conflicting lock comes on top). */
  readonly flockUs: number;
}

export const DEFAULT_DISK_COSTS: DiskCosts = {
  writeUs: 50,
  readUs: 50,
  perKiBUs: 10,
  fsyncUs: 2_000,
  fsyncDirUs: 2_000,
  renameUs: 100,
  unlinkUs: 100,
  existsUs: 20,
  listUs: 50,
  flockUs: 10,
};

/** Probabilistic disk faults, drawn from the `faults` stream. All default to never. */
export interface DiskFaultRates {
  /** Chance that a `writeFile`/`appendFile` fails with EIO. */
  readonly eioWrite?: Rate;
  /** Chance that an `fsync`/`fsyncDir` fails with EIO. */
  readonly eioFsync?: Rate;
  /** Chance that an operation is slowed by a latency spike. */
  readonly latencySpike?: Rate;
  /** Smallest extra latency of a spike, µs (default 10 000). */
  readonly latencySpikeUsMin?: number;
  /** Largest extra latency of a spike, µs (default 200 000). */
  readonly latencySpikeUsMax?: number;
  /** Chance, per durably named file with an unsynced last write, that a crash tears that write. */
  readonly tornWriteOnCrash?: Rate;
}

export interface TearRequest {
  /** File whose last unsynced write is torn; default: the disk's most recently written file. */
  readonly path?: string;
  /** Characters of the write that persist; clamped below its length; default drawn from `faults`. */
  readonly prefixChars?: number;
}

export type DiskMode = 'local' | 'shared';

export interface SimDiskOptions {
  readonly name: string;
  /** `local` (a node's disk, with a page cache) or `shared` (durable on return). */
  readonly mode?: DiskMode;
  readonly costs?: Partial<DiskCosts>;
  readonly faultRates?: DiskFaultRates;
}

/** Kinds of operation an injected EIO can hit. `fsync` covers `fsyncDir` too. */
export type DiskFaultOp = 'write' | 'fsync';

/** The kinds a disk operation traces: those whose fields start with the disk and the process. */
type DiskOpKind = {
  [K in TraceKind]: K extends `disk.${string}`
    ? TraceEvents[K] extends DiskOpFields<TraceField[]>
      ? K
      : never
    : never;
}[TraceKind];
/** A disk operation's own fields, after the disk and the process. */
type DiskOpRest<K extends DiskOpKind> = TraceEvents[K] extends DiskOpFields<infer Rest> ? Rest : never;

class Inode {
  /** The write since the last fsync that a crash may tear, with what it was applied to. */
  lastUnsynced: { readonly base: string; readonly data: string } | null = null;

  constructor(
    readonly id: number,
    public cached: string,
    public durable: string,
  ) {}
}

/** Directory path -> (name -> inode). Map order is insertion order: deterministic. */
type Namespace = Map<string, Map<string, Inode>>;

interface ResolvedRates {
  readonly eioWrite: Ratio;
  readonly eioFsync: Ratio;
  readonly latencySpike: Ratio;
  readonly latencySpikeUsMin: number;
  readonly latencySpikeUsMax: number;
  readonly tornWriteOnCrash: Ratio;
}

export class SimDisk implements Disk {
  readonly name: string;
  readonly mode: DiskMode;
  readonly costs: DiskCosts;
  private rates: ResolvedRates = resolveRates({});
  private readonly cached: Namespace = new Map();
  private readonly durable: Namespace = new Map();
  private readonly locks: FileLockTable;
  private nextInode = 1;
  /** The inode written most recently, the default victim of a requested tear. */
  private lastWritten: Inode | null = null;
  /** Injected EIOs still to deliver, per operation kind. */
  private readonly failures: Record<DiskFaultOp, number> = { write: 0, fsync: 0 };
  /** Injected latency spikes still to deliver, oldest first. */
  private readonly spikes: Array<{ extraUs: number; count: number }> = [];
  private tearRequest: TearRequest | null = null;

  constructor(
    private readonly kernel: Kernel,
    opts: SimDiskOptions,
  ) {
    if (opts.name === '') throw new RangeError('SimDisk: name must not be empty');
    this.name = opts.name;
    this.mode = opts.mode ?? 'local';
    this.costs = resolveCosts(opts.costs ?? {});
    this.setFaultRates(opts.faultRates ?? {});
    this.locks = new FileLockTable(kernel, this.name);
  }

  // -------------------------------------------------------------------------------------------
  // Disk port

  *writeFile(path: string, data: string): Proc<void> {
    checkPath(path);
    yield* this.pay(path, this.costs.writeUs + this.transferUs(data.length));
    this.failIfInjected('write', 'writeFile', path);
    this.store(path, data, false);
    this.emit('disk.write', path, data.length, hashString32(data));
  }

  *appendFile(path: string, data: string): Proc<void> {
    checkPath(path);
    yield* this.pay(path, this.costs.writeUs + this.transferUs(data.length));
    this.failIfInjected('write', 'appendFile', path);
    this.store(path, data, true);
    this.emit('disk.append', path, data.length, hashString32(data));
  }

  *fsync(path: string): Proc<void> {
    checkPath(path);
    yield* this.pay(path, this.costs.fsyncUs);
    this.failIfInjected('fsync', 'fsync', path);
    const inode = this.lookup(path);
    if (!inode) throw this.error('ENOENT', 'fsync', path);
    inode.durable = inode.cached;
    inode.lastUnsynced = null;
    this.emit('disk.fsync', path, inode.durable.length);
  }

  *fsyncDir(dir: string): Proc<void> {
    const d = normalizeDir(dir);
    yield* this.pay(d, this.costs.fsyncDirUs);
    this.failIfInjected('fsync', 'fsyncDir', d);
    this.syncDir(d);
    this.emit('disk.fsyncdir', d, this.cached.get(d)?.size ?? 0);
  }

  *rename(from: string, to: string): Proc<void> {
    checkPath(from);
    checkPath(to);
    yield* this.pay(from, this.costs.renameUs);
    const inode = this.lookup(from);
    if (!inode) throw this.error('ENOENT', 'rename', from);
    if (from !== to) {
      this.unbind(from);
      this.bind(to, inode);
    }
    this.emit('disk.rename', from, to);
  }

  *readFile(path: string): Proc<string> {
    checkPath(path);
    const inode = this.lookup(path);
    // The transfer cost depends on the size found when the read starts.
    yield* this.pay(path, this.costs.readUs + this.transferUs(inode?.cached.length ?? 0));
    const now = this.lookup(path);
    if (!now) throw this.error('ENOENT', 'readFile', path);
    this.emit('disk.read', path, now.cached.length);
    return now.cached;
  }

  *exists(path: string): Proc<boolean> {
    checkPath(path);
    yield* this.pay(path, this.costs.existsUs);
    const found = this.lookup(path) !== undefined;
    this.emit('disk.exists', path, found);
    return found;
  }

  *unlink(path: string): Proc<void> {
    checkPath(path);
    yield* this.pay(path, this.costs.unlinkUs);
    if (!this.lookup(path)) throw this.error('ENOENT', 'unlink', path);
    this.unbind(path);
    this.emit('disk.unlink', path);
  }

  *list(dir: string): Proc<string[]> {
    const d = normalizeDir(dir);
    yield* this.pay(d, this.costs.listUs);
    const names = [...(this.cached.get(d)?.keys() ?? [])].sort();
    this.emit('disk.list', d, names.length);
    return names;
  }

  /**
   * Advisory lock owned by the calling thread's process. `wait` defaults to true when a
   * `timeoutUs` is given and to false otherwise (never block by accident). Re-locking in the
   * mode already held succeeds at once; converting releases the old lock first, like flock(2).
   */
  *flock(path: string, mode: FileLockMode, opts: { wait?: boolean; timeoutUs?: number } = {}): Proc<boolean> {
    checkPath(path);
    const owner = this.callerProcess('flock');
    const timeoutUs = opts.timeoutUs ?? null;
    if (timeoutUs !== null && (!Number.isInteger(timeoutUs) || timeoutUs < 0)) {
      throw new RangeError(`flock: timeoutUs must be a non-negative integer, got ${timeoutUs}`);
    }
    yield* this.pay(path, this.costs.flockUs);
    const wait = opts.wait ?? timeoutUs !== null;
    const result = yield* this.locks.acquire({ path, mode, owner, wait, timeoutUs });
    this.emit('disk.flock', path, mode, result);
    return result === 'granted' || result === 'held';
  }

  funlock(path: string): void {
    checkPath(path);
    this.locks.release(path, this.callerProcess('funlock'), 'unlock');
  }

  lockHolders(path: string): readonly ProcessRef[] {
    return this.locks.holders(path);
  }

  // -------------------------------------------------------------------------------------------
  // Faults and crash (called by the world and the fault plan, never by systems under test)

  setFaultRates(rates: DiskFaultRates): void {
    this.rates = resolveRates(rates);
  }

  /** The next `count` operations of kind `op` fail with EIO (and have no effect). */
  failNext(op: DiskFaultOp, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`failNext: count must be >= 0, got ${count}`);
    this.failures[op] += count;
  }

  /** The next `count` operations (of any kind) take `extraUs` longer. */
  slowNext(extraUs: number, count: number): void {
    if (!Number.isInteger(extraUs) || extraUs < 0) throw new RangeError(`slowNext: extraUs must be >= 0`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`slowNext: count must be >= 0`);
    if (count > 0) this.spikes.push({ extraUs, count });
  }

  /** The next crash tears the last unsynced write of `req.path` (default: the last file written). */
  tearOnNextCrash(req: TearRequest = {}): void {
    if (req.path !== undefined) checkPath(req.path);
    if (req.prefixChars !== undefined && (!Number.isInteger(req.prefixChars) || req.prefixChars < 0)) {
      throw new RangeError(`tearOnNextCrash: prefixChars must be a non-negative integer`);
    }
    this.tearRequest = req;
  }

  /** Forgets every armed fault (injected errors, spikes, tear request); rates are left alone. */
  disarm(): void {
    this.failures.write = 0;
    this.failures.fsync = 0;
    this.spikes.length = 0;
    this.tearRequest = null;
  }

  /**
   * The node hosting this disk crashed: the cache reverts to the durable state (with torn last
   * writes where requested or drawn) and every file lock is dropped. A shared disk has no host:
   * it keeps its data and its locks (those of the crashed node's processes went with them).
   */
  crash(): void {
    const request = this.tearRequest;
    this.tearRequest = null;
    if (this.mode === 'shared') {
      this.kernel.emit('disk.crash', this.name, 'shared', 0);
      return;
    }
    this.locks.dropAll();
    const requested = request ? this.tearVictim(request) : null;
    let lostFiles = 0;
    for (const [path, inode] of this.durableInodes()) {
      const w = inode.lastUnsynced;
      if (w !== null && w.data.length > 0) {
        const explicit = requested === inode;
        if (explicit || draw(this.kernel.rng('faults'), this.rates.tornWriteOnCrash)) {
          this.tear(path, inode, w, explicit ? request?.prefixChars : undefined);
        }
      }
      if (inode.cached !== inode.durable) lostFiles++;
      inode.cached = inode.durable;
      inode.lastUnsynced = null;
    }
    this.cached.clear();
    for (const [dir, entries] of this.durable) this.cached.set(dir, new Map(entries));
    this.lastWritten = null;
    this.kernel.emit('disk.crash', this.name, 'local', lostFiles);
  }

  // -------------------------------------------------------------------------------------------
  // Inspection for tests and checkers: no cost, no trace, no faults

  /** Cached content of `path`, or undefined. */
  peek(path: string): string | undefined {
    return this.lookup(path)?.cached;
  }

  /** Content `path` would have after a crash now (ignoring tears), or undefined if the name would be lost. */
  peekDurable(path: string): string | undefined {
    const { dir, name } = splitPath(path);
    return this.durable.get(dir)?.get(name)?.durable;
  }

  /** Every cached path, sorted. */
  paths(): string[] {
    const out: string[] = [];
    for (const [dir, entries] of this.cached) for (const name of entries.keys()) out.push(joinPath(dir, name));
    return out.sort();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private store(path: string, data: string, append: boolean): void {
    let inode = this.lookup(path);
    if (!inode) {
      inode = new Inode(this.nextInode++, '', '');
      this.bind(path, inode);
    }
    const base = append ? inode.cached : '';
    inode.cached = base + data;
    inode.lastUnsynced = { base, data };
    this.lastWritten = inode;
    if (this.mode === 'shared') {
      inode.durable = inode.cached;
      inode.lastUnsynced = null;
    }
  }

  private tear(path: string, inode: Inode, w: { base: string; data: string }, prefixChars: number | undefined): void {
    const kept =
      prefixChars === undefined
        ? this.kernel.rng('faults').int(w.data.length)
        : Math.min(prefixChars, w.data.length - 1);
    inode.durable = w.base + w.data.slice(0, kept);
    this.kernel.emit('fault.tear', path, this.name, kept, w.data.length);
  }

  /** The inode a tear request names, if it has an unsynced write. */
  private tearVictim(req: TearRequest): Inode | null {
    const inode = req.path === undefined ? this.lastWritten : (this.lookup(req.path) ?? null);
    return inode?.lastUnsynced ? inode : null;
  }

  /** Inodes reachable from the durable namespace, each once (under its first path), in sorted path order. */
  private durableInodes(): Array<[string, Inode]> {
    const paths: Array<[string, Inode]> = [];
    for (const [dir, entries] of this.durable) {
      for (const [name, inode] of entries) paths.push([joinPath(dir, name), inode]);
    }
    paths.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const seen = new Set<Inode>();
    return paths.filter(([, inode]) => {
      if (seen.has(inode)) return false;
      seen.add(inode);
      return true;
    });
  }

  private lookup(path: string): Inode | undefined {
    const { dir, name } = splitPath(path);
    return this.cached.get(dir)?.get(name);
  }

  private bind(path: string, inode: Inode): void {
    const { dir, name } = splitPath(path);
    let entries = this.cached.get(dir);
    if (!entries) {
      entries = new Map();
      this.cached.set(dir, entries);
    }
    entries.set(name, inode);
    if (this.mode === 'shared') this.syncDir(dir);
  }

  private unbind(path: string): void {
    const { dir, name } = splitPath(path);
    this.cached.get(dir)?.delete(name);
    if (this.mode === 'shared') this.syncDir(dir);
  }

  private syncDir(dir: string): void {
    const entries = this.cached.get(dir);
    if (entries && entries.size > 0) this.durable.set(dir, new Map(entries));
    else this.durable.delete(dir);
  }

  /** Sleeps the operation's cost plus any latency spike. */
  private *pay(path: string, costUs: number): Proc<void> {
    let extraUs = 0;
    const spike = this.spikes[0];
    if (spike) {
      extraUs = spike.extraUs;
      if (--spike.count === 0) this.spikes.shift();
    } else if (draw(this.kernel.rng('faults'), this.rates.latencySpike)) {
      extraUs = this.kernel.rng('faults').between(this.rates.latencySpikeUsMin, this.rates.latencySpikeUsMax);
    }
    if (extraUs > 0) this.kernel.emit('fault.slow', path, this.name, extraUs);
    yield* this.kernel.sleep(costUs + extraUs);
  }

  private failIfInjected(op: DiskFaultOp, call: DiskCall, path: string): void {
    let injected = false;
    if (this.failures[op] > 0) {
      this.failures[op]--;
      injected = true;
    } else {
      injected = draw(this.kernel.rng('faults'), op === 'write' ? this.rates.eioWrite : this.rates.eioFsync);
    }
    if (!injected) return;
    this.kernel.emit('fault.eio', path, this.name, call);
    throw this.error('EIO', call, path);
  }

  private error(code: DiskErrorCode, call: DiskCall, path: string): DiskError {
    this.emit('disk.error', path, call, code);
    return new DiskError(code, path, `${code}: ${call} ${this.name}:${path}`);
  }

  private transferUs(chars: number): number {
    return Math.ceil(chars / 1024) * this.costs.perKiBUs;
  }

  private callerProcess(op: string): ProcessRef {
    const proc = this.kernel.currentOrNull()?.process ?? null;
    if (proc === null) {
      throw new Error(`${op}: file locks are owned by processes; call it from a thread of a process`);
    }
    return proc;
  }

  /** Traces a disk operation: its declared fields after the disk's name and the calling process. */
  private emit<K extends DiskOpKind>(kind: K, path: string, ...fields: DiskOpRest<K>): void {
    this.kernel.appendEvent(kind, path, [this.name, this.kernel.currentOrNull()?.process?.label ?? null, ...fields]);
  }
}

// ---------------------------------------------------------------------------------------------
// Paths: absolute, '/'-separated, no empty, '.' or '..' segments. Directories are prefixes.

function pathProblem(path: string): string | null {
  if (typeof path !== 'string' || !path.startsWith('/')) return 'not absolute';
  if (path.length > 1 && path.endsWith('/')) return 'trailing slash';
  const segments = path.split('/').slice(1);
  if (path !== '/' && segments.some((s) => s === '' || s === '.' || s === '..')) return 'empty, . or .. segment';
  return null;
}

function checkPath(path: string): void {
  const problem = pathProblem(path);
  if (problem !== null || path === '/') {
    throw new DiskError('EINVAL', String(path), `EINVAL: bad file path ${JSON.stringify(path)} (${problem ?? 'root'})`);
  }
}

function normalizeDir(dir: string): string {
  const d = dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
  const problem = pathProblem(d);
  if (problem !== null) throw new DiskError('EINVAL', String(dir), `EINVAL: bad directory ${JSON.stringify(dir)}`);
  return d;
}

function splitPath(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return { dir: i === 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

// ---------------------------------------------------------------------------------------------
// Options

function resolveCosts(partial: Partial<DiskCosts>): DiskCosts {
  const costs: DiskCosts = { ...DEFAULT_DISK_COSTS, ...partial };
  for (const [field, value] of Object.entries(costs)) {
    if (!(field in DEFAULT_DISK_COSTS)) throw new RangeError(`disk costs: unknown field ${field}`);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`disk costs: ${field} must be a non-negative integer (µs), got ${value}`);
    }
  }
  return costs;
}

/** Validates probabilistic disk fault rates; `prefix` names them in messages (e.g. `rates`). */
export function diskRatesProblem(rates: DiskFaultRates, prefix = 'disk rates'): string | null {
  for (const key of ['eioWrite', 'eioFsync', 'latencySpike', 'tornWriteOnCrash'] as const) {
    const v = rates[key];
    if (v !== undefined) {
      const p = rateProblem(`${prefix}.${key}`, v);
      if (p !== null) return p;
    }
  }
  const min = rates.latencySpikeUsMin ?? 10_000;
  const max = rates.latencySpikeUsMax ?? 200_000;
  if (!Number.isInteger(min) || min < 0) return `${prefix}.latencySpikeUsMin: must be a non-negative integer`;
  if (!Number.isInteger(max) || max < min)
    return `${prefix}.latencySpikeUsMax: must be an integer >= latencySpikeUsMin`;
  return null;
}

function resolveRates(rates: DiskFaultRates): ResolvedRates {
  const problem = diskRatesProblem(rates);
  if (problem !== null) throw new RangeError(problem);
  return {
    eioWrite: toRatio(rates.eioWrite),
    eioFsync: toRatio(rates.eioFsync),
    latencySpike: toRatio(rates.latencySpike),
    latencySpikeUsMin: rates.latencySpikeUsMin ?? 10_000,
    latencySpikeUsMax: rates.latencySpikeUsMax ?? 200_000,
    tornWriteOnCrash: toRatio(rates.tornWriteOnCrash),
  };
}
