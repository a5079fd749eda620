/**
 * The scenario interface: the only way the explorer sees a system. A scenario says what to
 * generate (parameters: cluster shape and workload; a fault plan), how to build a simulated
 * world from it, which extra properties to check, and how much a run may consume.
 *
 * Fault plans are generated independently of the parameters (they name nodes by index, resolved
 * at injection time) so that fast-check can shrink both independently.
 */
import type fc from 'fast-check';
import type { Checker } from '../src/check/checker.js';
import type { WaitForGraph } from '../src/check/wait-for.js';
import type { MutantName, MutantSet } from '../src/mutants/registry.js';
import type { FaultCatalogue, FaultPlan } from '../src/sim/faults.js';
import type { Budget } from '../src/sim/kernel.js';
import type { SimWorld } from '../src/sim/world.js';

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

export type { CheckContext, Checker, ModelCoverage } from '../src/check/checker.js';

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

/** A feature that reaches a Ganeti hazard (see `Scenario.hazardFeatures`). */
export interface HazardFeature {
  readonly feature: string;
  /** The hazard's stable id, e.g. `dependency-cycle`. */
  readonly hazard: string;
  /** Where Ganeti does this: file and function, or the spec section. */
  readonly reference: string;
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
  /**
   * Features that reach a hazard of Ganeti's own design: behaviour faithful to Ganeti 2.10 that
   * the checkers flag (a dependency cycle that never finishes, a failover onto a stale replica
   * that hands out job ids again). The arbitraries honour them like any feature, but they are not
   * in `features`, so no search draws them until hazards are findings of their own kind; a
   * scenario file can add them to its `features`.
   */
  readonly hazardFeatures?: readonly HazardFeature[];
  readonly budget: Budget;
  /**
   * PCT depths the search draws from for this scenario (default 1-3). Bugs that need a
   * deeper interleaving (several threads racing through zero virtual time) want more.
   */
  readonly pctDepths?: readonly number[];
  /** URL of the module that defines the scenario: its content hash goes into replay files. */
  readonly source: string;
  params(enabled: ReadonlySet<string>): fc.Arbitrary<P>;
  /**
   * Fault plans: the only way faults enter a run. `build` applies the plan it is given with the
   * scenario's vocabulary (`FaultSpace` in `fault-space.ts` makes both from one list of fault
   * definitions).
   */
  faults(enabled: ReadonlySet<string>): fc.Arbitrary<FaultPlan>;
  /**
   * The verbs this scenario's plans may use (the kernel's and its own), for checking the plans of
   * replay files and describing faults in reports. Default: the kernel's verbs alone.
   */
  readonly faultVocabulary?: FaultCatalogue;
  build(world: SimWorld, input: BuildInput<P>): ScenarioInstance;
  size(input: BuildInput<P>): CounterexampleSize;
}
