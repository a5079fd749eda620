/**
 * `LockSet`: a named set of `SharedLock`s of one resource type (spec §2).
 *
 * Deadlock avoidance: everything a thread needs from one set is requested in *one* call, and the
 * members are always taken in one global order (sorted names), so two callers never hold-and-wait
 * in opposite order. "All" acquires first take the set's internal lock (`<set>/[lockset]`) in the
 * same mode: shared lets other "all" sharers in but blocks `add`; exclusive lets the holder `add`.
 * One timeout covers the whole call; on timeout or error everything taken by the call is released.
 *
 * Ownership is recorded per thread: a thread "owns the level" while it holds members or the
 * internal lock.
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, Runtime, ThreadRef } from '../sim/ports.js';
import { getLsAcquireModeAndTimeouts, type LsAcquireMode } from './acquire-mode.js';
import { ALL_SET, type AllSet, DEFAULT_PRIORITY, type OwnedMode } from './constants.js';
import { LockError, LockUsageError, usageCheck } from './errors.js';
import type { LockMonitor } from './lock-monitor.js';
import { type AcquireOptions, SharedLock, type TimedWait } from './shared-lock.js';

export interface LockSetOptions {
  readonly monitor?: LockMonitor | null;
  readonly mutants?: MutantSet;
  /** For every lock of the set, the internal one included (`SharedLockOptions.timedWait`). */
  readonly timedWait?: TimedWait;
}

export interface LockSetAcquireOptions extends AcquireOptions {
  /**
   * Take whatever members are free right now (each tried with timeout 0) instead of all of them;
   * with names, `timeoutUs` must be absent. With `ALL_SET` the internal lock is still awaited (up to
   * `timeoutUs`) and stays held even if no member was obtained.
   */
  readonly opportunistic?: boolean;
}

export interface LockSetAddOptions {
  /** Acquire the new locks right away (Ganeti's `acquired=1`). */
  readonly acquired?: boolean;
  /** Mode of that acquisition. */
  readonly shared?: boolean;
}

export type LockNames = string | readonly string[] | AllSet;

/** Python's `repr` of a set of names, for Ganeti's messages (`set(['a', 'b'])`). */
export function pySetRepr(names: Iterable<string>): string {
  return `set([${[...names]
    .sort()
    .map((n) => `'${n}'`)
    .join(', ')}])`;
}

function asList(names: string | readonly string[]): readonly string[] {
  return typeof names === 'string' ? [names] : names;
}

export class LockSet {
  readonly name: string;
  private readonly rt: Runtime;
  private readonly monitor: LockMonitor | null;
  private readonly mutants: MutantSet | null;
  private readonly timedWait: TimedWait | undefined;
  /** The internal lock: holding it means holding "the whole set". */
  private readonly setLock: SharedLock;
  /** Member name -> lock, in insertion order. */
  private readonly locks = new Map<string, SharedLock>();
  /** Thread -> names of members it holds; a key exists while the thread owns anything here. */
  private readonly owners = new Map<ThreadRef, Set<string>>();

  constructor(rt: Runtime, members: readonly string[], name: string, opts: LockSetOptions = {}) {
    this.rt = rt;
    this.name = name;
    this.monitor = opts.monitor ?? null;
    this.mutants = opts.mutants ?? null;
    this.timedWait = opts.timedWait;
    this.setLock = new SharedLock(rt, this.lockName('[lockset]'), {
      monitor: this.monitor,
      mutants: opts.mutants,
      timedWait: opts.timedWait,
    });
    for (const m of members) this.locks.set(m, this.newLock(m));
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** Whether the calling thread owns anything in this set (members or the internal lock). */
  isOwned(): boolean {
    return this.owners.has(this.rt.current());
  }

  /**
   * Whether the calling thread holds every named lock in `mode`. `false` when it owns nothing in the
   * set; otherwise an unknown name is a `LockError`.
   */
  checkOwned(names: string | readonly string[], mode: OwnedMode = 'any'): boolean {
    const list = asList(names);
    if (list.length === 0 || !this.isOwned()) return false;
    const candidates = list.map((n) => {
      const lock = this.locks.get(n);
      if (!lock) throw new LockError(`Non-existing lock '${n}' in set '${this.name}' (it may have been removed)`);
      return lock;
    });
    return candidates.every((l) => l.isOwned(mode));
  }

  /** Whether the calling thread holds the internal lock, i.e. the whole set. */
  owningAll(): boolean {
    return this.setLock.isOwned();
  }

  /** Names of the members the calling thread holds (a copy). */
  listOwned(): Set<string> {
    return new Set(this.owners.get(this.rt.current()) ?? []);
  }

  /** Current member names, in insertion order (Ganeti's `_names()`). */
  names(): Set<string> {
    return new Set(this.locks.keys());
  }

  /** The internal lock (for tests and the lock monitor). */
  internalLock(): SharedLock {
    return this.setLock;
  }

  /** A member lock, or `undefined` (for tests and checkers). */
  member(name: string): SharedLock | undefined {
    return this.locks.get(name);
  }

  // -------------------------------------------------------------------------------------------
  // Acquire

  /**
   * Acquires the named members (or `ALL_SET`) in one call. Returns the names acquired, or `null`
   * when the timeout expired (then nothing stays held). An unknown or removed name in an exact
   * acquire is a `LockError`.
   */
  *acquire(names: LockNames, opts: LockSetAcquireOptions = {}): Proc<Set<string> | null> {
    const timeoutUs = opts.timeoutUs ?? null;
    usageCheck(timeoutUs === null || timeoutUs >= 0, 'negative-timeout', 'Timeout must not be negative');
    usageCheck(
      !this.isOwned(),
      'lockset-double-acquire',
      () => `Cannot acquire locks in the same set twice (lockset ${this.name})`,
    );
    const shared = opts.shared ?? false;
    const priority = opts.priority ?? DEFAULT_PRIORITY;
    const plan = getLsAcquireModeAndTimeouts(names === ALL_SET, timeoutUs, opts.opportunistic ?? false, this.rt);

    if (names !== ALL_SET) {
      return yield* this.acquireInner(asList(names), plan.mode, shared, priority, plan.memberTimeout);
    }
    // All: block `add` by others, then take a snapshot of the members. Members removed meanwhile
    // are skipped.
    const setLockTimeout = plan.setLockTimeout as () => number | null;
    if (!(yield* this.setLock.acquire({ shared, priority, timeoutUs: setLockTimeout() }))) return null;
    let result: Set<string> | null = null;
    try {
      this.addOwned();
      result = yield* this.acquireInner(this.memberOrder(), plan.mode, shared, priority, plan.memberTimeout);
    } finally {
      if (result === null) {
        this.setLock.release();
        this.delOwned();
      }
    }
    return result;
  }

  /** Member names of an "all" acquire, before sorting. */
  private memberOrder(): string[] {
    return [...this.locks.keys()];
  }

  private *acquireInner(
    names: readonly string[],
    mode: LsAcquireMode,
    shared: boolean,
    priority: number,
    timeoutFn: () => number | null,
  ): Proc<Set<string> | null> {
    // MUTANT(lockset-unsorted-all): Ganeti 71e1863e7 — "all" acquires take the members in
    // insertion order instead of sorted order, so they can hold-and-wait against a named acquire
    // that takes the same members in sorted order.
    const order =
      mode === 'all' && this.mutants?.has('lockset-unsorted-all') ? [...new Set(names)] : [...new Set(names)].sort();
    // Look every name up first: an unknown name in an exact acquire fails before anything is taken.
    const wanted: Array<[string, SharedLock]> = [];
    for (const n of order) {
      const lock = this.locks.get(n);
      if (lock) wanted.push([n, lock]);
      else if (mode === 'exact') throw this.notFound(n);
    }

    const acquired = new Set<string>();
    let ok = false;
    try {
      for (const [n, lock] of wanted) {
        const timeoutUs = timeoutFn();
        let got: boolean;
        try {
          got = yield* lock.acquire({ shared, timeoutUs, priority });
        } catch (e) {
          if (!(e instanceof LockError)) throw e;
          if (mode !== 'exact') continue; // removed meanwhile: "all" and opportunistic skip it
          throw this.notFound(n);
        }
        if (!got) {
          if (mode === 'opportunistic') continue;
          if (timeoutUs === null) throw new LockError(`Failed to get lock ${n} (set ${this.name})`);
          return null; // timeout: the finally below releases what this call took
        }
        this.addOwned(n);
        acquired.add(n);
      }
      ok = true;
    } finally {
      if (!ok) this.releaseAndDeleteOwned();
    }
    return acquired;
  }

  private notFound(n: string): LockError {
    return new LockError(`Lock '${n}' not found in set '${this.name}' (it may have been removed)`);
  }

  // -------------------------------------------------------------------------------------------
  // Release, downgrade

  /**
   * Releases the named members (default: all held). If the internal lock is held it is released
   * first, whatever `names` is: any partial release ends the "whole set" guarantee, and `release([])`
   * releases only the internal lock.
   */
  release(names?: string | readonly string[]): void {
    usageCheck(this.isOwned(), 'lockset-release-unowned', () => `release() on lock set ${this.name} while not owner`);
    const owned = this.listOwned();
    let todo: Set<string>;
    if (names === undefined) {
      todo = owned;
    } else {
      todo = new Set(asList(names));
      const unheld = [...todo].filter((n) => !owned.has(n));
      usageCheck(
        unheld.length === 0,
        'lockset-release-unheld',
        () => `release() on unheld resources ${pySetRepr(unheld)} (set ${this.name})`,
      );
    }
    if (this.setLock.isOwned()) {
      this.setLock.release();
      this.delOwned();
    }
    for (const n of [...todo].sort()) {
      (this.locks.get(n) as SharedLock).release();
      this.delOwned(n);
    }
  }

  /**
   * Downgrades the named members (default: all held) to shared; when the internal lock is held
   * exclusively and no member is held exclusively any more, the internal lock is downgraded too.
   */
  downgrade(names?: string | readonly string[]): boolean {
    usageCheck(
      this.isOwned(),
      'lockset-downgrade-unowned',
      () => `downgrade on lockset ${this.name} while not owning any lock`,
    );
    const owned = this.listOwned();
    let todo: Set<string>;
    if (names === undefined) {
      todo = owned;
    } else {
      todo = new Set(asList(names));
      const unheld = [...todo].filter((n) => !owned.has(n));
      usageCheck(
        unheld.length === 0,
        'lockset-downgrade-unheld',
        () => `downgrade() on unheld resources ${pySetRepr(unheld)} (set ${this.name})`,
      );
    }
    for (const n of [...todo].sort()) (this.locks.get(n) as SharedLock).downgrade();
    if (this.setLock.isOwned('exclusive')) {
      const anyExclusive = [...owned].some((n) => this.locks.get(n)?.isOwned('exclusive'));
      if (!anyExclusive) this.setLock.downgrade();
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Add, remove

  /**
   * Adds members. The caller must own nothing in the set, or own the internal lock exclusively;
   * otherwise the internal lock is taken exclusively (blocking) for the duration. A name already
   * present is a `LockError` (concurrency can cause it). With `acquired` the caller takes each new
   * lock in the given mode.
   */
  *add(names: string | readonly string[], opts: LockSetAddOptions = {}): Proc<void> {
    // MUTANT(lockset-add-partial): Ganeti d2aff862c — add() is allowed while the caller holds some
    // members but not the internal lock; it then waits for the internal lock while holding members,
    // against an "all" acquirer that holds the internal lock and waits for those members.
    const partialAllowed = this.mutants?.has('lockset-add-partial') === true && !this.setLock.isOwned();
    usageCheck(
      !this.isOwned() || this.setLock.isOwned('exclusive') || partialAllowed,
      'lockset-add-partial',
      () => `Cannot add locks if the set ${this.name} is only partially owned, or shared`,
    );
    const list = [...new Set(asList(names))];
    let releaseLock = false;
    if (!this.setLock.isOwned()) {
      yield* this.setLock.acquire({ shared: false });
      releaseLock = true;
    }
    try {
      const present = list.filter((n) => this.locks.has(n));
      if (present.length > 0) throw new LockError(`duplicate add(${pySetRepr(present)}) on lockset ${this.name}`);
      for (const n of list) {
        const lock = this.newLock(n);
        if (opts.acquired) {
          lock.acquireFresh(opts.shared ?? false);
          this.addOwned(n);
        }
        this.locks.set(n, lock);
      }
    } finally {
      if (releaseLock) this.setLock.release();
    }
  }

  /**
   * Removes members by deleting them (each `delete` waits for the lock exclusively unless the
   * caller holds it). The caller must own nothing in the set or a superset of `names`. Missing or
   * already deleted names are skipped. Returns the names this call removed. Does not take the
   * internal lock (as in Ganeti).
   */
  *remove(names: string | readonly string[]): Proc<string[]> {
    const list = asList(names);
    usageCheck(
      !this.isOwned() || list.every((n) => this.owners.get(this.rt.current())?.has(n)),
      'lockset-remove-partial',
      () => `remove() on acquired lockset ${this.name} while not owning all elements`,
    );
    const removed: string[] = [];
    for (const n of list) {
      const lock = this.locks.get(n);
      let deleted = false;
      if (lock) {
        try {
          yield* lock.delete();
          deleted = true;
        } catch (e) {
          if (!(e instanceof LockError)) throw e;
        }
      }
      if (!deleted) {
        // Somebody else removed it; that cannot happen to a lock we hold.
        usageCheck(!this.isOwned(), 'lockset-remove-failed', () => `remove failed while holding lockset ${this.name}`);
        continue;
      }
      // We deleted it, so nobody else can have it: drop it from the set and from our ownership.
      if (this.locks.get(n) === lock) this.locks.delete(n);
      if (lock) this.monitor?.unregister(lock);
      if (this.isOwned() && this.owners.get(this.rt.current())?.has(n)) this.delOwned(n);
      removed.push(n);
    }
    return removed;
  }

  // -------------------------------------------------------------------------------------------
  // Ownership bookkeeping

  private lockName(member: string): string {
    return `${this.name}/${member}`;
  }

  private newLock(member: string): SharedLock {
    return new SharedLock(this.rt, this.lockName(member), {
      monitor: this.monitor,
      mutants: this.mutants ?? undefined,
      timedWait: this.timedWait,
    });
  }

  private addOwned(name?: string): void {
    const me = this.rt.current();
    let set = this.owners.get(me);
    if (!set) this.owners.set(me, (set = new Set()));
    if (name !== undefined) set.add(name);
  }

  private delOwned(name?: string): void {
    const me = this.rt.current();
    if (name === undefined && this.setLock.isOwned()) {
      throw new LockUsageError('lockset-owner-status', 'Cannot hold internal lock when deleting owner status');
    }
    const set = this.owners.get(me);
    if (name !== undefined) set?.delete(name);
    if (!this.setLock.isOwned() && (set?.size ?? 0) === 0) this.owners.delete(me);
  }

  private releaseAndDeleteOwned(): void {
    for (const n of [...this.listOwned()].sort()) {
      const lock = this.locks.get(n);
      if (lock?.isOwned()) lock.release();
      this.delOwned(n);
    }
  }
}
