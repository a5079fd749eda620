/**
 * The lock-manager wrappers (`lock_manager.c`): each checks that the driver provides the callback
 * before calling it (a missing one is `VIR_ERR_INTERNAL_ERROR` "Missing '%s' field in lock manager
 * driver") and otherwise passes straight through.
 */
import { type LockFailureActionValue, type ResourceType, VirErr, VirFrom } from './constants.js';
import type { LockDriver, LockManagerContext, LockManagerParam } from './driver.js';
import { VirError } from './errors.js';
import type { LockManagerPlugin } from './plugin.js';

function missing(field: string): VirError {
  return new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, `Missing '${field}' field in lock manager driver`);
}

function need<K extends keyof LockDriver>(driver: LockDriver, field: K): NonNullable<LockDriver[K]> {
  const fn = driver[field];
  if (!fn) throw missing(field);
  return fn as NonNullable<LockDriver[K]>;
}

/** `virLockManagerNew`: a fresh context for one operation. */
export function* lockManagerNew(
  plugin: LockManagerPlugin,
  type: number,
  params: readonly LockManagerParam[],
  flags: number,
): Generator<unknown, LockManagerContext, unknown> {
  const driver = plugin.driver;
  const drvNew = need(driver, 'drvNew');
  const man: LockManagerContext = { driver, privateData: null };
  yield* drvNew.call(driver, man, type, params, flags);
  return man;
}

export function* lockManagerAddResource(
  man: LockManagerContext,
  type: ResourceType | number,
  name: string,
  params: readonly LockManagerParam[],
  flags: number,
): Generator<unknown, void, unknown> {
  yield* need(man.driver, 'drvAddResource').call(man.driver, man, type, name, params, flags);
}

export function* lockManagerAcquire(
  man: LockManagerContext,
  state: string | null,
  flags: number,
  action: LockFailureActionValue,
  wantFd: boolean,
): Generator<unknown, number | null, unknown> {
  return yield* need(man.driver, 'drvAcquire').call(man.driver, man, state, flags, action, wantFd);
}

export function* lockManagerRelease(
  man: LockManagerContext,
  wantState: boolean,
  flags: number,
): Generator<unknown, string | null, unknown> {
  return yield* need(man.driver, 'drvRelease').call(man.driver, man, wantState, flags);
}

export function* lockManagerInquire(
  man: LockManagerContext,
  wantState: boolean,
  flags: number,
): Generator<unknown, string | null, unknown> {
  return yield* need(man.driver, 'drvInquire').call(man.driver, man, wantState, flags);
}

export function lockManagerFree(man: LockManagerContext | null): void {
  if (!man) return;
  need(man.driver, 'drvFree').call(man.driver, man);
}
