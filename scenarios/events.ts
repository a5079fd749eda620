/**
 * Trace events that scenarios emit themselves (`TraceEvents`, `src/sim/ports.ts`, says how
 * events are declared and read). Faults planned through a scenario's `FaultVocabulary` need no
 * declaration: their strikes are traced as `fault.<verb>` by the kernel.
 */

declare module '../src/sim/ports.js' {
  interface TraceEvents {
    /**
     * Subject `job/<id>`: a watching client (`ganeti/clients.ts`) calls `WaitForJobChange`, having
     * seen status `seen` (null: nothing yet), with its timeout.
     */
    'watch.call': [client: string, seen: string | null, timeoutUs: number];
    /** The call returned: `changed` (with the new status), `nochange`, `gone` or `failed` (master died; with the status it had seen). */
    'watch.return': [client: string, result: 'changed' | 'nochange' | 'gone' | 'failed', status: string | null];
  }
}

export {};
