/**
 * The opcode processor's trace events (`TraceEvents`, `src/sim/ports.ts`, says how events are
 * declared and read). Subject: the opcode (`job/<id>/op/<index>`).
 */

declare module '../sim/ports.js' {
  interface TraceEvents {
    /** The logical unit of opcode `opId` runs (its locks are held). */
    'mcpu.exec': [opId: string];
    /** The LU returned jobs to submit, as JSON (`null` when it returned none). */
    'mcpu.jobs': [jobs: string];
    /** The LU waits for the jobs it submitted (ids comma-separated). */
    'mcpu.wait-children': [jobIds: string];
  }
}

export {};
