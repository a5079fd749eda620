/**
 * The scenario interface: the only way the explorer sees a system. A scenario says what to
 * generate (parameters: cluster shape and workload; a fault plan), how to build a simulated
 * world from it, which extra properties to check, and how much a run may consume.
 *
 * Fault plans are generated independently of the parameters (they name nodes by index, resolved
 * modulo the cluster size at build time) so that fast-check can shrink both independently.
 */
import type fc from 'fast-check';
import type { WaitForGraph } from '../src/locking/wait-for.js';
import type { MutantName, MutantSet } from '../src/mutants/registry.js';
import type { FaultPlan } from '../src/sim/faults.js';
import type { Budget, RunResult } from '../src/sim/kernel.js';
import type { TraceRecord } from '../src/sim/trace.js';
import type { SimWorld } from '../src/sim/world.js';

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

/** What a built scenario hands back to the explorer. */
export interface ScenarioInstance {
  readonly checkers?: readonly Checker[];
  /**
   * The wait-for graph at the end of a run (threads and jobs waiting for locks, job
   * dependencies or worker slots), for naming a deadlock's cycle.
   */
  waitFor?(): WaitForGraph;
  /** The lock monitor at the current instant, rendered like `gnt-debug locks`. */
  lockMonitor?(): string;
  /**
   * Virtual time at which the fault phase ends and the liveness phase starts: faults stop,
   * the world is healed, and the schedule becomes fair.
   */
  readonly livenessFromUs?: number;
  /**
   * Called once at `livenessFromUs`, after the world was calmed (probabilistic faults off,
   * armed disk faults disarmed, network healed, later planned faults skipped): restart what the
   * fault phase left down, so the liveness phase starts from a healed cluster.
   */
  onLiveness?(): void;
}

export interface BuildInput<P> {
  readonly params: P;
  readonly faults: FaultPlan;
  readonly mutants: MutantSet;
}

/** Size of a counterexample, for shrinking goals and reports. */
export interface CounterexampleSize {
  readonly jobs: number;
  readonly faults: number;
}

export interface Scenario<P = unknown> {
  /** Stable identifier used on the command line and in replay files. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Seed documents (`../shared/seeds/`) whose behaviour this scenario exercises, e.g. `000`. */
  readonly seeds: readonly string[];
  /** Mutants this scenario is designed to catch. */
  readonly mutants: readonly MutantName[];
  /**
   * Kinds of work and fault that swarm testing switches on and off as a whole (e.g.
   * `job:migrate`, `fault:crash`). Arbitraries receive the enabled subset.
   */
  readonly features: readonly string[];
  readonly budget: Budget;
  /**
   * PCT depths the search draws from for this scenario (default 1-3). Bugs that need a
   * deeper interleaving (several threads racing through zero virtual time) want more.
   */
  readonly pctDepths?: readonly number[];
  /** URL of the module that defines the scenario: its content hash goes into replay files. */
  readonly source: string;
  params(enabled: ReadonlySet<string>): fc.Arbitrary<P>;
  faults(enabled: ReadonlySet<string>): fc.Arbitrary<FaultPlan>;
  build(world: SimWorld, input: BuildInput<P>): ScenarioInstance;
  size(input: BuildInput<P>): CounterexampleSize;
}
