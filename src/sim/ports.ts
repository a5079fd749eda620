/**
 * Ports: the only part of the kernel that systems under test (`locking`, `jqueue`, `mcpu`,
 * `lockd`, `cluster`) may import. They describe what a simulated thread can do — wait, sleep,
 * spawn, draw randomness, touch a disk, call another process — without saying how it is
 * scheduled. The kernel (`src/sim/kernel.ts`) implements them; nothing here knows of Ganeti.
 *
 * Every operation that can block or be preempted returns a `Proc`, a generator that the
 * caller drives with `yield*`. All times are integer virtual microseconds.
 */

/** A simulated thread body, or a blocking operation inside one. */
export type Proc<T = void> = Generator<unknown, T, unknown>;

/** Identity of a simulated thread: the owner of locks, like Python's current thread. */
export interface ThreadRef {
  readonly id: number;
  readonly name: string;
  /** The process the thread belongs to (`null` for free-standing threads of a test). */
  readonly process: ProcessRef | null;
}

export interface ProcessRef {
  readonly id: number;
  /** Name given at start (`masterd`); the same across restarts. */
  readonly name: string;
  readonly node: string;
  /** Unique within the run, e.g. `node1/masterd#2` (the suffix counts incarnations). */
  readonly label: string;
  /** Simulated PID, unique within the run. */
  readonly pid: number;
  isAlive(): boolean;
}

export interface SpawnOptions {
  /** A daemon thread does not keep the run alive: the run completes when only daemons remain. */
  readonly daemon?: boolean;
  /** Process the thread belongs to; defaults to the spawning thread's process. */
  readonly process?: ProcessRef | null;
}

export interface ConditionOptions {
  /**
   * An idle condition is one a thread waits on for work that may never come (a worker waiting
   * for jobs). Threads waiting only on idle conditions make the run quiescent, not deadlocked.
   */
  readonly idle?: boolean;
}

/** A condition variable on virtual time. Waiters wake in FIFO order. */
export interface Condition {
  readonly name: string;
  /**
   * Waits to be notified. Returns `true` when notified, `false` when `timeoutUs` elapsed first.
   * `timeoutUs` of `null`/`undefined` waits forever.
   */
  wait(timeoutUs?: number | null): Proc<boolean>;
  /** Wakes the longest-waiting thread, if any. */
  notify(): void;
  /** Wakes every waiting thread. */
  notifyAll(): void;
  /** Threads waiting right now, oldest first. */
  waiters(): readonly ThreadRef[];
}

/** Deterministic random stream; integer API so that no result rests on float rounding. */
export interface Rng {
  /** Uniform integer in `[0, n)`; `n` must be a positive integer. */
  int(n: number): number;
  /** Uniform integer in `[min, max]`. */
  between(min: number, max: number): number;
  /** True with probability `num/den`. */
  chance(num: number, den: number): boolean;
  /** Uniform float in `[0, 1)`; only for values that are then rounded (jitter). */
  float(): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** Names of the random streams the kernel forks from the root seed. */
export type RngStreamName = 'schedule' | 'faults' | 'workload' | 'jitter' | (string & {});

/** A field of a trace event: strings and integers only, so every rendering is stable. */
export type TraceField = string | number | boolean | null;

/**
 * Every kind of trace event and its fields: kind -> NAMED tuple of the fields, in the order they
 * are emitted and rendered (`'lock.acquire': [mode: LockMode, priority: number, timeoutUs: number]`).
 * `Runtime.emit` accepts only a kind declared here, with exactly its fields, and checkers read
 * them typed through `isEvent` (`src/sim/events.ts`), so the compiler sees a change of field
 * order on both sides.
 *
 * The kernel knows nothing of Ganeti, so this interface is empty here: each subsystem declares
 * its own events in its own folder (`src/sim/events.ts` for the kernel's, `src/locking/events.ts`,
 * `src/jqueue/events.ts`...) by merging into it, module augmentation being the one way to compose
 * them that needs no import from the kernel upward and no change to any `Runtime` signature. To
 * add a kind, add one line to the events module of the subsystem that emits it:
 *
 *     declare module '../sim/ports.js' {
 *       interface TraceEvents {
 *         /** What happened; the subject is ... *\/
 *         'pool.pick': [taskId: number | null, priority: number, seq: number];
 *       }
 *     }
 *
 * A kind declared twice with different fields does not compile. Every field must be a
 * `TraceField` (checked in `src/sim/events.ts`). Use literal unions for modes and statuses.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the subsystems' events modules merge into it (see above).
export interface TraceEvents {}

/** A declared trace event kind. */
export type TraceKind = keyof TraceEvents & string;

/** The shape of `Runtime.emit`, for wrappers that pass events on (a job's environment...). */
export type Emit = <K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]) => void;

/** The runtime a simulated system is handed explicitly (there is no ambient simulation). */
export interface Runtime {
  /** Virtual time now, in microseconds. */
  now(): number;
  /** The running thread. Throws when called outside a simulated thread. */
  current(): ThreadRef;
  spawn(name: string, body: () => Proc<unknown>, opts?: SpawnOptions): ThreadRef;
  /** Sleeps `us` microseconds of virtual time (0 is a plain scheduling point). */
  sleep(us: number): Proc<void>;
  /** An explicit preemption point. */
  yieldNow(): Proc<void>;
  condition(name: string, opts?: ConditionOptions): Condition;
  rng(stream: RngStreamName): Rng;
  /** Appends a system event of a declared kind (`TraceEvents`) to the trace (and its hash). */
  emit<K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]): void;
  /** Raises a safety violation found by the system itself or a checker; the run stops. */
  violation(kind: string, message: string, objects?: readonly string[]): void;
}

// ---------------------------------------------------------------------------------------------
// Processes, disks and network. Same rules: everything that takes time is a Proc.

/** Body of a process's main thread; run again on every restart (so restart re-runs recovery). */
export type ProcessMain = (self: ProcessRef) => Proc<void>;

export interface ProcessOptions {
  /** Threads of this process are daemons (see `SpawnOptions.daemon`). */
  readonly daemon?: boolean;
}

/** Simulated POSIX-ish signals used by the libvirt lock daemon. */
export type Signal = 'SIGTERM' | 'SIGKILL';

export interface ProcessControl {
  /** Starts a process on `node` whose main thread runs `main`. The factory is kept for restarts. */
  startProcess(node: string, name: string, main: ProcessMain, opts?: ProcessOptions): ProcessRef;
  /** Kills a process at once: its threads are dropped without running `finally`, hooks run. */
  crashProcess(proc: ProcessRef, reason: string): void;
  /** Starts the most recent process named `name` on `node` again with its original factory. */
  restartProcess(node: string, name: string): ProcessRef;
  /**
   * Delivers a signal. SIGKILL crashes the process; SIGTERM runs the process's SIGTERM handler
   * if it set one and otherwise crashes it too (the default action of SIGTERM is to terminate).
   */
  signal(proc: ProcessRef, sig: Signal): void;
  onSignal(proc: ProcessRef, sig: 'SIGTERM', handler: () => void): void;
  /** Runs `hook` synchronously when `proc` dies (crash, kill or normal exit of its last thread). */
  onExit(proc: ProcessRef, hook: () => void): void;
  /** Crashes every process on the node and drops the node's unsynced disk data. */
  crashNode(node: string): void;
  /** Live processes named `name` on `node` (at most one in practice). */
  findProcess(node: string, name: string): ProcessRef | null;
}

export type DiskErrorCode = 'EIO' | 'ENOENT' | 'EEXIST' | 'EAGAIN' | 'EINVAL' | 'EBADF' | 'ENODEV';

export class DiskError extends Error {
  constructor(
    readonly code: DiskErrorCode,
    readonly path: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${path}`);
    this.name = 'DiskError';
  }
}

export type FileLockMode = 'shared' | 'exclusive';

/**
 * A disk as one node sees it. Paths are absolute, '/'-separated; directories exist implicitly
 * as prefixes. Data model: writes land in a volatile cache; `fsync(path)` makes a file's content
 * durable; a new name (create or rename) becomes durable only after `fsyncDir` of its directory.
 * Every call costs virtual time and may fail with `DiskError` when the fault plan says so.
 */
export interface Disk {
  readonly name: string;
  /** Replaces the file's content (creating it) in the cache. */
  writeFile(path: string, data: string): Proc<void>;
  /** Appends to the file's content in the cache. */
  appendFile(path: string, data: string): Proc<void>;
  fsync(path: string): Proc<void>;
  fsyncDir(dir: string): Proc<void>;
  /** Atomically replaces `to` with `from` in the cache. */
  rename(from: string, to: string): Proc<void>;
  /** Throws `DiskError('ENOENT')` for a missing file. */
  readFile(path: string): Proc<string>;
  exists(path: string): Proc<boolean>;
  unlink(path: string): Proc<void>;
  /** Names (not paths) of the files directly in `dir`, sorted. */
  list(dir: string): Proc<string[]>;
  /**
   * Advisory lock owned by the calling thread's process and dropped when it dies. With
   * `wait: false` returns `false` at once when it conflicts; with `wait: true` waits up to
   * `timeoutUs` (forever when omitted) and returns whether it got the lock.
   */
  flock(path: string, mode: FileLockMode, opts?: { wait?: boolean; timeoutUs?: number }): Proc<boolean>;
  funlock(path: string): void;
  /** The process holding an exclusive lock on `path`, or the sharers; for checkers. */
  lockHolders(path: string): readonly ProcessRef[];
}

export interface RpcTarget {
  readonly node: string;
  readonly service: string;
}

export type RpcFailure = 'timeout' | 'unreachable' | 'remote-error';

export type RpcResult<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: RpcFailure; readonly message: string };

export type RpcHandler = (method: string, payload: unknown, from: ProcessRef) => Proc<unknown>;

/**
 * RPC between processes. Payloads are copied (JSON) so processes never share memory. A call
 * that is lost, partitioned or whose server is down ends with `timeout` after `timeoutUs`; a
 * handler that throws gives `remote-error` with its message.
 */
export interface Net {
  /** Registers `service` on the calling thread's process; it goes away when the process dies. */
  serve(service: string, handler: RpcHandler): void;
  call<T = unknown>(
    target: RpcTarget,
    method: string,
    payload: unknown,
    opts: { timeoutUs: number },
  ): Proc<RpcResult<T>>;
}

/** What a system assembler (`src/cluster`) gets: the runtime plus the world around it. */
export interface World extends Runtime {
  readonly processes: ProcessControl;
  /** The local disk of `node`, or a shared disk by its name. */
  disk(nameOrNode: string): Disk;
  readonly net: Net;
}
