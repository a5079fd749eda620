/**
 * Where a search's worker threads start. Compiled, a worker loads `worker.js` directly: no
 * TypeScript compilation at run time, so it starts in a fraction of a second. When gnt-sim itself
 * runs from its TypeScript sources (vitest in this repository, or tsx), a worker thread has no
 * TypeScript loader yet, so it starts at a plain-JavaScript boot file that registers tsx first.
 */
import { RUNNING_FROM_SOURCES } from './import-module.js';

/** The module a search's worker thread runs. */
export function workerEntryUrl(): URL {
  return RUNNING_FROM_SOURCES ? new URL('./worker-boot.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
}
