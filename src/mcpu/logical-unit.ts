/**
 * `cmdlib.base.LogicalUnit`: what every logical unit declares and the helpers they share
 * (spec §8.2). An LU declares, per lock level:
 *
 * - `neededLocks` — names (or `ALL_SET`) to acquire; set by `expandNames`, possibly completed by
 *   `declareLocks(level)` right before the level is acquired;
 * - `shareLocks` — acquire shared (default exclusive); `opportunisticLocks` — take what is free;
 * - `addLocks` — locks to create (acquired at once), which become `removeLocks` so that a failed
 *   LU removes them again (an LU that succeeds drops that entry);
 * - `removeLocks` — locks to delete when the level unwinds;
 * - `recalculateLocks` — node levels derived from the owned instances (`lockInstancesNodes`).
 *
 * Levels are Ganeti's integers, so the declarations are `Map`s keyed by level (a level "in
 * needed_locks" is `neededLocks.has(level)`), iterated in insertion order only for display.
 */

import type { ClusterConfig } from '../config/cluster-config.js';
import { OpPrereqError, pyAssert } from '../jqueue/errors.js';
import type { OpInput } from '../jqueue/opcode.js';
import {
  ALL_SET,
  type AllSet,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  LEVEL_NODE_RES,
  LEVELS,
  type Level,
  type LockManager,
} from '../locking/index.js';
import type { Proc, Runtime } from '../sim/ports.js';
import { ECODE_NOENT, LOCKS_APPEND, LOCKS_REPLACE, type LocksRecalc } from './constants.js';
import { NotImplementedError } from './errors.js';
import type { SimulatedWork } from './work.js';

/** Names to acquire at one level: a list or the whole level. */
export type LevelLocks = string[] | AllSet;

/** What happens to the cluster besides config and locks when nodes come and go (the job queue's `AddNode`/`RemoveNode`). */
export interface NodeHooks {
  nodeAdded?(name: string, masterCandidate: boolean): Proc<void>;
  nodeRemoved?(name: string): Proc<void>;
}

/**
 * The hypervisor side of the instance LUs (Ganeti's RPCs to the node daemons' hypervisor), when a
 * simulated hypervisor is wired in (`src/cluster/hypervisor/ganeti-hooks.ts`); a failure is an
 * `OpExecError` that fails the LU.
 */
export interface InstanceHooks {
  startup?(instance: string, node: string): Proc<void>;
  shutdown?(instance: string, node: string): Proc<void>;
  migrate?(instance: string, source: string, target: string): Proc<void>;
  failover?(instance: string, source: string, target: string, start: boolean): Proc<void>;
  /** Hot-plugs the instance's new disk `index` into the running instance on `node`. */
  diskAdd?(instance: string, node: string, index: number): Proc<void>;
  /** Hot-unplugs the running instance's disk `index` on `node` before it is removed. */
  diskRemove?(instance: string, node: string, index: number): Proc<void>;
}

/** The master daemon's context as an LU sees it (Ganeti's `context` plus `proc`). */
export interface LuEnv {
  readonly rt: Runtime;
  readonly glm: LockManager;
  readonly cfg: ClusterConfig;
  readonly work: SimulatedWork;
  readonly nodeHooks?: NodeHooks;
  readonly instanceHooks?: InstanceHooks;
}

/** The processor's logging (`Processor.Log`, `LogInfo`, `LogWarning`, `LogStep`): job feedback. */
export interface LuLog {
  log(message: string): Proc<void>;
  logInfo(message: string): Proc<void>;
  logWarning(message: string): Proc<void>;
  logStep(current: number, total: number, message: string): Proc<void>;
}

/** `cmdlib.ResultWithJobs`: an LU result asking the processor to submit jobs (spec §7). */
export class ResultWithJobs {
  constructor(
    /** A list of jobs, each a list of opcodes. */
    readonly jobs: OpInput[][],
    /** Further result keys (must not contain `jobs`). */
    readonly other: Record<string, unknown> = {},
  ) {}
}

/** One flag per level, indexed by level (`LEVELS[i] === i`). */
function levelFlags(value: boolean): Record<Level, boolean> {
  return LEVELS.map(() => value) as unknown as Record<Level, boolean>;
}

/** `ShareAll()`: every level shared. */
export function shareAll(): Record<Level, boolean> {
  return levelFlags(true);
}

/** `CopyLockList`: a copy of a level's lock list (`ALL_SET` stays `ALL_SET`). */
export function copyLockList(names: LevelLocks | undefined): LevelLocks {
  if (names === undefined) return [];
  return names === ALL_SET ? ALL_SET : [...names];
}

/**
 * The class side of an LU: what the processor needs before instantiating it. Each LU's
 * constructor takes the validated opcode of its own `OP_ID` (`ValidOp`), which the processor
 * alone knows it has (`dispatch.ts` pairs each OP_ID with its class, checked by the compiler).
 */
export interface LuClass {
  readonly name: string;
  /** Run with the BGL held exclusively (alone in the cluster). Ganeti's default is true. */
  readonly REQ_BGL: boolean;
  new (op: never, env: LuEnv, log: LuLog): LogicalUnit;
}

/** An opcode naming an instance (the instance helpers below need one). */
export type InstanceOp = OpInput & { instance_name: string };

/**
 * A logical unit of opcode `Op`: `LogicalUnit<ValidOp<'OP_INSTANCE_STARTUP'>>` reads
 * `this.op.instance_name` as a string, as `opcodes.ts` declares it.
 */
export abstract class LogicalUnit<Op extends OpInput = OpInput> {
  static readonly REQ_BGL: boolean = true;

  neededLocks: Map<Level, LevelLocks> | null = null;
  shareLocks: Record<Level, boolean> = levelFlags(false);
  opportunisticLocks: Record<Level, boolean> = levelFlags(false);
  /** A single name (Ganeti's LUs add one instance name) or a list. */
  readonly addLocks = new Map<Level, string | string[]>();
  readonly removeLocks = new Map<Level, string | string[]>();
  readonly recalculateLocks = new Map<Level, LocksRecalc>();
  /** What a dry run returns. */
  dryRunResult: unknown = null;

  constructor(
    readonly op: Op,
    readonly env: LuEnv,
    readonly proc: LuLog,
  ) {
    this.checkArguments();
  }

  get cfg(): ClusterConfig {
    return this.env.cfg;
  }

  get glm(): LockManager {
    return this.env.glm;
  }

  /** The LU's class name (Ganeti's `lu.__class__.__name__`). */
  get luName(): string {
    return this.constructor.name;
  }

  /** Syntactic checks of the opcode's arguments, before any lock. */
  checkArguments(): void {}

  /**
   * Declares the locks. LUs that run with the BGL held exclusively need none; the others must
   * override this.
   */
  expandNames(): void {
    if ((this.constructor as LuClass).REQ_BGL) this.neededLocks = new Map();
    else throw new NotImplementedError(`${this.luName}.ExpandNames`);
  }

  /** Called right before `level` is acquired (only for levels the LU declared). */
  declareLocks(_level: Level): void {}

  /** Checks the preconditions with the locks held; may take (virtual) time. */
  *checkPrereq(): Proc<void> {}

  /** Does the work; returns the opcode result (or a `ResultWithJobs`). */
  abstract exec(): Proc<unknown>;

  // -------------------------------------------------------------------------------------------
  // Helpers shared by LUs (cmdlib/base.py, cmdlib/common.py)

  /** `owned_locks(level)`: names the running thread holds at `level`. */
  ownedLocks(level: Level): Set<string> {
    return this.glm.listOwned(level);
  }

  /** Level's declared lock list (throws when the LU did not declare the level). */
  needed(level: Level): LevelLocks {
    const names = this.neededLocks?.get(level);
    pyAssert(names !== undefined, `level ${level} not in needed_locks`);
    return names;
  }

  /** `_ExpandAndLockInstance`: checks the instance exists and declares its lock. */
  expandAndLockInstance(this: LogicalUnit<InstanceOp>): void {
    if (this.neededLocks === null) this.neededLocks = new Map();
    pyAssert(!this.neededLocks.has(LEVEL_INSTANCE), '_ExpandAndLockInstance called with instance-level locks set');
    const name = this.op.instance_name;
    this.op.instance_name = expandInstanceName(this.cfg, name);
    this.neededLocks.set(LEVEL_INSTANCE, [name]);
  }

  /**
   * The lock pattern of LUs that change an instance's block devices (removal, disk changes): the
   * instance, then all its nodes and their node resources, recalculated from the instance lock.
   * `declareInstanceNodeLocks` is the matching `DeclareLocks`.
   */
  expandAndLockInstanceAndNodes(this: LogicalUnit<InstanceOp>): void {
    this.expandAndLockInstance();
    this.neededLocks?.set(LEVEL_NODE, []);
    this.neededLocks?.set(LEVEL_NODE_RES, []);
    this.recalculateLocks.set(LEVEL_NODE, LOCKS_REPLACE);
  }

  /** Node locks from the owned instance; node-resource locks a copy of the node locks. */
  declareInstanceNodeLocks(level: Level): void {
    if (level === LEVEL_NODE) this.lockInstancesNodes();
    else if (level === LEVEL_NODE_RES) {
      this.neededLocks?.set(LEVEL_NODE_RES, copyLockList(this.neededLocks.get(LEVEL_NODE)));
    }
  }

  /**
   * `_LockInstancesNodes`: the node locks of the instances this LU owns (primary only, or all
   * their nodes), replacing or extending the level's list as `recalculateLocks` says.
   */
  lockInstancesNodes(primaryOnly = false, level: Level = LEVEL_NODE): void {
    const mode = this.recalculateLocks.get(level);
    pyAssert(mode !== undefined, '_LockInstancesNodes helper function called with no nodes to recalculate');
    const wanted: string[] = [];
    for (const name of [...this.ownedLocks(LEVEL_INSTANCE)].sort()) {
      const inst = this.cfg.getInstanceInfo(name);
      if (!inst) continue;
      wanted.push(inst.primaryNode);
      if (!primaryOnly) wanted.push(...inst.secondaryNodes);
    }
    const locks = this.neededLocks ?? new Map<Level, LevelLocks>();
    this.neededLocks = locks;
    if (mode === LOCKS_REPLACE) {
      locks.set(level, wanted);
    } else if (mode === LOCKS_APPEND) {
      const current = locks.get(level);
      pyAssert(current !== undefined && current !== ALL_SET, 'cannot append to ALL_SET');
      current.push(...wanted);
    }
    this.recalculateLocks.delete(level);
  }

  /**
   * `ReleaseLocks(lu, level, names=, keep=)`: releases the named locks, or all but `keep`, or
   * everything at `level`.
   */
  releaseLocks(level: Level, opts: { names?: readonly string[]; keep?: readonly string[] } = {}): void {
    pyAssert(!(opts.names && opts.keep), "Only one of the 'names' and the 'keep' parameters can be given");
    const owned = [...this.ownedLocks(level)].sort();
    const shouldRelease = opts.names
      ? (n: string) => opts.names?.includes(n) ?? false
      : opts.keep && opts.keep.length > 0
        ? (n: string) => !(opts.keep?.includes(n) ?? false)
        : null;
    if (!this.glm.isOwned(level)) return;
    if (shouldRelease) {
      const release = owned.filter(shouldRelease);
      this.glm.release(level, release);
    } else {
      this.glm.release(level);
      pyAssert(!this.glm.isOwned(level), 'No locks should be owned');
    }
  }
}

/** `ExpandInstanceName`: the instance must exist (`OpPrereqError(..., ECODE_NOENT)`). */
export function expandInstanceName(cfg: ClusterConfig, name: string): string {
  if (!cfg.getInstanceInfo(name)) {
    throw new OpPrereqError(`Instance '${name}' not known`, ECODE_NOENT);
  }
  return name;
}

/** `ExpandNodeName`: the node must exist. */
export function expandNodeName(cfg: ClusterConfig, name: string): string {
  if (!cfg.getNodeInfo(name)) throw new OpPrereqError(`Node '${name}' not known`, ECODE_NOENT);
  return name;
}

/** `LookupNodeGroup`. */
export function lookupNodeGroup(cfg: ClusterConfig, name: string): string {
  if (!cfg.getNodeGroup(name)) throw new OpPrereqError(`Node group '${name}' not found`, ECODE_NOENT);
  return name;
}

/** `LookupNetwork`. */
export function lookupNetwork(cfg: ClusterConfig, name: string): string {
  if (!cfg.getNetwork(name)) throw new OpPrereqError(`Network '${name}' not found`, ECODE_NOENT);
  return name;
}
