/**
 * The checker contract: how a property watches a run. Checkers live in `src/check` and read the
 * trace; scenarios hand them to the explorer, which feeds them every event of a run. The contract
 * lives here, with the checkers, so that `check` never has to look up at the scenario layer.
 */
import type { RunResult } from '../sim/kernel.js';
import type { TraceRecord } from '../sim/trace.js';

/** Reports a broken property; the run stops with a `violation` outcome. */
export interface CheckContext {
  violation(property: string, message: string, objects?: readonly string[]): void;
  now(): number;
}

/**
 * A passive observer of one run: it reads trace events as they happen and never changes the
 * system. `atEnd` runs once after the run and may report what only the end reveals
 * (liveness, "every job finished").
 */
export interface Checker {
  readonly name: string;
  onEvent?(r: TraceRecord, ctx: CheckContext): void;
  atEnd?(result: RunResult, ctx: CheckContext): void;
  /** For model monitors: how often each transition of a model was taken in this run. */
  coverage?(): ModelCoverage;
}

/** Transition counts of one lifecycle model, keyed `from->to` (`->to` for a creation). */
export interface ModelCoverage {
  readonly model: string;
  readonly transitions: Readonly<Record<string, number>>;
}
