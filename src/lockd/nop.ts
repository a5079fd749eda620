/**
 * The built-in `nop` lock driver (`lock_driver_nop.c`): accepts everything, locks nothing, and
 * returns no state. It is libvirt's default (`lock_manager = "nop"`). Its callbacks take no
 * virtual time, so they return generators that finish at once.
 */
import type { Proc } from '../sim/ports.js';
import { LOCK_MANAGER_VERSION } from './constants.js';
import type { LockDriver } from './driver.js';

/** A `Proc` that returns `value` without a scheduling point. */
function done<T>(value: T): Proc<T> {
  // biome-ignore lint/correctness/useYield: a callback that takes no virtual time has no scheduling point
  return (function* () {
    return value;
  })();
}

export function createNopDriver(): LockDriver {
  return {
    version: LOCK_MANAGER_VERSION,
    flags: 0,
    drvInit: () => done(undefined),
    drvDeinit: () => true,
    drvNew: () => done(undefined),
    drvAddResource: () => done(undefined),
    drvAcquire: (_man, _state, _flags, _action, wantFd) => done(wantFd ? -1 : null),
    drvRelease: () => done(null),
    drvInquire: () => done(null),
    drvFree() {},
  };
}
