/**
 * `LockManager`: Ganeti's `GanetiLockManager` (spec §3). One `LockSet` per level; the rules that
 * make the whole hierarchy deadlock-free are checked on every call (Ganeti checks them with Python
 * asserts; we always do, and a violation is a `LockUsageError` naming the rule):
 *
 * - the BGL is acquired first (every other acquire needs it) and released last;
 * - nothing is acquired at a level while anything is held at a greater level (and a level is
 *   acquired in one call, which the `LockSet` enforces);
 * - locks are added and removed only at `LEVELS_MOD`, with the BGL held.
 *
 * Singleton: Ganeti allows one manager per process ("double GanetiLockManager instance"). Here the
 * scope is the simulated process of the thread that creates it (so a restarted master daemon can
 * build a new one), or the runtime when created outside any process.
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, Runtime } from '../sim/ports.js';
import type { OwnedMode } from './constants.js';
import { ALL_SET } from './constants.js';
import { usageCheck } from './errors.js';
import {
  BGL,
  isLevel,
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NAMES,
  LEVEL_NETWORK,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  LEVEL_NODEGROUP,
  LEVELS,
  LEVELS_MOD,
  type Level,
  NAL,
} from './levels.js';
import type { LockInfoProvider } from './lock-info.js';
import { LockMonitor, type LockQueryResponse } from './lock-monitor.js';
import { type LockNames, LockSet, type LockSetAcquireOptions, type LockSetAddOptions, pySetRepr } from './lock-set.js';
import type { TimedWait } from './shared-lock.js';

/** Initial contents of the modifiable levels. Node UUIDs serve both `node` and `node-res`. */
export interface LockManagerConfig {
  readonly nodes: readonly string[];
  readonly nodeGroups: readonly string[];
  readonly instances: readonly string[];
  readonly networks: readonly string[];
}

export interface LockManagerOptions {
  readonly mutants?: MutantSet;
  /** Monitor to register every lock with; a new one when absent. */
  readonly monitor?: LockMonitor;
  /** For every lock of every level (`SharedLockOptions.timedWait`); default `'ganeti'`. */
  readonly timedWait?: TimedWait;
}

/** Scopes (processes, or runtimes) that already have a manager. Weak: never iterated. */
const managerScopes = new WeakSet<object>();

function singletonScope(rt: Runtime): object {
  try {
    return rt.current().process ?? rt;
  } catch {
    return rt; // created outside a simulated thread (test set-up, scenario builder)
  }
}

export class LockManager {
  readonly monitor: LockMonitor;
  private readonly keyring: readonly LockSet[];

  private constructor(rt: Runtime, config: LockManagerConfig, opts: LockManagerOptions) {
    const scope = singletonScope(rt);
    usageCheck(!managerScopes.has(scope), 'manager-singleton', 'double GanetiLockManager instance');
    managerScopes.add(scope);
    this.monitor = opts.monitor ?? new LockMonitor();
    const set = (members: readonly string[], level: Level) =>
      new LockSet(rt, members, LEVEL_NAMES[level], {
        monitor: this.monitor,
        mutants: opts.mutants,
        timedWait: opts.timedWait,
      });
    const sets: Record<Level, LockSet> = {
      [LEVEL_CLUSTER]: set([BGL], LEVEL_CLUSTER),
      [LEVEL_NODE]: set(config.nodes, LEVEL_NODE),
      [LEVEL_NODE_RES]: set(config.nodes, LEVEL_NODE_RES),
      [LEVEL_NODEGROUP]: set(config.nodeGroups, LEVEL_NODEGROUP),
      [LEVEL_INSTANCE]: set(config.instances, LEVEL_INSTANCE),
      [LEVEL_NETWORK]: set(config.networks, LEVEL_NETWORK),
      [LEVEL_NODE_ALLOC]: set([NAL], LEVEL_NODE_ALLOC),
    };
    this.keyring = LEVELS.map((l) => sets[l]);
  }

  /** Builds the manager (one per simulated process). */
  static create(rt: Runtime, config: LockManagerConfig, opts: LockManagerOptions = {}): LockManager {
    return new LockManager(rt, config, opts);
  }

  /**
   * Forgets the singleton registration of `rt`'s current scope (Ganeti's test tear-down
   * `GanetiLockManager._instance = None`).
   */
  static resetSingleton(rt: Runtime): void {
    managerScopes.delete(singletonScope(rt));
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** The lock set of a level (tests, checkers). */
  lockSet(level: Level): LockSet {
    this.checkLevel(level);
    return this.keyring[level] as LockSet;
  }

  /** Lock names at a level (Ganeti's `_names`). */
  names(level: Level): Set<string> {
    return this.lockSet(level).names();
  }

  isOwned(level: Level): boolean {
    return this.lockSet(level).isOwned();
  }

  listOwned(level: Level): Set<string> {
    return this.lockSet(level).listOwned();
  }

  checkOwned(level: Level, names: string | readonly string[], mode: OwnedMode = 'any'): boolean {
    return this.lockSet(level).checkOwned(names, mode);
  }

  owningAll(level: Level): boolean {
    return this.lockSet(level).owningAll();
  }

  /** `QueryLocks(fields)`. */
  queryLocks(fields: readonly string[]): LockQueryResponse {
    return this.monitor.queryLocks(fields);
  }

  /** Registers another information provider (e.g. the job dependency manager). */
  addToLockMonitor(provider: LockInfoProvider): void {
    this.monitor.register(provider);
  }

  // -------------------------------------------------------------------------------------------
  // Operations

  /**
   * Acquires locks at `level` (names, one name or `ALL_SET`). Returns the names acquired, or `null`
   * on timeout.
   */
  *acquire(level: Level, names: LockNames, opts: LockSetAcquireOptions = {}): Proc<Set<string> | null> {
    this.checkLevel(level);
    usageCheck(
      this.containsBGL(level, names) || this.bglOwned(),
      'bgl-not-owned',
      'You must own the Big Ganeti Lock before acquiring any other',
    );
    usageCheck(
      !this.upperOwned(level),
      'level-order',
      'Cannot acquire locks at a level while owning some at a greater one',
    );
    return yield* this.lockSet(level).acquire(names, opts);
  }

  downgrade(level: Level, names?: string | readonly string[]): boolean {
    this.checkLevel(level);
    return this.lockSet(level).downgrade(names);
  }

  release(level: Level, names?: string | readonly string[]): void {
    this.checkLevel(level);
    usageCheck(
      !this.containsBGL(level, names ?? ALL_SET) || !this.upperOwned(LEVEL_CLUSTER),
      'bgl-release',
      () => `Cannot release the Big Ganeti Lock while holding something at upper levels (${this.ownedSummary()})`,
    );
    this.lockSet(level).release(names);
  }

  *add(level: Level, names: string | readonly string[], opts: LockSetAddOptions = {}): Proc<void> {
    usageCheck(LEVELS_MOD.has(level), 'level-immutable', `Invalid or immutable level ${level}`);
    usageCheck(this.bglOwned(), 'bgl-not-owned', 'You must own the BGL before performing other operations');
    usageCheck(
      !this.upperOwned(level),
      'level-order',
      'Cannot add locks at a level while owning some at a greater one',
    );
    yield* this.lockSet(level).add(names, opts);
  }

  *remove(level: Level, names: string | readonly string[]): Proc<string[]> {
    usageCheck(LEVELS_MOD.has(level), 'level-immutable', `Invalid or immutable level ${level}`);
    usageCheck(this.bglOwned(), 'bgl-not-owned', 'You must own the BGL before performing other operations');
    usageCheck(
      this.isOwned(level) || !this.upperOwned(level),
      'level-order',
      'Cannot remove locks at a level while not owning it or owning some at a greater one',
    );
    return yield* this.lockSet(level).remove(names);
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private checkLevel(level: Level): void {
    usageCheck(isLevel(level), 'level-invalid', () => `Invalid locking level ${String(level)}`);
  }

  /** Whether anything is held at a level greater than `level`. */
  private upperOwned(level: Level): boolean {
    for (let l = level + 1; l < this.keyring.length; l++) if ((this.keyring[l] as LockSet).isOwned()) return true;
    return false;
  }

  private bglOwned(): boolean {
    return (this.keyring[LEVEL_CLUSTER] as LockSet).listOwned().has(BGL);
  }

  /** Whether acting on `names` at `level` changes the BGL. */
  private containsBGL(level: Level, names: LockNames): boolean {
    if (level !== LEVEL_CLUSTER) return false;
    if (names === ALL_SET) return true;
    return typeof names === 'string' ? names.includes(BGL) : names.includes(BGL);
  }

  private ownedSummary(): string {
    return LEVELS.map((l) => `${LEVEL_NAMES[l]}=${pySetRepr(this.listOwned(l))}`).join(', ');
  }
}
