/**
 * Constants of libvirt's lock-manager plugin framework (spec §1.1, §2.1, §7.10): ABI version,
 * object and resource types, flags, parameter types, lock-failure actions, error codes and
 * error domains, and the virtlockd kill timing. Values are libvirt's own, so traces and error
 * reports read like libvirt's.
 */

/** `VIR_LOCK_MANAGER_VERSION` (1.0.0, encoded as major * 1 000 000 + minor * 1 000 + micro). */
export const LOCK_MANAGER_VERSION = 1_000_000;

/** Driver `.flags`: the plugin produces a state string that must travel with migration. */
export const LOCK_DRIVER_USES_STATE = 1 << 0;

/** The only object type (`VIR_LOCK_MANAGER_OBJECT_TYPE_DOMAIN`). */
export const OBJECT_TYPE_DOMAIN = 0;

/** `name` is the fully qualified path of a disk's top image; no parameters. */
export const RESOURCE_TYPE_DISK = 0;
/** `name` is a lease key; parameters `path`, `offset`, optional `lockspace`. */
export const RESOURCE_TYPE_LEASE = 1;
export type ResourceType = typeof RESOURCE_TYPE_DISK | typeof RESOURCE_TYPE_LEASE;

/** Readonly access: the real drivers record nothing. */
export const RESOURCE_READONLY = 1 << 0;
/** Shared read-write access. No flag at all means exclusive read-write. */
export const RESOURCE_SHARED = 1 << 1;

/** Acquire: register the object's PID only, acquire nothing. */
export const ACQUIRE_REGISTER_ONLY = 1 << 0;
/** Acquire: afterwards the registering connection may issue no more lock calls. */
export const ACQUIRE_RESTRICT = 1 << 1;

/** drvNew: the domain was just started (sanlock skips its "is it registered?" probe). */
export const NEW_STARTED = 1 << 0;

/** `virLockManagerParamType`. */
export const ParamType = {
  STRING: 0,
  CSTRING: 1,
  INT: 2,
  LONG: 3,
  UINT: 4,
  ULONG: 5,
  DOUBLE: 6,
  UUID: 7,
} as const;
export type ParamTypeValue = (typeof ParamType)[keyof typeof ParamType];

/** `virDomainLockFailureAction` (`<on_lockfailure>`). */
export const LockFailureAction = {
  DEFAULT: 0,
  POWEROFF: 1,
  RESTART: 2,
  PAUSE: 3,
  IGNORE: 4,
} as const;
export type LockFailureActionValue = (typeof LockFailureAction)[keyof typeof LockFailureAction];

export const LOCK_FAILURE_ACTION_NAMES: Readonly<Record<LockFailureActionValue, string>> = {
  0: 'default',
  1: 'poweroff',
  2: 'restart',
  3: 'pause',
  4: 'ignore',
};

/** `virErrorNumber` values used here (spec §7.10 plus the hypervisor's own). */
export const VirErr = {
  INTERNAL_ERROR: 1,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  OPERATION_DENIED: 29,
  SYSTEM_ERROR: 38,
  NO_DOMAIN: 42,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  RESOURCE_BUSY: 87,
} as const;
export type VirErrCode = (typeof VirErr)[keyof typeof VirErr];

/** `virErrorDomain` values used here. */
export const VirFrom = {
  RPC: 7,
  QEMU: 10,
  LOCKING: 42,
  LOCKSPACE: 51,
} as const;
export type VirFromDomain = (typeof VirFrom)[keyof typeof VirFrom];

/** Names of the error codes, for messages and traces. */
export function virErrName(code: number): string {
  for (const [name, value] of Object.entries(VirErr)) if (value === code) return name;
  return `ERR_${code}`;
}

// ---------------------------------------------------------------------------------------------
// virtlockd (spec §2)

/** RPC program of virtlockd (`VIR_LOCK_SPACE_PROTOCOL_PROGRAM`). */
export const LOCKD_PROGRAM = 0xea7beef;
/** Service name the daemon serves on its node (stands for `/run/libvirt/virtlockd-sock`). */
export const LOCKD_SERVICE = 'virtlockd';
export const LOCKD_SOCKET_PATH = '/run/libvirt/virtlockd-sock';
/** State file written before a re-exec (spec §2.4). */
export const LOCKD_RESTART_EXEC_FILE = '/run/virtlockd-restart-exec.json';

/** virtlockd RPC procedures (spec §2.1). */
export const LockdProc = {
  REGISTER: 1,
  RESTRICT: 2,
  NEW: 3,
  CREATE_RESOURCE: 4,
  DELETE_RESOURCE: 5,
  ACQUIRE_RESOURCE: 6,
  RELEASE_RESOURCE: 7,
  CREATE_LOCKSPACE: 8,
} as const;
export type LockdProcNumber = (typeof LockdProc)[keyof typeof LockdProc];

/** Protocol flags of ACQUIRE_RESOURCE (`virLockSpaceProtocolAcquireResourceFlags`). */
export const LOCKSPACE_ACQUIRE_SHARED = 1 << 0;
export const LOCKSPACE_ACQUIRE_AUTOCREATE = 1 << 1;

/** virtlockd's kill loop on an owner's connection close (spec §2.3): one probe per tick. */
export const LOCKD_KILL_TICK_US = 200_000;
/** SIGKILL is sent at this tick (~1.6 s). */
export const LOCKD_KILL_SIGKILL_TICK = 8;
/** The daemon gives up after this many ticks (3 s). */
export const LOCKD_KILL_TICKS = 15;
/** Upper bound from the owner connection's close to the owner's death (spec §6.4, invariant 7). */
export const LOCKD_KILL_BOUND_US = LOCKD_KILL_TICKS * LOCKD_KILL_TICK_US;
