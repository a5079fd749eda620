/**
 * A scenario's faults, registered once each: the kernel's `FaultVerb` (schema, injector, subject,
 * description, weight) plus what the search needs to draw it (a generator of its arguments and
 * the swarm feature that switches it on and off). A `FaultSpace` turns the registrations into
 * the scenario's `faults()` arbitrary and its `FaultVocabulary`, which `build()` applies; swarm
 * testing, shrinking, replay files and reports then treat every fault alike.
 *
 * Adding a fault to a scenario is one `defineFault(...)` in its list.
 */
import fc from 'fast-check';
import type { AnyFaultVerb, FaultPlan, FaultRates, FaultTime, FaultVerb, PlannedFault } from '../src/sim/faults.js';
import { FaultVocabulary } from '../src/sim/faults.js';
import { listOf } from './list-arbitrary.js';

/** One kind of fault a scenario's search draws. */
export interface FaultDefinition<A extends object, C> extends FaultVerb<A, C> {
  /** Swarm feature that switches this kind of fault on and off as a whole (`fault:crash-masterd`). */
  readonly feature: string;
  /** Its arguments; fast-check shrinks them toward the arbitrary's first values. */
  readonly generate: fc.Arbitrary<A>;
  /** When it strikes, if not at the space's times (e.g. on a protocol event). */
  readonly at?: fc.Arbitrary<FaultTime>;
}

/** Fixes a definition's argument and context types from its schema and injector. */
export function defineFault<A extends object, C>(d: FaultDefinition<A, C>): FaultDefinition<A, C> {
  return d;
}

/** A definition with its argument type erased, as a space holds them. */
// biome-ignore lint/suspicious/noExplicitAny: a space holds definitions of different argument types; each one's schema checks what its generator draws (test/unit/scenarios/fault-space.test.ts).
export type AnyFaultDefinition<C> = FaultDefinition<any, C>;

/** Probabilistic faults a feature switches on: the rates drawn while it is on. */
export interface RateDefinition {
  readonly feature: string;
  /** The rates when they are drawn. */
  readonly generate: fc.Arbitrary<FaultRates>;
  /**
   * Runs without these rates for each run with them while the feature is on (default 1). A lost
   * message reshuffles every later draw of a run, so rare is often right. Either way a
   * counterexample loses the rates it does not need.
   */
  readonly offWeight?: number;
}

export interface FaultSpaceOptions {
  /** When faults strike, unless their definition says otherwise. */
  readonly at: fc.Arbitrary<FaultTime>;
  /** Most explicit faults in one run. */
  readonly maxFaults: number;
  /**
   * Runs without explicit faults for each run with some (default: none such, the number of
   * faults is drawn uniformly from 0 to `maxFaults`). A fault that ends what a workload was
   * doing (a master restart) hides the bugs that need it to go on, so rare is often right.
   */
  readonly offWeight?: number;
  readonly rates?: readonly RateDefinition[];
}

export class FaultSpace<C> {
  /** The kernel's verbs and this space's, for `build()` to apply plans with. */
  readonly vocabulary: FaultVocabulary<C>;
  /** Swarm features of the faults and rates, in registration order, each once. */
  readonly features: readonly string[];

  constructor(
    private readonly definitions: readonly AnyFaultDefinition<C>[],
    private readonly opts: FaultSpaceOptions,
  ) {
    if (!Number.isSafeInteger(opts.maxFaults) || opts.maxFaults < 0) {
      throw new RangeError(`FaultSpace: maxFaults must be a non-negative integer, got ${opts.maxFaults}`);
    }
    if (opts.offWeight !== undefined && (!Number.isSafeInteger(opts.offWeight) || opts.offWeight < 0)) {
      throw new RangeError(`FaultSpace: offWeight must be a non-negative integer, got ${opts.offWeight}`);
    }
    this.vocabulary = new FaultVocabulary<C>(definitions as readonly AnyFaultVerb<C>[]);
    this.features = [...new Set([...definitions.map((d) => d.feature), ...(opts.rates ?? []).map((r) => r.feature)])];
  }

  /** Plans of the faults whose features are enabled (all of them outside swarm testing). */
  arbitrary(enabled: ReadonlySet<string>): fc.Arbitrary<FaultPlan> {
    const kinds = this.definitions
      .filter((d) => enabled.has(d.feature))
      .map((d) =>
        fc
          .tuple(d.at ?? this.opts.at, d.generate)
          .map(([at, args]): PlannedFault => ({ kind: d.kind, at, ...(args as object) })),
      );
    const faults =
      kinds.length === 0 || this.opts.maxFaults === 0
        ? fc.constant<PlannedFault[]>([])
        : this.opts.offWeight === undefined
          ? listOf(fc.oneof(...kinds), { maxLength: this.opts.maxFaults })
          : fc.oneof(
              { withCrossShrink: true },
              { weight: this.opts.offWeight, arbitrary: fc.constant<PlannedFault[]>([]) },
              { weight: 1, arbitrary: listOf(fc.oneof(...kinds), { minLength: 1, maxLength: this.opts.maxFaults }) },
            );
    const rateDefs = (this.opts.rates ?? []).filter((r) => enabled.has(r.feature));
    const rates =
      rateDefs.length === 0
        ? fc.constant<FaultRates>({})
        : fc
            .tuple(
              ...rateDefs.map((r) =>
                fc.oneof(
                  { withCrossShrink: true },
                  { weight: r.offWeight ?? 1, arbitrary: fc.constant<FaultRates>({}) },
                  { weight: 1, arbitrary: r.generate },
                ),
              ),
            )
            .map((parts) => Object.assign({}, ...parts) as FaultRates);
    return fc.tuple(faults, rates).map(([list, r]): FaultPlan => {
      const set = Object.entries(r).filter(([, v]) => v !== undefined && v !== 0);
      return {
        ...(list.length > 0 ? { faults: list } : {}),
        ...(set.length > 0 ? { rates: Object.fromEntries(set) as FaultRates } : {}),
      };
    });
  }
}
