/**
 * The lock-driver plugin API (`lock_driver.h`, spec §1): the callbacks every plugin provides,
 * the per-operation context they work on, and the environment a plugin gets when it is loaded.
 *
 * libvirt keeps no lock-manager context between calls: every operation builds a fresh context
 * (New → AddResource… → one op → Free). All durable state lives in the lock daemon, keyed by the
 * owner PID. Callbacks that talk to a daemon or touch a disk take virtual time and are `Proc`s.
 * A callback fails by throwing a `VirError` (libvirt: `virReportError` and return -1).
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Disk, Proc, World } from '../sim/ports.js';
import type { LockFailureActionValue, ParamTypeValue, ResourceType } from './constants.js';

/** `virLockManagerParam`. UUIDs are strings; integer types are plain numbers. */
export interface LockManagerParam {
  readonly type: ParamTypeValue;
  readonly key: string;
  readonly value: string | number;
}

/** `virLockManager`: one operation's context. The driver keeps what it needs in `privateData`. */
export interface LockManagerContext {
  readonly driver: LockDriver;
  privateData: unknown;
}

/**
 * Where a path lives: which simulated disk holds it. A node sees its local disk plus shared
 * storage mounted at some prefixes (disk images, lockspace directories, lease files).
 */
export interface Storage {
  /** The disk holding `path` (a shared disk when a mount prefix matches, else the node's own). */
  diskFor(path: string): Disk;
}

/** What a plugin gets when loaded into a process (libvirtd, and the QEMU child forked from it). */
export interface DriverEnv {
  readonly world: World;
  /** Node the loading process runs on; its lock daemon is the one on this node. */
  readonly node: string;
  readonly storage: Storage;
  readonly mutants: MutantSet;
}

/**
 * `virLockDriver`. Every callback must be present; the wrappers of `manager.ts` check before each
 * call (a missing one is `VIR_ERR_INTERNAL_ERROR` "Missing '%s' field in lock manager driver"),
 * which is why they are optional in the type.
 */
export interface LockDriver {
  /** ABI version the plugin implements. */
  readonly version: number;
  /** `LOCK_DRIVER_USES_STATE` or 0. */
  readonly flags: number;
  /** Validates the ABI version and loads the config. Idempotent for the real drivers. */
  drvInit?(version: number, configFile: string | null, flags: number): Proc<void>;
  /** Runs when the plugin's refcount drops to 0; returning false keeps the plugin loaded. */
  drvDeinit?(): boolean;
  drvNew?(man: LockManagerContext, type: number, params: readonly LockManagerParam[], flags: number): Proc<void>;
  drvAddResource?(
    man: LockManagerContext,
    type: ResourceType | number,
    name: string,
    params: readonly LockManagerParam[],
    flags: number,
  ): Proc<void>;
  /**
   * Starts managing the context's resources; never blocks. Returns the leaked FD (a number) when
   * `wantFd`, else null.
   */
  drvAcquire?(
    man: LockManagerContext,
    state: string | null,
    flags: number,
    action: LockFailureActionValue,
    wantFd: boolean,
  ): Proc<number | null>;
  /** Gives the context's resources up; returns the state string when `wantState`. */
  drvRelease?(man: LockManagerContext, wantState: boolean, flags: number): Proc<string | null>;
  /** The current state without releasing. */
  drvInquire?(man: LockManagerContext, wantState: boolean, flags: number): Proc<string | null>;
  drvFree?(man: LockManagerContext): void;
}

/** How a plugin module is instantiated when "dlopen"ed into a process. */
export type LockDriverFactory = (env: DriverEnv) => LockDriver;
