/**
 * Constants of Ganeti's opcode processor and logical units (`errors.py`, `constants.py`,
 * v2.10) that the simulated LUs use. Values exact.
 */

/** Error codes carried as the second argument of `OpPrereqError` (`errors.ECODE_*`). */
export const ECODE_RESOLVER = 'resolver_error';
export const ECODE_NORES = 'insufficient_resources';
export const ECODE_TEMP_NORES = 'temp_insufficient_resources';
export const ECODE_INVAL = 'wrong_input';
export const ECODE_STATE = 'wrong_state';
export const ECODE_NOENT = 'unknown_entity';
export const ECODE_EXISTS = 'already_exists';
export const ECODE_NOTUNIQUE = 'resource_not_unique';
export const ECODE_FAULT = 'internal_error';
export const ECODE_ENVIRON = 'environment_error';

/** How `_LockInstancesNodes` recalculates a level's node locks (`constants.LOCKS_*`). */
export const LOCKS_REPLACE = 'replace';
export const LOCKS_APPEND = 'append';
export type LocksRecalc = typeof LOCKS_REPLACE | typeof LOCKS_APPEND;

/** Node evacuation modes (`constants.NODE_EVAC_*`). */
export const NODE_EVAC_PRI = 'primary-only';
export const NODE_EVAC_SEC = 'secondary-only';
export const NODE_EVAC_ALL = 'all';
export const NODE_EVAC_MODES = [NODE_EVAC_PRI, NODE_EVAC_SEC, NODE_EVAC_ALL] as const;

/** Reboot types (`constants.REBOOT_TYPES`). */
export const REBOOT_TYPES = ['soft', 'hard', 'full'] as const;

/** Instance creation modes (`constants.INSTANCE_CREATE` ...). */
export const INSTANCE_CREATE = 'create';

/** Migration modes (`constants.HT_MIGRATION_*`). */
export const HT_MIGRATION_LIVE = 'live';
export const HT_MIGRATION_NONLIVE = 'non-live';

/** `constants.DEFAULT_SHUTDOWN_TIMEOUT`, seconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 120;

/** Log line prefixes of `Processor.LogInfo` / `LogWarning`. */
export const LOG_INFO_PREFIX = ' - INFO: ';
export const LOG_WARNING_PREFIX = ' - WARNING: ';
