/**
 * Trace events that scenarios emit themselves (`TraceEvents`, `src/sim/ports.ts`, says how
 * events are declared and read). Faults planned through a scenario's `FaultVocabulary` need no
 * declaration: their strikes are traced as `fault.<verb>` by the kernel.
 */

declare module '../src/sim/ports.js' {
  interface TraceEvents {
    /** Subject: the fault's kind; a fault of `queue-durability`'s own plan strikes (the fault as JSON). */
    'fault.durability': [fault: string];
  }
}

export {};
