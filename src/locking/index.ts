/**
 * Ganeti's lock manager (`lib/locking.py`, v2.10) on the simulation kernel: `SharedLock`,
 * `LockSet`, `LockManager` (Ganeti's `GanetiLockManager`), `LockMonitor`, and the wait-for graph
 * used to name deadlocks. Systems built on top (job queue, opcode processor) import from here only.
 */
export {
  getLsAcquireModeAndTimeouts,
  type LsAcquireMode,
  type LsAcquirePlan,
  RunningTimeout,
  timeoutZero,
} from './acquire-mode.js';
export {
  ALL_SET,
  type AllSet,
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
export { isLockUsageError, LockError, LockUsageError, type LockUsageRule } from './errors.js';
export {
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
export {
  ALL_LOCK_QUERY_ITEMS,
  type LockInfo,
  type LockInfoProvider,
  type LockQueryItem,
  LQ_MODE,
  LQ_OWNER,
  LQ_PENDING,
  type PendingInfo,
} from './lock-info.js';
export { LockManager, type LockManagerConfig, type LockManagerOptions } from './lock-manager.js';
export {
  DEFAULT_LOCK_FIELDS,
  LOCK_FIELDS,
  type LockField,
  LockMonitor,
  type LockQueryResponse,
  type QueryCell,
  type QueryFieldDefinition,
  RS_NORMAL,
} from './lock-monitor.js';
export {
  type LockNames,
  LockSet,
  type LockSetAcquireOptions,
  type LockSetAddOptions,
  type LockSetOptions,
} from './lock-set.js';
export { LockedCondition } from './locked-condition.js';
export { niceCompare, niceSort, niceSortKey } from './nice-sort.js';
export {
  type AcquireOptions,
  DEFAULT_TIMED_WAIT,
  type DeleteOptions,
  SharedLock,
  type SharedLockOptions,
  type TimedWait,
} from './shared-lock.js';
export { synchronized } from './synchronized.js';
export { threadNode, type WaitForEdge, type WaitForGraph, type WaitNode } from './wait-for.js';
