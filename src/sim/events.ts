/**
 * The kernel's own trace events, and how anyone reads trace events typed.
 *
 * Declaring events. `TraceEvents` (`ports.ts`) maps each kind to a named tuple of its fields;
 * every subsystem merges its own kinds into it from its own folder (`src/locking/events.ts`,
 * `src/jqueue/events.ts`, `src/mcpu/events.ts`, `src/lockd/events.ts`, `src/cluster/events.ts`,
 * `scenarios/events.ts`), and the kernel's are below. To add a kind, add one line to the events
 * module of the subsystem that emits it (make one, with the `declare module` block below, if the
 * subsystem has none): `emit` then accepts it with exactly those fields, and `isEvent` reads them.
 *
 * Reading events. A checker sees raw `TraceRecord`s; `isEvent(r, 'lock.acquire')` narrows one to
 * `EventRecord<'lock.acquire'>`, whose `fields` is the declared tuple, so
 * `const [mode, priority] = r.fields` is typed and a change of the declaration is a compile error
 * at every reader. The guard is a string comparison: it allocates nothing, and records are kept
 * as they were (no object per event beyond the record the trace already makes).
 *
 * Fault strikes are the one family of kinds not known when the code is compiled: a fault of verb
 * `v` is traced as `fault.v` when it strikes, `v` being any verb a scenario registers at run
 * time. They are emitted by `Kernel.emitFaultStrike` and read with `isFaultStrike`; every other
 * `fault.*` kind (the effects of faults: `fault.eio`, `fault.loss`...) is declared here as usual.
 */
import type { DiskErrorCode, FileLockMode, RpcFailure, Signal, TraceEvents, TraceField, TraceKind } from './ports.js';
import type { TraceRecord } from './trace.js';

/** The disk call a `disk.error` or `fault.eio` names. */
export type DiskCall = 'writeFile' | 'appendFile' | 'fsync' | 'fsyncDir' | 'rename' | 'readFile' | 'unlink';
/** Which way an RPC message travels. */
export type RpcDirection = 'request' | 'reply';
/** Why the network dropped an RPC message. */
export type RpcDropReason = 'partition' | 'loss' | 'no-service' | 'late';
/** What a `flock` got: the lock, the lock it held already, a conflict, or a timed-out wait. */
export type FlockResult = 'granted' | 'held' | 'busy' | 'timeout';
/** Why a file lock went away. */
export type FunlockReason = 'unlock' | 'convert' | 'owner-exit' | 'node-crash';

/**
 * The fields every disk operation's record starts with: the disk's name and the label of the
 * process that made the call (`null` for a free-standing thread of a test).
 */
export type DiskOpFields<Rest extends TraceField[] = []> = [disk: string, process: string | null, ...Rest];

declare module './ports.js' {
  interface TraceEvents {
    // Threads and conditions. Subjects: the thread's name, or the condition's.
    /** A thread was created (subject: its name); `process` is its process's label. */
    spawn: [process: string | null, thread: number];
    /** The running thread sleeps `us` µs (subject empty). */
    sleep: [us: number];
    /** The running thread offers a scheduling point (subject empty). */
    yield: [];
    /** The running thread waits on a condition (subject: its name); `timeoutUs` -1 is forever. */
    wait: [timeoutUs: number];
    /** A waiting thread was notified (subject: the condition). */
    notify: [thread: number];
    /** A waiting thread's timeout ran out (subject: the condition). */
    timeout: [thread: number];
    /** A sleeping thread woke (subject `sleep`). */
    wake: [thread: number];
    /** A thread's body returned (subject: its name). */
    exit: [];
    /** A simulated thread threw (subject: its name). */
    exception: [message: string];
    /** A safety violation ended the run (subject: the property). */
    violation: [message: string];

    // Processes and nodes. Subjects: the process's label (`node1/masterd#2`), or the node.
    'proc.start': [pid: number];
    'proc.crash': [reason: string];
    'proc.signal': [signal: Signal];
    /** The process died (crash, kill, or its last thread ended); its exit hooks run next. */
    'proc.exit': [];
    'node.crash': [];
    /** `restartNode`: how many processes that ran on the node before its crash start again. */
    'node.restart': [processes: number];

    // Disks (`disk.ts`). Subject: the path (the directory for `fsyncdir` and `list`).
    'disk.write': DiskOpFields<[bytes: number, contentHash: number]>;
    'disk.append': DiskOpFields<[bytes: number, contentHash: number]>;
    /** `durableBytes`: the file's durable length after the fsync. */
    'disk.fsync': DiskOpFields<[durableBytes: number]>;
    'disk.fsyncdir': DiskOpFields<[entries: number]>;
    /** Subject: the old path. */
    'disk.rename': DiskOpFields<[to: string]>;
    'disk.read': DiskOpFields<[bytes: number]>;
    'disk.exists': DiskOpFields<[found: boolean]>;
    'disk.unlink': DiskOpFields;
    'disk.list': DiskOpFields<[entries: number]>;
    'disk.flock': DiskOpFields<[mode: FileLockMode, result: FlockResult]>;
    'disk.error': DiskOpFields<[call: DiskCall, code: DiskErrorCode]>;
    /** A file lock went away; `owner` is the label of the process that held it. */
    'disk.funlock': [disk: string, owner: string, why: FunlockReason];
    /** Subject: the disk. A shared disk loses nothing (`lostFiles` 0). */
    'disk.crash': [mode: 'shared' | 'local', lostFiles: number];

    // The network (`net.ts`). Subject of a call: `caller-label->node/service`.
    /** Subject: `node/service`; `process` is the serving process's label. */
    'rpc.serve': [process: string];
    'rpc.call': [call: number, method: string];
    'rpc.timeout': [call: number, timeoutUs: number];
    /** `server`: the label of the process whose handler runs. */
    'rpc.deliver': [call: number, server: string];
    'rpc.reply': [call: number, result: RpcFailure | 'ok'];
    'rpc.drop': [call: number, direction: RpcDirection, reason: RpcDropReason];
    /** Subject: `a->b`. */
    'net.partition': [oneWay: boolean];
    /** Subject: `*`, a node, or `a<->b`. */
    'net.heal': [];

    // Effects of faults where they strike (a fault's own strike is `fault.<verb>`, see above).
    /** Subject: the path; an injected EIO. */
    'fault.eio': [disk: string, call: DiskCall];
    /** Subject: the path; a latency spike of `extraUs`. */
    'fault.slow': [disk: string, extraUs: number];
    /** Subject: the path; a torn write kept `keptChars` of `writtenChars`. */
    'fault.tear': [disk: string, keptChars: number, writtenChars: number];
    /** Subject: the call; a message lost by the loss rate. */
    'fault.loss': [call: number, direction: RpcDirection];
    /** Subject: the call; its message in `direction` is held back `extraUs` beyond its latency. */
    'fault.delay': [call: number, direction: RpcDirection, extraUs: number];
    /** Subject `plan`; the plan's rates as JSON. */
    'fault.rates': [rates: string];
    /** Subject `world`: the fault phase is over (`SimWorld.calm`). */
    'fault.calm': [];
  }
}

/** A trace record of a declared kind, its fields typed as declared. */
export interface EventRecord<K extends TraceKind = TraceKind> extends TraceRecord {
  readonly kind: K;
  readonly fields: Readonly<TraceEvents[K]>;
}

/**
 * An event as a tuple, `[kind, subject, ...fields]`, typed per kind: what tests write to build a
 * trace by hand (`['lock.acquired', 'JobQueue', 'shared', 0]`), checked like an `emit`.
 */
export type EventTuple = { [K in TraceKind]: [kind: K, subject: string, ...fields: TraceEvents[K]] }[TraceKind];

/** Whether `r` is an event of `kind`; narrows `r.fields` to the kind's declared tuple. */
export function isEvent<K extends TraceKind>(r: TraceRecord, kind: K): r is EventRecord<K> {
  return r.kind === kind;
}

/** The events of `kind` among `records`, typed. */
export function eventsOf<K extends TraceKind>(records: readonly TraceRecord[], kind: K): EventRecord<K>[] {
  return records.filter((r): r is EventRecord<K> => r.kind === kind);
}

/** Whether `r` is an event of one of `kinds` (a set of declared kinds); narrows like `isEvent`. */
export function isEventIn<K extends TraceKind>(r: TraceRecord, kinds: ReadonlySet<K>): r is EventRecord<K> {
  return (kinds as ReadonlySet<string>).has(r.kind);
}

/**
 * The fields of a fault's strike (`fault.<verb>`): none when it struck, or why it was skipped
 * (`liveness-phase`, or what the verb's `skip` said: `not-running`...).
 */
export type FaultStrikeFields = [] | [status: 'skipped', reason: string];

/** The record of a fault's strike; `verb` is the kind without its `fault.` prefix. */
export interface FaultStrikeRecord extends TraceRecord {
  readonly kind: `fault.${string}`;
  readonly fields: Readonly<FaultStrikeFields>;
}

/** The strikes of faults of `verb` among `records`. */
export function faultStrikesOf(records: readonly TraceRecord[], verb: string): FaultStrikeRecord[] {
  return records.filter((r): r is FaultStrikeRecord => isFaultStrike(r, verb));
}

/** Whether `r` is the strike of a fault of `verb` (`crash-process`...). */
export function isFaultStrike(r: TraceRecord, verb: string): r is FaultStrikeRecord {
  return r.kind.length === verb.length + 6 && r.kind.startsWith('fault.') && r.kind.endsWith(verb);
}

/**
 * Compile-time check that every declared event's fields are trace fields (strings, numbers,
 * booleans, null), so that rendering and hashing stay stable: a declaration with any other field
 * type fails here, naming its kind ("Type '"my.kind"' does not satisfy the constraint 'true'").
 */
type NonTraceFieldKinds = {
  [K in TraceKind]: TraceEvents[K] extends readonly TraceField[] ? never : K;
}[TraceKind];
type MustHold<T extends true> = T;
export type EveryEventHasTraceFields = MustHold<[NonTraceFieldKinds] extends [never] ? true : NonTraceFieldKinds>;
