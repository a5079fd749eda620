/**
 * The fault vocabulary's parts: what a fault plan is (plain JSON, stored in replay files,
 * generated and shrunk by the explorer) and what a fault verb is (one kind of fault: how its
 * arguments are checked, how it is delivered, how it is described).
 *
 * The kernel defines the verbs of the simulated world (`kernel-faults.ts`: crash a process or a
 * node, partition the network, fail disk writes...). A scenario registers verbs of its own on
 * top (crash the master daemon, fail the master over, re-exec the lock daemon...): each is one
 * `FaultVerb`, and the scenario's context (what it built) reaches its injector. Every fault of a
 * run, whatever its verb, enters through the same plan and the same `FaultVocabulary.apply`.
 */
import { z } from 'zod';
import type { Proc } from './ports.js';
import type { Rate } from './rate.js';
import type { SimWorld } from './world.js';

/**
 * When an explicit fault strikes: before scheduling step `step`; at virtual time `timeUs`; or
 * just before the step that follows the `nth` trace event of kind `event` (1-based), which is
 * how a fault lands inside a protocol window (between "serial written" and "replicated", say)
 * whatever the timing of the run.
 */
export type FaultTime =
  | { readonly step: number }
  | { readonly timeUs: number }
  | { readonly event: string; readonly nth: number };

/** One fault of a plan: its verb, when it strikes, and the verb's own arguments beside them. */
export interface PlannedFault {
  readonly kind: string;
  readonly at: FaultTime;
  readonly [arg: string]: unknown;
}

/** Probabilistic faults; every rate defaults to never. */
export interface FaultRates {
  /** Per disk write (`writeFile`, `appendFile`): EIO. */
  readonly diskEioWrite?: Rate;
  /** Per `fsync`/`fsyncDir`: EIO (nothing becomes durable). */
  readonly diskEioFsync?: Rate;
  /** Per disk operation: a latency spike. */
  readonly diskLatencySpike?: Rate;
  /** Smallest spike, µs (default 10 000). */
  readonly diskLatencySpikeUsMin?: number;
  /** Largest spike, µs (default 200 000). */
  readonly diskLatencySpikeUsMax?: number;
  /** Per crash and per durably named file with an unsynced last write: that write is torn. */
  readonly tornWriteOnCrash?: Rate;
  /** Per network message between two nodes (request or reply): lost. */
  readonly rpcLoss?: Rate;
  /** Per network message between two nodes that is not lost: delayed by a spike (reordered). */
  readonly rpcDelay?: Rate;
  /** Smallest message delay spike, µs (default 10 000: longer than a durable local write). */
  readonly rpcDelayUsMin?: number;
  /** Largest message delay spike, µs (default 200 000). */
  readonly rpcDelayUsMax?: number;
}

export interface FaultPlan {
  readonly faults?: readonly PlannedFault[];
  readonly rates?: FaultRates;
}

/**
 * What delivering a fault leaves to do: nothing (`undefined`), or a `Proc` for faults that take
 * virtual time (a partition healed later, a daemon re-exec), which the kernel runs in a thread of
 * its own.
 */
export type FaultEffect = undefined | Proc<void>;

/**
 * One kind of fault. `A` is its arguments (everything of a planned fault but `kind` and `at`),
 * `C` what its injector needs besides the world (a scenario's built cluster; `unknown` for the
 * kernel's verbs, which need only the world).
 */
export interface FaultVerb<A extends object = object, C = unknown> {
  /** The `kind` of planned faults of this verb; unique within a vocabulary. */
  readonly kind: string;
  /** Schema of the arguments: a strict object, so a misspelt argument is an error, not a no-op. */
  readonly args: z.ZodType<A>;
  /** Weight in a counterexample's size (default 1): a master failover outweighs a slow disk. */
  readonly weight?: number;
  /** What the fault strikes, for its trace record (`node1/masterd`, `node1->node2`). */
  subject(args: A): string;
  /** One line for people: `crash the master daemon`, `fail writes of node2's disk (x3)`. */
  describe(args: A): string;
  /**
   * Why the fault cannot strike now (the process it names is not running...), or null. Asked
   * first, so a skipped fault changes nothing and is traced as skipped.
   */
  skip?(args: A, ctx: C, world: SimWorld): string | null;
  /** Delivers the fault now, from the kernel (not from a simulated thread). */
  inject(args: A, ctx: C, world: SimWorld): FaultEffect;
}

/** A verb with its argument type erased, as vocabularies hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a vocabulary holds verbs of different argument types; each verb's own schema checks its arguments before its injector sees them.
export type AnyFaultVerb<C = unknown> = FaultVerb<any, C>;

/** Schemas of a fault's time, one per way of giving it. */
export const faultTimeSchemas = {
  step: z.strictObject({ step: z.number().int().nonnegative() }),
  timeUs: z.strictObject({ timeUs: z.number().int().nonnegative() }),
  event: z.strictObject({ event: z.string().min(1), nth: z.number().int().positive() }),
} as const;

/** Common argument schemas, so that verbs agree on what a name or a count is. */
export const arg = {
  name: () => z.string().min(1),
  count: () => z.number().int().positive(),
  uint: () => z.number().int().nonnegative(),
  /** An index into something the scenario resolves at injection (modulo its size; -1: "the current one"). */
  index: () => z.number().int().min(-1),
};
