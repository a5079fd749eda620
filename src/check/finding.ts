/**
 * Findings: what a run that went wrong is reported as. A typed record, not a string, so that the
 * explorer can shrink toward the same kind of finding, reports can draw it, and replays can
 * compare it.
 */

import type { RunResult } from '../sim/kernel.js';
import { describeOutcome } from '../sim/outcome.js';
import { findWaitCycle, formatWaitCycle, type WaitForGraph } from './wait-for.js';

/** A deadlock's cycle: `parties[i]` waits for `resources[i]`, held by (or queued ahead as) `parties[i+1]`. */
export interface WaitCycle {
  readonly parties: readonly string[];
  readonly resources: readonly string[];
  readonly text: string;
}

function cycleOf(graph: WaitForGraph): WaitCycle | undefined {
  const steps = findWaitCycle(graph);
  if (!steps) return undefined;
  return {
    parties: steps.map((s) => s.waiter.label),
    resources: steps.map((s) => s.resource),
    text: formatWaitCycle(steps),
  };
}

export type FindingKind =
  | 'deadlock'
  | 'violation'
  | 'liveness'
  | 'budget'
  | 'exception'
  | 'nondeterminism'
  | 'divergence'
  /** The kernel broke one of its own invariants: a bug of the harness, not of the system. */
  | 'harness'
  /** A run that stopped yielding (a synchronous loop), killed by the search's watchdog. */
  | 'hang'
  /** A run that exhausted its memory limit, killed by the search's watchdog. */
  | 'oom';

export interface Finding {
  readonly kind: FindingKind;
  /** The property that failed: `DF`, `MX`, `LST`, ... or the checker's own name. */
  readonly property: string;
  readonly message: string;
  readonly step: number;
  readonly timeUs: number;
  readonly threads: readonly string[];
  readonly objects: readonly string[];
  readonly cycle?: WaitCycle;
  readonly traceHash: string;
}

/** Properties whose violation is a liveness failure rather than a safety one. */
const LIVENESS_PROPERTIES = new Set(['liveness', 'STARV', 'LEAK']);

/** Turns a run's outcome into a finding, or null when the run is fine. */
export function findingOf(result: RunResult, waitFor: WaitForGraph | undefined): Finding | null {
  const o = result.outcome;
  const base = { step: result.steps, timeUs: result.timeUs, traceHash: result.traceHash };
  switch (o.kind) {
    case 'completed':
    case 'quiescent':
      return null;
    case 'deadlock': {
      const cycle = waitFor ? cycleOf(waitFor) : undefined;
      const blocked = o.blocked.filter((b) => !b.idle);
      return {
        ...base,
        kind: 'deadlock',
        property: 'DF',
        message: cycle ? `deadlock: ${cycle.text}` : describeOutcome(o),
        threads: blocked.map((b) => b.name),
        objects: cycle ? [...cycle.resources] : blocked.map((b) => b.waitsOn),
        ...(cycle ? { cycle } : {}),
      };
    }
    case 'violation':
      return {
        ...base,
        kind: LIVENESS_PROPERTIES.has(o.violation) ? 'liveness' : 'violation',
        property: o.violation,
        message: o.message,
        threads: [],
        objects: [...o.objects],
      };
    case 'budget': {
      // Threads that wait with timeouts and retry (Ganeti's lock attempts escalate for hours of
      // virtual time) keep a deadlocked run busy until its budget ends. A wait cycle still
      // standing then is the finding to report, not the budget.
      const cycle = waitFor ? cycleOf(waitFor) : undefined;
      if (cycle) {
        return {
          ...base,
          kind: 'deadlock',
          property: 'DF',
          message: `deadlock: ${cycle.text} (the cycle still stood when the run's ${o.limit} budget ran out)`,
          threads: [...cycle.parties],
          objects: [...cycle.resources],
          cycle,
        };
      }
      return { ...base, kind: 'budget', property: 'budget', message: describeOutcome(o), threads: [], objects: [] };
    }
    case 'exception':
      return {
        ...base,
        kind: 'exception',
        property: 'exception',
        message: o.message,
        threads: [o.thread],
        objects: [],
      };
    case 'nondeterminism':
      return {
        ...base,
        kind: 'nondeterminism',
        property: 'determinism',
        message: describeOutcome(o),
        threads: [o.thread],
        objects: [o.api],
      };
    case 'divergence':
      return { ...base, kind: 'divergence', property: 'replay', message: o.message, threads: [], objects: [] };
    case 'harness':
      return { ...base, kind: 'harness', property: `harness:${o.rule}`, message: o.message, threads: [], objects: [] };
  }
}
