/**
 * The lock manager's trace events (`TraceEvents`, `src/sim/ports.ts`, says how events are
 * declared and read). Subject: the lock's name (`instance/inst1`, `cluster/BGL`,
 * `instance/[lockset]`). `priority` is the acquire's priority (lower is served first); `seq`
 * numbers the wait entries of one lock (one per exclusive waiter, one per batch of sharers).
 */
import type { LockMode } from './constants.js';

declare module '../sim/ports.js' {
  interface TraceEvents {
    'lock.create': [];
    /** An acquire begins; `timeoutUs` -1 waits forever. */
    'lock.acquire': [mode: LockMode, priority: number, timeoutUs: number];
    /** The acquire queued in wait entry `seq`. */
    'lock.wait': [mode: LockMode, priority: number, seq: number];
    'lock.acquired': [mode: LockMode, priority: number];
    /** The acquire gave up (try-lock failed or the timeout ran out). */
    'lock.timeout': [mode: LockMode, priority: number];
    /** A waiter found the lock deleted. */
    'lock.error': [mode: LockMode, priority: number];
    'lock.release': [mode: LockMode];
    'lock.downgrade': [];
    /** Wait entry `seq` was woken. */
    'lock.notify': [mode: LockMode, seq: number];
    'lock.delete': [];
  }
}
