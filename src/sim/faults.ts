/**
 * Fault plans and the vocabulary that reads them: the one way faults enter a run.
 *
 * A plan (`FaultPlan`) is plain JSON data, so it can be stored in a replay file, generated and
 * shrunk by the explorer, and validated before use. Two parts:
 * - `faults`: explicit faults, each a registered verb's `kind`, a time (`at`: a scheduling step,
 *   a virtual time, or the step after the nth trace event of a kind) and the verb's arguments.
 * - `rates`: probabilistic faults with integer rates (per mille or `{ num, den }`), drawn from the
 *   run's `faults` random stream: EIO per write/fsync, latency spikes per disk operation, torn
 *   writes per crash, loss and delay (reordering) per network message. A zero or absent rate
 *   draws nothing.
 *
 * A `FaultVocabulary` is the kernel's verbs (`kernel-faults.ts`) plus the verbs a scenario
 * registers; it validates a plan against them, delivers each fault at its time through its verb,
 * and describes and weighs faults for reports and shrinking. Verbs are the only place a fault's
 * meaning is written down.
 *
 * Trace: every explicit fault emits `fault.<kind>` with its verb's subject when it strikes
 * (followed by `skipped` and a reason when it did nothing, e.g. after the liveness phase began);
 * the effects of armed and probabilistic faults emit `fault.eio`, `fault.slow`, `fault.tear`,
 * `fault.loss` and `fault.delay` where they strike; `fault.rates` records the rates.
 */
import { z } from 'zod';
import type { DiskFaultRates } from './disk.js';
import {
  type AnyFaultVerb,
  type FaultPlan,
  type FaultRates,
  type FaultTime,
  faultTimeSchemas,
  type PlannedFault,
} from './fault-verb.js';
import { KERNEL_FAULT_VERBS } from './kernel-faults.js';
import { DEFAULT_DELAY_SPIKE } from './net.js';
import { firstProblem } from './schema.js';
import type { SimWorld } from './world.js';

export type {
  AnyFaultVerb,
  FaultEffect,
  FaultPlan,
  FaultRates,
  FaultTime,
  FaultVerb,
  PlannedFault,
} from './fault-verb.js';
export { arg, faultTimeSchemas } from './fault-verb.js';
export { KERNEL_FAULT_VERBS, kernelVerbs } from './kernel-faults.js';

/** A malformed fault plan; `field` is the path of the bad field, e.g. `faults[2].at.step`. */
export class FaultPlanError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`invalid fault plan: ${field}: ${problem}`);
    this.name = 'FaultPlanError';
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas

const perMille = z.number().int().min(0).max(1000);
const ratio = z
  .strictObject({ num: z.number().int().nonnegative(), den: z.number().int().positive() })
  .refine((r) => r.num <= r.den, { path: ['num'], message: 'Must be at most den' });
const rate = z.union([perMille, ratio]);

const ratesSchema: z.ZodType<FaultRates> = z
  .strictObject({
    diskEioWrite: rate.optional(),
    diskEioFsync: rate.optional(),
    diskLatencySpike: rate.optional(),
    diskLatencySpikeUsMin: z.number().int().nonnegative().optional(),
    diskLatencySpikeUsMax: z.number().int().nonnegative().optional(),
    tornWriteOnCrash: rate.optional(),
    rpcLoss: rate.optional(),
    rpcDelay: rate.optional(),
    rpcDelayUsMin: z.number().int().nonnegative().optional(),
    rpcDelayUsMax: z.number().int().nonnegative().optional(),
  })
  .refine((r) => (r.diskLatencySpikeUsMax ?? 200_000) >= (r.diskLatencySpikeUsMin ?? 10_000), {
    path: ['diskLatencySpikeUsMax'],
    message: 'Must be at least diskLatencySpikeUsMin',
  })
  .refine((r) => (r.rpcDelayUsMax ?? DEFAULT_DELAY_SPIKE.maxUs) >= (r.rpcDelayUsMin ?? DEFAULT_DELAY_SPIKE.minUs), {
    path: ['rpcDelayUsMax'],
    message: 'Must be at least rpcDelayUsMin',
  });

const planShape = z.strictObject({
  faults: z.array(z.record(z.string(), z.unknown())).optional(),
  rates: ratesSchema.optional(),
});

/** The rates proper (the spike ranges beside them are not faults of their own). */
const RATE_KEYS = [
  'diskEioWrite',
  'diskEioFsync',
  'diskLatencySpike',
  'tornWriteOnCrash',
  'rpcLoss',
  'rpcDelay',
] as const;

function isSet(rate: FaultRates[(typeof RATE_KEYS)[number]]): boolean {
  return rate !== undefined && (typeof rate === 'number' ? rate > 0 : rate.num > 0);
}

function check<T>(schema: z.ZodType<T>, value: unknown, base: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const p = firstProblem(r.error, value, base);
  throw new FaultPlanError(p.field, p.problem);
}

function checkTime(field: string, at: unknown): FaultTime {
  if (typeof at !== 'object' || at === null || Array.isArray(at)) {
    throw new FaultPlanError(field, 'must be { step }, { timeUs } or { event, nth }');
  }
  const keys = Object.keys(at);
  const ways = (['step', 'timeUs', 'event'] as const).filter((k) => keys.includes(k));
  const way = ways[0];
  if (way === undefined || ways.length !== 1) {
    throw new FaultPlanError(field, `must have exactly one of step, timeUs, event; got {${keys.join(', ')}}`);
  }
  return check<FaultTime>(faultTimeSchemas[way], at, field);
}

// ---------------------------------------------------------------------------------------------
// The vocabulary

/** What the explorer, replays and reports need of a vocabulary, whatever its context type. */
export interface FaultCatalogue {
  /** Every verb's kind, the kernel's first. */
  readonly kinds: readonly string[];
  /** Checks `plan` against the verbs and returns it typed; throws `FaultPlanError` naming the field. */
  validate(plan: unknown): FaultPlan;
  /** One line for people. */
  describe(fault: PlannedFault): string;
  /** A plan's weight in a counterexample's size: its faults' weights, plus one per non-zero rate. */
  weight(plan: FaultPlan): number;
}

/**
 * The kernel's fault verbs plus a scenario's own, whose injectors receive the scenario's
 * context `C` (what its `build` made). A kind may be registered once; a scenario may list one
 * of the kernel's verbs among its own (to draw it, see `scenarios/fault-space.ts`) as long as it
 * is that very verb (same argument schema and injector), not another one under its name.
 */
export class FaultVocabulary<C = unknown> implements FaultCatalogue {
  private readonly verbs = new Map<string, AnyFaultVerb<C>>();

  constructor(own: readonly AnyFaultVerb<C>[] = []) {
    for (const v of KERNEL_FAULT_VERBS as readonly AnyFaultVerb<C>[]) this.verbs.set(v.kind, v);
    const kernel = new Map(this.verbs);
    const seen = new Set<string>();
    for (const v of own) {
      const k = kernel.get(v.kind);
      const sameAsKernel = k !== undefined && k.inject === v.inject && k.args === v.args;
      if (seen.has(v.kind) || (k !== undefined && !sameAsKernel)) {
        throw new Error(`fault vocabulary: the verb "${v.kind}" is registered twice`);
      }
      seen.add(v.kind);
      // The kernel's verb as the scenario lists it (its weight, say), in the kernel's place.
      this.verbs.set(v.kind, v);
    }
  }

  get kinds(): readonly string[] {
    return [...this.verbs.keys()];
  }

  verb(kind: string): AnyFaultVerb<C> | undefined {
    return this.verbs.get(kind);
  }

  validate(plan: unknown): FaultPlan {
    if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
      throw new FaultPlanError('plan', 'must be an object');
    }
    const shape = check(planShape, plan, '');
    const faults = (shape.faults ?? []).map((f, i) => this.validateFault(f, `faults[${i}]`));
    return {
      ...(shape.faults !== undefined ? { faults } : {}),
      ...(shape.rates !== undefined ? { rates: shape.rates } : {}),
    };
  }

  private validateFault(f: Record<string, unknown>, field: string): PlannedFault {
    const { kind, at, ...args } = f;
    const verb = typeof kind === 'string' ? this.verbs.get(kind) : undefined;
    if (!verb) {
      throw new FaultPlanError(`${field}.kind`, `must be one of ${this.kinds.join(', ')}, got ${JSON.stringify(kind)}`);
    }
    const time = checkTime(`${field}.at`, at);
    const parsed = check(verb.args, args, field) as object;
    return { kind: verb.kind, at: time, ...parsed };
  }

  describe(fault: PlannedFault): string {
    const verb = this.verbs.get(fault.kind);
    if (!verb) return `${fault.kind} (unknown fault)`;
    const { kind: _k, at: _a, ...args } = fault;
    return verb.describe(args);
  }

  weight(plan: FaultPlan): number {
    let w = 0;
    for (const f of plan.faults ?? []) w += this.verbs.get(f.kind)?.weight ?? 1;
    for (const key of RATE_KEYS) if (isSet(plan.rates?.[key])) w++;
    return w;
  }

  /**
   * Validates `plan` and registers it with the world's kernel: rates take effect at once,
   * explicit faults at their time. Returns the validated plan.
   */
  apply(world: SimWorld, plan: unknown, ctx: C): FaultPlan {
    const valid = this.validate(plan);
    if (valid.rates) applyRates(world, valid.rates);
    const byEvent = new Map<string, { nth: number; fire: () => void }[]>();
    for (const f of valid.faults ?? []) {
      const fire = () => this.strike(world, f, ctx);
      const at = f.at;
      if ('step' in at) world.kernel.atStep(at.step, fire);
      else if ('timeUs' in at) world.kernel.atTime(at.timeUs, fire);
      else byEvent.set(at.event, [...(byEvent.get(at.event) ?? []), { nth: at.nth, fire }]);
    }
    if (byEvent.size > 0) strikeOnEvents(world, byEvent);
    return valid;
  }

  /** Delivers one fault now, from the kernel. */
  private strike(world: SimWorld, f: PlannedFault, ctx: C): void {
    const verb = this.verbs.get(f.kind) as AnyFaultVerb<C>;
    const { kind: _k, at: _a, ...args } = f;
    const subject = verb.subject(args);
    if (world.isCalm()) {
      // The liveness phase promises a healed world: faults planned for later are not delivered.
      world.kernel.emitFaultStrike(f.kind, subject, 'skipped', 'liveness-phase');
      return;
    }
    const skipped = verb.skip?.(args, ctx, world) ?? null;
    if (skipped !== null) {
      world.kernel.emitFaultStrike(f.kind, subject, 'skipped', skipped);
      return;
    }
    // The record goes first, so that what the fault sets off is traced after its cause.
    world.kernel.emitFaultStrike(f.kind, subject);
    const proc = verb.inject(args, ctx, world);
    if (proc === undefined) return;
    world.spawn(`fault:${f.kind}`, () => proc, { process: null, daemon: true });
  }
}

/**
 * Counts trace events of the kinds some fault waits for and strikes the fault just before the
 * step after its nth event: never in the middle of the step that emitted it, so the thread that
 * crossed into the window is between two scheduling points when the fault lands.
 */
function strikeOnEvents(world: SimWorld, byEvent: Map<string, { nth: number; fire: () => void }[]>): void {
  const seen = new Map<string, number>();
  world.kernel.trace.observe((r) => {
    const waiting = byEvent.get(r.kind);
    if (!waiting) return;
    const n = (seen.get(r.kind) ?? 0) + 1;
    seen.set(r.kind, n);
    for (const w of waiting) if (w.nth === n) world.kernel.atStep(world.kernel.step + 1, w.fire);
  });
}

function applyRates(world: SimWorld, rates: FaultRates): void {
  const disk: DiskFaultRates = {
    eioWrite: rates.diskEioWrite,
    eioFsync: rates.diskEioFsync,
    latencySpike: rates.diskLatencySpike,
    latencySpikeUsMin: rates.diskLatencySpikeUsMin,
    latencySpikeUsMax: rates.diskLatencySpikeUsMax,
    tornWriteOnCrash: rates.tornWriteOnCrash,
  };
  world.setDiskFaultRates(disk);
  world.net.setLossRate(rates.rpcLoss ?? 0);
  world.net.setDelayRate(rates.rpcDelay ?? 0, { minUs: rates.rpcDelayUsMin, maxUs: rates.rpcDelayUsMax });
  world.kernel.emit('fault.rates', 'plan', JSON.stringify(rates));
}

/** The kernel's verbs alone: what a scenario that registers none of its own understands. */
export const KERNEL_FAULTS = new FaultVocabulary<unknown>();

/** Checks a plan against the kernel's verbs (see `FaultVocabulary.validate`). */
export function validateFaultPlan(plan: unknown): FaultPlan {
  return KERNEL_FAULTS.validate(plan);
}

/** Applies a plan of the kernel's verbs (see `FaultVocabulary.apply`). */
export function applyFaultPlan(world: SimWorld, plan: unknown): FaultPlan {
  return KERNEL_FAULTS.apply(world, plan, undefined);
}
