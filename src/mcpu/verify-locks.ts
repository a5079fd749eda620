/**
 * `mcpu._VerifyLocks` (spec §3.3): the node-allocation-lock (NAL) rules, checked after an LU got
 * all its locks and before it runs. Ganeti checks them with asserts in debug mode; we always do.
 *
 * - An LU that declares the node or node-res level must take the NAL in the same mode as that
 *   level (shared with shared), unless it is on the mode whitelist, where the modes must differ.
 * - An LU that wants all nodes or node resources (or owns all of them) must own the NAL, unless
 *   it is on the NAL whitelist, where it must not.
 *
 * Like Ganeti (its TODO), the modes are read from the LU's declarations, not from the locks held.
 */
import { AssertionError } from '../jqueue/errors.js';
import {
  ALL_SET,
  type AllSet,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  type Level,
  NAL,
} from '../locking/index.js';

/** The declarations `_VerifyLocks` reads. */
export interface LockDeclarations {
  readonly neededLocks: ReadonlyMap<Level, readonly string[] | AllSet> | null;
  readonly shareLocks: Readonly<Partial<Record<Level, boolean>>>;
}

/** The lock-manager queries `_VerifyLocks` makes. */
export interface OwnedLocksView {
  checkOwned(level: Level, names: string): boolean;
  owningAll(level: Level): boolean;
}

/** LU classes allowed to take the NAL in another mode than nodes (`_NODE_ALLOC_MODE_WHITELIST`). */
export type LuClassSet = ReadonlySet<abstract new (...args: never[]) => unknown>;

/**
 * Ganeti whitelists `LUBackupExport`, `LUBackupRemove` and `LUOobCommand` here; none of them is
 * in the simulated catalogue, so the whitelist is empty.
 */
export const NODE_ALLOC_MODE_WHITELIST: LuClassSet = new Set();
/** `_NODE_ALLOC_WHITELIST`: empty in Ganeti too. */
export const NODE_ALLOC_WHITELIST: LuClassSet = new Set();

function check(cond: boolean, message: string): void {
  if (!cond) throw new AssertionError(message);
}

export function verifyLocks(
  lu: LockDeclarations,
  glm: OwnedLocksView,
  modeWhitelist: LuClassSet = NODE_ALLOC_MODE_WHITELIST,
  nalWhitelist: LuClassSet = NODE_ALLOC_WHITELIST,
): void {
  const needed = lu.neededLocks;
  if (!needed) return;
  const haveNal = glm.checkOwned(LEVEL_NODE_ALLOC, NAL);
  const cls = (lu as object).constructor as abstract new (...args: never[]) => unknown;
  for (const level of [LEVEL_NODE, LEVEL_NODE_RES] as const) {
    const names = needed.get(level);
    if (names === undefined) continue;
    const shareNodeAlloc = lu.shareLocks[LEVEL_NODE_ALLOC] ?? false;
    const shareLevel = lu.shareLocks[level] ?? false;
    if (modeWhitelist.has(cls)) {
      check(shareNodeAlloc !== shareLevel, 'LU is whitelisted to use different modes for node allocation lock');
    } else {
      check(
        shareNodeAlloc === shareLevel,
        'Node allocation lock must be acquired using the same mode as nodes and node resources',
      );
    }
    if (nalWhitelist.has(cls)) {
      check(!haveNal, 'LU is whitelisted for not acquiring the node allocation lock');
    } else if (names === ALL_SET || glm.owningAll(level)) {
      check(haveNal, 'Node allocation lock must be used if an LU acquires all nodes or node resources');
    }
  }
}
