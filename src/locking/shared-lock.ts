/**
 * `SharedLock`: Ganeti's shared/exclusive lock with priorities (spec §1).
 *
 * Queue model. Pending acquires wait in one FIFO list per priority; lists are served lowest priority
 * number first. Each list holds *wait entries*: one per exclusive acquire, and one per *batch* of
 * sharers — every sharer of a priority that arrives while that priority's batch has not been woken
 * joins it instead of queueing anew. An entry is granted only when it is the first entry of the
 * first non-empty list and its mode is compatible with the holders; a newcomer takes the lock at once
 * only when *nothing* is queued (no barging). A batch stops accepting sharers when it is woken, so
 * sharers cannot starve exclusive waiters queued behind it.
 *
 * Concurrency model. Only one simulated thread runs at a time and it runs until it yields, so the
 * code between two yields is atomic: it plays the role of Ganeti's internal `threading.Lock`. Every
 * wait is a wait on a kernel `Condition` (one per wait entry, Ganeti's pipe condition), so the
 * scheduler sees every blocking point and timeouts run on virtual time. `acquire` and `delete` also
 * yield once before looking at the lock, so that the explorer can interleave two threads' attempts.
 *
 * Timed waits (`TimedWait`). Ganeti's acquire loop waits on its condition with the *original* timeout
 * after every wake-up that did not grant the lock (`wait_condition.wait(timeout)`), and gives up only
 * once the time since the start exceeds the timeout. A timed acquire woken shortly before its deadline
 * therefore waits the whole timeout again and can take up to about twice its timeout (spec §10, note
 * 1): a real hazard for callers that budget their waits. gnt-sim reproduces that by default
 * (`'ganeti'`). `'remainder'` waits only for what is left and gives up at the deadline, the behaviour
 * one would expect; it is kept so that the two can be compared (and a checker can tell the hazard
 * from the ideal). In both modes the trace shows when a timed acquire started (`lock.acquire` with
 * its timeout in µs) and when it gave up (`lock.timeout`, same thread and lock).
 *
 * Trace. Every transition is emitted (`lock.create`, `lock.acquire`, `lock.wait`, `lock.acquired`, `lock.timeout`,
 * `lock.release`, `lock.downgrade`, `lock.notify`, `lock.delete`, `lock.error`) with the lock name as
 * subject and the mode and priority as fields, so that checkers can verify mutual exclusion and
 * priority order from the trace alone.
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Condition, Proc, Runtime, ThreadRef } from '../sim/ports.js';
import {
  DEFAULT_PRIORITY,
  DELETED_TEXT,
  EXCLUSIVE_TEXT,
  LOCK_ACQUIRE_MIN_TIMEOUT_US,
  type LockInfoMode,
  type LockMode,
  modeText,
  type OwnedMode,
  SHARED_TEXT,
} from './constants.js';
import { LockError, LockUsageError, usageCheck } from './errors.js';
import {
  ALL_LOCK_QUERY_ITEMS,
  type LockInfo,
  type LockInfoProvider,
  type LockQueryItem,
  type PendingInfo,
} from './lock-info.js';
import type { LockMonitor } from './lock-monitor.js';
import { threadNode, type WaitForEdge, type WaitNode } from './wait-for.js';

/**
 * How a timed acquire waits after a wake-up that did not grant the lock (see the file header):
 * `'ganeti'` waits the full timeout again, as Ganeti does (a timed acquire can take up to about twice
 * its timeout); `'remainder'` waits for what is left of it.
 */
export type TimedWait = 'ganeti' | 'remainder';

/** The default: faithful to Ganeti. */
export const DEFAULT_TIMED_WAIT: TimedWait = 'ganeti';

export interface SharedLockOptions {
  /** Monitor to register with (Ganeti's `monitor=`); `null`/absent: not listed. */
  readonly monitor?: LockMonitor | null;
  /** Named mutants (off by default). */
  readonly mutants?: MutantSet;
  /** Waiting after a wake-up that did not grant the lock; default `DEFAULT_TIMED_WAIT` (`'ganeti'`). */
  readonly timedWait?: TimedWait;
}

export interface AcquireOptions {
  /** Shared (`true`) or exclusive (default). */
  readonly shared?: boolean;
  /** Virtual microseconds to wait at most; `null`/absent waits forever (and never returns false). */
  readonly timeoutUs?: number | null;
  /** Lower is served first; default `DEFAULT_PRIORITY` (0). Any integer. */
  readonly priority?: number;
}

export interface DeleteOptions {
  readonly timeoutUs?: number | null;
  readonly priority?: number;
}

/** A queued acquire: one exclusive acquirer, or one batch of sharers (Ganeti's wait condition). */
class WaitEntry {
  /** Threads inside `acquire` for this entry, in arrival order (Ganeti's `get_waiting()`). */
  readonly threads: ThreadRef[] = [];

  constructor(
    readonly cond: Condition,
    readonly shared: boolean,
    /** Sequence number within the lock, for the trace. */
    readonly seq: number,
  ) {}
}

interface PrioQueue {
  readonly priority: number;
  readonly entries: WaitEntry[];
}

export class SharedLock implements LockInfoProvider {
  readonly name: string;
  readonly timedWait: TimedWait;
  private readonly rt: Runtime;
  private readonly mutants: MutantSet | null;

  /** Threads holding the lock shared (invariant: empty when `exc` is set). */
  private readonly shr = new Set<ThreadRef>();
  /** Thread holding the lock exclusively. */
  private exc: ThreadRef | null = null;
  private deleted = false;
  /** Non-empty per-priority queues, lowest priority number first (Ganeti's `__pending` heap). */
  private readonly pending: PrioQueue[] = [];
  /** The same queues by priority (`__pending_by_prio`). */
  private readonly pendingByPrio = new Map<number, PrioQueue>();
  /** Per priority, the batch of sharers not yet woken, which newcomers join (`__pending_shared`). */
  private readonly pendingShared = new Map<number, WaitEntry>();
  private entrySeq = 0;

  constructor(rt: Runtime, name: string, opts: SharedLockOptions = {}) {
    this.rt = rt;
    this.name = name;
    this.mutants = opts.mutants ?? null;
    this.timedWait = opts.timedWait ?? DEFAULT_TIMED_WAIT;
    // A lock of the same name may be created again after a deletion: checkers start afresh here.
    rt.emit('lock.create', name);
    opts.monitor?.register(this);
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /**
   * Whether the calling thread owns the lock: `any` mode (default), `shared` or `exclusive`
   * (Ganeti's `is_owned(shared=-1|1|0)`).
   */
  isOwned(mode: OwnedMode = 'any'): boolean {
    return this.ownedBy(this.rt.current(), mode);
  }

  /** Like `isOwned`, for an explicit thread (checkers, the wait-for graph). */
  ownedBy(t: ThreadRef, mode: OwnedMode = 'any'): boolean {
    if (mode === SHARED_TEXT) return this.shr.has(t);
    if (mode === EXCLUSIVE_TEXT) return this.exc === t;
    return this.exc === t || this.shr.has(t);
  }

  isDeleted(): boolean {
    return this.deleted;
  }

  /** Current holders: the exclusive owner, or the sharers in the order they got the lock. */
  owners(): readonly ThreadRef[] {
    return this.exc ? [this.exc] : [...this.shr];
  }

  /** Number of queued entries (a batch of sharers counts once): Ganeti's `_count_pending`. */
  countPending(): number {
    let n = 0;
    for (const q of this.pending) n += q.entries.length;
    return n;
  }

  /** No acquire is pending at all (Ganeti's `_check_empty`). */
  checkEmpty(): boolean {
    return this.pending.length === 0 && this.pendingByPrio.size === 0 && this.pendingShared.size === 0;
  }

  /**
   * Lock information (Ganeti's `GetLockInfo`): mode, owner names and pending entries in service
   * order, each `null` unless requested. Nothing returned aliases internal state.
   */
  info(requested: Iterable<LockQueryItem> = ALL_LOCK_QUERY_ITEMS): LockInfo {
    const want = requested instanceof Set ? (requested as ReadonlySet<LockQueryItem>) : new Set(requested);
    let mode: LockInfoMode | null = null;
    if (want.has('mode')) {
      if (this.deleted) mode = DELETED_TEXT;
      else if (this.exc) mode = EXCLUSIVE_TEXT;
      else if (this.shr.size > 0) mode = SHARED_TEXT;
    }
    let owners: string[] | null = null;
    if (want.has('owner')) {
      const o = this.owners();
      if (o.length > 0) owners = o.map((t) => t.name);
    }
    let pending: PendingInfo[] | null = null;
    if (want.has('pending')) {
      pending = [];
      for (const q of this.pending) {
        for (const e of q.entries) pending.push({ mode: modeText(e.shared), threads: e.threads.map((t) => t.name) });
      }
    }
    return { name: this.name, mode, owners, pending };
  }

  lockInfo(requested: ReadonlySet<LockQueryItem>): readonly LockInfo[] {
    return [this.info(requested)];
  }

  /**
   * Wait-for edges of the threads blocked on this lock right now (a woken thread that has not run
   * yet waits for nobody). A blocked waiter waits for the waiters queued ahead of it (no barging)
   * and for the owners whose mode conflicts with its own; at the head of the queue it waits for
   * every owner, since only their release (or downgrade) wakes it.
   */
  waitEdges(): readonly WaitForEdge[] {
    const edges: WaitForEdge[] = [];
    const all = this.owners().map(threadNode);
    const exclusive = this.exc ? [threadNode(this.exc)] : [];
    const ahead: WaitNode[] = [];
    for (const q of this.pending) {
      for (const e of q.entries) {
        const blocked = new Set(e.cond.waiters());
        const owners = ahead.length === 0 || !e.shared ? all : exclusive;
        for (const t of e.threads) {
          if (!blocked.has(t)) continue;
          edges.push({
            waiter: threadNode(t),
            resource: this.name,
            mode: modeText(e.shared),
            owners,
            ahead: ahead.slice(),
          });
        }
        ahead.push(...e.threads.map(threadNode));
      }
    }
    return edges;
  }

  // -------------------------------------------------------------------------------------------
  // Acquire, release, downgrade

  /**
   * Acquires the lock. Returns `true` when acquired, `false` when `timeoutUs` elapsed first (never
   * for a blocking acquire). Throws `LockError` if the lock is or gets deleted, and
   * `LockUsageError` if the caller already owns it (locks are not re-entrant).
   */
  *acquire(opts: AcquireOptions = {}): Proc<boolean> {
    const timeoutUs = opts.timeoutUs ?? null;
    usageCheck(timeoutUs === null || timeoutUs >= 0, 'negative-timeout', 'Timeout must not be negative');
    yield* this.rt.yieldNow();
    return yield* this.acquireUnlocked(opts.shared ?? false, timeoutUs, opts.priority ?? DEFAULT_PRIORITY);
  }

  /** Takes a lock that nobody can know about yet (`LockSet.add(acquired)`), without yielding. */
  acquireFresh(shared: boolean): void {
    const me = this.rt.current();
    if (!(this.pending.length === 0 && this.canAcquire(shared))) {
      throw new Error(`acquireFresh on lock ${this.name} that is in use`);
    }
    this.rt.emit('lock.acquire', this.name, modeText(shared), DEFAULT_PRIORITY, -1);
    this.grant(me, shared, DEFAULT_PRIORITY);
  }

  private *acquireUnlocked(shared: boolean, timeoutUs: number | null, priority: number): Proc<boolean> {
    this.checkDeleted();
    const me = this.rt.current();
    usageCheck(!this.ownedBy(me), 'double-acquire', () => `double acquire() on a non-recursive lock ${this.name}`);
    const mode = modeText(shared);
    this.rt.emit('lock.acquire', this.name, mode, priority, timeoutUs ?? -1);

    // Fast path: nobody queued and the mode is compatible.
    if (this.pending.length === 0 && this.canAcquire(shared)) {
      this.grant(me, shared, priority);
      return true;
    }
    // Too short to be worth queueing: fail at once (timeout 0 is a pure try-lock).
    if (timeoutUs !== null && timeoutUs < LOCK_ACQUIRE_MIN_TIMEOUT_US) {
      this.rt.emit('lock.timeout', this.name, mode, priority);
      return false;
    }

    // MUTANT(lock-wait-ignores-priority): Ganeti 3bd2a4c80 / issue 803 — every waiter is queued at
    // the default priority, so waiters are served first-come whatever their priority.
    const qprio = this.mutants?.has('lock-wait-ignores-priority') ? DEFAULT_PRIORITY : priority;
    const queue = this.queueFor(qprio);
    let entry = shared ? (this.pendingShared.get(qprio) ?? null) : null;
    if (entry === null) {
      const seq = ++this.entrySeq;
      entry = new WaitEntry(this.rt.condition(`lock:${this.name}:${mode}#${seq}`), shared, seq);
      queue.entries.push(entry);
      if (shared) this.pendingShared.set(qprio, entry);
    }
    entry.threads.push(me);
    this.rt.emit('lock.wait', this.name, mode, priority, entry.seq);

    // Whole microseconds (the kernel's unit), rounded up so that a wait never ends early.
    const waitUs = timeoutUs === null ? null : Math.ceil(timeoutUs);
    const deadline = waitUs === null ? null : this.rt.now() + waitUs;
    const remainder = this.timedWait === 'remainder';
    let acquired = false;
    let timedOut = false;
    try {
      for (;;) {
        if (this.isOnTop(entry) && this.canAcquire(shared)) {
          this.grant(me, shared, priority);
          acquired = true;
          break;
        }
        // A blocking acquire never gives up. A timed one gives up, as in Ganeti, once a wait timed
        // out (a real poll returns after its deadline) or the deadline has passed; with
        // 'remainder' already *at* the deadline, which on integer virtual time is what keeps a
        // zero-length wait from spinning.
        if (deadline !== null && (remainder ? this.rt.now() >= deadline : timedOut || this.rt.now() > deadline)) break;
        // Ganeti waits the full timeout after every wake-up that did not grant the lock.
        const notified = yield* entry.cond.wait(
          deadline === null ? null : remainder ? deadline - this.rt.now() : waitUs,
        );
        timedOut = !notified;
        if (this.deleted) {
          this.rt.emit('lock.error', this.name, mode, priority);
          this.checkDeleted();
        }
      }
    } finally {
      this.leaveEntry(entry, queue, qprio, me);
    }
    if (!acquired) this.rt.emit('lock.timeout', this.name, mode, priority);
    return acquired;
  }

  /** Releases the lock (either mode); wakes the topmost waiter when nobody holds it any more. */
  release(): void {
    const me = this.rt.current();
    let notify: boolean;
    let mode: LockMode;
    if (this.exc === me) {
      this.exc = null;
      notify = true;
      mode = EXCLUSIVE_TEXT;
    } else if (this.shr.has(me)) {
      this.shr.delete(me);
      notify = this.shr.size === 0;
      mode = SHARED_TEXT;
    } else {
      throw new LockUsageError('release-unowned', 'Cannot release non-owned lock');
    }
    this.rt.emit('lock.release', this.name, mode);
    if (notify) this.notifyTopmost();
  }

  /**
   * Exclusive -> shared; a no-op when already shared (so a sharer cannot keep pushing incoming
   * sharers forward). On a real downgrade the not-yet-woken batch of sharers of the topmost
   * priority moves to the front of its list and is woken. Returns `true`.
   */
  downgrade(): boolean {
    const me = this.rt.current();
    usageCheck(this.ownedBy(me), 'downgrade-unowned', 'Lock must be owned');
    if (this.exc === me) {
      this.exc = null;
      this.shr.add(me);
      this.rt.emit('lock.downgrade', this.name);
      const top = this.pending[0];
      if (top) {
        const batch = this.pendingShared.get(top.priority);
        if (batch) {
          this.pendingShared.delete(top.priority);
          const i = top.entries.indexOf(batch);
          if (i > 0) {
            top.entries.splice(i, 1);
            top.entries.unshift(batch);
          }
          this.rt.emit('lock.notify', this.name, SHARED_TEXT, batch.seq);
          batch.cond.notifyAll();
        }
      }
    }
    return true;
  }

  /**
   * Deletes the lock: acquires it exclusively first unless the caller already holds it so (with
   * `timeoutUs`/`priority`; returns `false` if that times out), then marks it deleted and wakes
   * every waiter, each of which gets `LockError`, as does every later `acquire` or `delete`.
   */
  *delete(opts: DeleteOptions = {}): Proc<boolean> {
    const timeoutUs = opts.timeoutUs ?? null;
    usageCheck(timeoutUs === null || timeoutUs >= 0, 'negative-timeout', 'Timeout must not be negative');
    yield* this.rt.yieldNow();
    const me = this.rt.current();
    usageCheck(!this.shr.has(me), 'delete-while-sharing', 'Cannot delete() a lock while sharing it');
    this.checkDeleted();
    let acquired = this.exc === me;
    if (!acquired) acquired = yield* this.acquireUnlocked(false, timeoutUs, opts.priority ?? DEFAULT_PRIORITY);
    if (acquired) {
      this.deleted = true;
      this.exc = null;
      this.rt.emit('lock.delete', this.name);
      for (const q of this.pending) for (const e of q.entries) e.cond.notifyAll();
    }
    return acquired;
  }

  /** Releases for a condition wait; returns whether the lock was held shared (`_release_save`). */
  releaseSave(): boolean {
    const shared = this.shr.has(this.rt.current());
    this.release();
    return shared;
  }

  /** Re-acquires in the mode saved by `releaseSave` (`_acquire_restore`). */
  *acquireRestore(shared: boolean): Proc<void> {
    yield* this.acquire({ shared });
  }

  /**
   * Wakes the topmost entry without releasing anything: a spurious notification, for tests
   * (Ganeti's `_notify_topmost`).
   */
  notifyTopmost(): void {
    const top = this.pending[0];
    const entry = top?.entries[0];
    if (!top || !entry) return;
    this.rt.emit('lock.notify', this.name, modeText(entry.shared), entry.seq);
    entry.cond.notifyAll();
    if (entry.shared) {
      // The batch being woken takes no more sharers, or they could overtake exclusive waiters
      // queued behind it.
      // MUTANT(sharedlock-late-sharers-join): Ganeti 113359fe7 — the woken batch stays open and
      // sharers arriving afterwards still join it, overtaking earlier exclusive waiters.
      if (!this.mutants?.has('sharedlock-late-sharers-join')) this.pendingShared.delete(top.priority);
    }
  }

  toString(): string {
    return `<SharedLock name=${this.name}>`;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private checkDeleted(): void {
    if (this.deleted) throw new LockError(`Deleted lock ${this.name}`);
  }

  private canAcquire(shared: boolean): boolean {
    return shared ? this.exc === null : this.exc === null && this.shr.size === 0;
  }

  private grant(me: ThreadRef, shared: boolean, priority: number): void {
    if (shared) this.shr.add(me);
    else this.exc = me;
    this.rt.emit('lock.acquired', this.name, modeText(shared), priority);
  }

  private isOnTop(entry: WaitEntry): boolean {
    return this.pending[0]?.entries[0] === entry;
  }

  private queueFor(priority: number): PrioQueue {
    let q = this.pendingByPrio.get(priority);
    if (!q) {
      q = { priority, entries: [] };
      let i = this.pending.length;
      while (i > 0 && (this.pending[i - 1] as PrioQueue).priority > priority) i--;
      this.pending.splice(i, 0, q);
      this.pendingByPrio.set(priority, q);
    }
    return q;
  }

  /** A thread leaves `acquire`; the last one out removes the entry (and an emptied queue). */
  private leaveEntry(entry: WaitEntry, queue: PrioQueue, priority: number, me: ThreadRef): void {
    const i = entry.threads.indexOf(me);
    if (i >= 0) entry.threads.splice(i, 1);
    if (entry.threads.length > 0) return;
    const j = queue.entries.indexOf(entry);
    if (j >= 0) queue.entries.splice(j, 1);
    if (entry.shared && this.pendingShared.get(priority) === entry) this.pendingShared.delete(priority);
    if (queue.entries.length === 0 && this.pendingByPrio.get(priority) === queue) {
      this.pendingByPrio.delete(priority);
      const k = this.pending.indexOf(queue);
      if (k >= 0) this.pending.splice(k, 1);
    }
  }
}
