/**
 * Trace events that only tests emit, declared like any subsystem's (`TraceEvents`,
 * `src/sim/ports.ts`): a test program's own observations.
 */

declare module '../../src/sim/ports.js' {
  interface TraceEvents {
    /** A test thread's wait returned (`notified` false: it timed out). */
    'test.woke': [notified: boolean];
    /** A test thread bumped the shared counter to `counter`. */
    'test.counter': [counter: number];
    /** A test thread's disk write failed as planned. */
    'test.write-failed': [];
    /** A test thread wrote its `n`th file. */
    'test.wrote': [n: number];
    /** The exhaustive-search tests' threads read and write cells (subject: the cell). */
    'cell.read': [];
    'cell.write': [];
    /** A hostile fixture scenario's event, which its checker throws on. */
    'fixture.event': [detail: string];
    /** The lock-cycle tests' minimal lock (`lock-cycles.ts`), subject the lock: taken, released. */
    'mini.take': [who: string, mode: 'shared' | 'exclusive'];
    'mini.release': [who: string];
    /** A test's free-form detail. */
    'test.detail': [detail: string];
  }
}

export {};
