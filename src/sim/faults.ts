/**
 * The fault plan: which faults hit a run, as plain JSON-safe data, so that it can be stored in a
 * replay file, generated and shrunk by fast-check, and validated before use.
 *
 * Two parts:
 * - `faults`: explicit faults, each at a scheduling **step** (`{ step }`: just before that step
 *   runs) or a virtual **time** (`{ timeUs }`). Process and node faults act at once; disk faults
 *   *arm* the disk (the next N writes fail, the next crash tears a write).
 * - `rates`: probabilistic faults with integer rates (per mille or `{ num, den }`), drawn from the
 *   run's `faults` random stream: EIO per write/fsync, latency spikes per disk operation, torn
 *   writes per crash, loss per network message. A zero or absent rate draws nothing.
 *
 * Fault model: everything here is delivered through the world's own fault verbs (crash, restart,
 * partition, heal, failNext, slowNext, tearOnNextCrash); see `world.ts`, `disk.ts` and `net.ts`
 * for what each fault does. A fault naming something that is not there when it fires (a process
 * not running, a process never started) is skipped, with a trace event saying so: generated
 * plans often name such things, and that is not an error of the plan. A fault due after the
 * run has ended (the kernel ends a run when its last non-daemon thread exits) never fires.
 *
 * Trace: every explicit fault emits `fault.<kind>` when it fires (with `skipped` and a reason
 * when it did nothing); the effects of armed and probabilistic faults emit `fault.eio`,
 * `fault.slow`, `fault.tear` and `fault.loss` where they strike; `fault.rates` records the rates.
 */
import type { DiskFaultRates } from './disk.js';
import type { Signal } from './ports.js';
import { type Rate, rateProblem } from './rate.js';
import type { SimWorld } from './world.js';

/** When an explicit fault fires: before scheduling step `step`, or at virtual time `timeUs`. */
export type FaultTime = { readonly step: number } | { readonly timeUs: number };

export type Fault =
  /** Crashes the live process `process` on `node`. */
  | { readonly kind: 'crash-process'; readonly node: string; readonly process: string }
  /** Starts `process` on `node` again (if it is not running) with its original main. */
  | { readonly kind: 'restart-process'; readonly node: string; readonly process: string }
  /** Delivers a signal to the live process `process` on `node`. */
  | { readonly kind: 'signal'; readonly node: string; readonly process: string; readonly signal: Signal }
  /** Crashes every process of `node` and drops its disk cache. */
  | { readonly kind: 'crash-node'; readonly node: string }
  /** Restarts the processes that ran on `node` when it last crashed. */
  | { readonly kind: 'restart-node'; readonly node: string }
  /** Blocks messages from `a` to `b`, and from `b` to `a` unless `oneWay`. */
  | { readonly kind: 'partition'; readonly a: string; readonly b: string; readonly oneWay?: boolean }
  /** Heals `a`<->`b`; only `a`: every link of `a`; neither: the whole network. */
  | { readonly kind: 'heal'; readonly a?: string; readonly b?: string }
  /** The next `count` writes (`write`) or fsyncs (`fsync`, also of directories) of `disk` fail with EIO. */
  | { readonly kind: 'disk-error'; readonly disk: string; readonly op: 'write' | 'fsync'; readonly count: number }
  /** The next `count` operations of `disk` take `extraUs` longer. */
  | { readonly kind: 'disk-latency'; readonly disk: string; readonly extraUs: number; readonly count: number }
  /** The next crash of `disk` tears the last unsynced write of `path` (default: the last file written). */
  | { readonly kind: 'torn-write'; readonly disk: string; readonly path?: string; readonly prefixChars?: number };

export type FaultKind = Fault['kind'];

export type ScheduledFault = Fault & { readonly at: FaultTime };

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
}

export interface FaultPlan {
  readonly faults?: readonly ScheduledFault[];
  readonly rates?: FaultRates;
}

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
// Validation

/** How a field of a fault is checked. A trailing `?` makes it optional. */
type FieldRule = 'name' | 'name?' | 'path?' | 'boolean?' | 'uint' | 'uint?' | 'count' | readonly string[];

const FAULT_FIELDS: { readonly [K in FaultKind]: Readonly<Record<string, FieldRule>> } = {
  'crash-process': { node: 'name', process: 'name' },
  'restart-process': { node: 'name', process: 'name' },
  signal: { node: 'name', process: 'name', signal: ['SIGTERM', 'SIGKILL'] },
  'crash-node': { node: 'name' },
  'restart-node': { node: 'name' },
  partition: { a: 'name', b: 'name', oneWay: 'boolean?' },
  heal: { a: 'name?', b: 'name?' },
  'disk-error': { disk: 'name', op: ['write', 'fsync'], count: 'count' },
  'disk-latency': { disk: 'name', extraUs: 'uint', count: 'count' },
  'torn-write': { disk: 'name', path: 'path?', prefixChars: 'uint?' },
};

export const FAULT_KINDS = Object.keys(FAULT_FIELDS) as readonly FaultKind[];

const RATE_FIELDS = ['diskEioWrite', 'diskEioFsync', 'diskLatencySpike', 'tornWriteOnCrash', 'rpcLoss'] as const;
const RATE_US_FIELDS = ['diskLatencySpikeUsMin', 'diskLatencySpikeUsMax'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Why `value` breaks `rule`, or null. */
function fieldProblem(rule: FieldRule, value: unknown): string | null {
  if (typeof rule !== 'string') {
    return rule.includes(value as string) ? null : `must be one of ${rule.join(', ')}, got ${JSON.stringify(value)}`;
  }
  const optional = rule.endsWith('?');
  if (value === undefined) return optional ? null : 'is required';
  switch (rule.replace('?', '')) {
    case 'name':
      return typeof value === 'string' && value !== ''
        ? null
        : `must be a non-empty string, got ${JSON.stringify(value)}`;
    case 'path':
      return typeof value === 'string' && value.startsWith('/') && value.length > 1
        ? null
        : `must be an absolute file path, got ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be a boolean, got ${JSON.stringify(value)}`;
    case 'uint':
      return isUint(value) ? null : `must be a non-negative integer, got ${JSON.stringify(value)}`;
    case 'count':
      return isUint(value) && value > 0 ? null : `must be a positive integer, got ${JSON.stringify(value)}`;
    default:
      return `unknown rule ${rule}`;
  }
}

function checkTime(field: string, at: unknown): void {
  if (!isRecord(at)) throw new FaultPlanError(field, 'must be { step } or { timeUs }');
  const keys = Object.keys(at);
  if (keys.length !== 1 || (keys[0] !== 'step' && keys[0] !== 'timeUs')) {
    throw new FaultPlanError(field, `must have exactly one of step, timeUs; got {${keys.join(', ')}}`);
  }
  const key = keys[0];
  if (!isUint(at[key])) {
    throw new FaultPlanError(`${field}.${key}`, `must be a non-negative integer, got ${JSON.stringify(at[key])}`);
  }
}

function checkFault(field: string, f: unknown): void {
  if (!isRecord(f)) throw new FaultPlanError(field, 'must be an object');
  const kind = f.kind;
  if (typeof kind !== 'string' || !(kind in FAULT_FIELDS)) {
    throw new FaultPlanError(`${field}.kind`, `must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const rules = FAULT_FIELDS[kind as FaultKind];
  checkTime(`${field}.at`, f.at);
  for (const key of Object.keys(f)) {
    if (key !== 'kind' && key !== 'at' && !(key in rules)) {
      throw new FaultPlanError(`${field}.${key}`, `unknown field for kind ${kind}`);
    }
  }
  for (const [key, rule] of Object.entries(rules)) {
    const problem = fieldProblem(rule, f[key]);
    if (problem !== null) throw new FaultPlanError(`${field}.${key}`, problem);
  }
  if (kind === 'partition' && f.a === f.b) throw new FaultPlanError(`${field}.b`, 'must differ from a');
  if (kind === 'heal' && f.b !== undefined && f.a === undefined) throw new FaultPlanError(`${field}.b`, 'needs a');
}

function checkRates(field: string, rates: unknown): void {
  if (!isRecord(rates)) throw new FaultPlanError(field, 'must be an object');
  for (const key of Object.keys(rates)) {
    if (!(RATE_FIELDS as readonly string[]).includes(key) && !(RATE_US_FIELDS as readonly string[]).includes(key)) {
      throw new FaultPlanError(`${field}.${key}`, 'unknown rate');
    }
  }
  for (const key of RATE_FIELDS) {
    if (rates[key] === undefined) continue;
    const problem = rateProblem(`${field}.${key}`, rates[key]);
    if (problem !== null) {
      // rateProblem names the (sub)field first; split it off so `field` is exact.
      const cut = problem.indexOf(': ');
      throw new FaultPlanError(problem.slice(0, cut), problem.slice(cut + 2));
    }
  }
  for (const key of RATE_US_FIELDS) {
    if (rates[key] !== undefined && !isUint(rates[key])) {
      throw new FaultPlanError(
        `${field}.${key}`,
        `must be a non-negative integer (µs), got ${JSON.stringify(rates[key])}`,
      );
    }
  }
  const min = (rates.diskLatencySpikeUsMin as number | undefined) ?? 10_000;
  const max = (rates.diskLatencySpikeUsMax as number | undefined) ?? 200_000;
  if (max < min)
    throw new FaultPlanError(`${field}.diskLatencySpikeUsMax`, `must be >= diskLatencySpikeUsMin (${min})`);
}

/**
 * Checks that `plan` is a well-formed fault plan and returns it typed. Throws `FaultPlanError`
 * naming the first bad field (unknown fields are errors too: a typo must not silently disable a
 * fault).
 */
export function validateFaultPlan(plan: unknown): FaultPlan {
  if (!isRecord(plan)) throw new FaultPlanError('plan', 'must be an object');
  for (const key of Object.keys(plan)) {
    if (key !== 'faults' && key !== 'rates') throw new FaultPlanError(key, 'unknown field of a fault plan');
  }
  if (plan.faults !== undefined) {
    if (!Array.isArray(plan.faults)) throw new FaultPlanError('faults', 'must be an array');
    plan.faults.forEach((f, i) => {
      checkFault(`faults[${i}]`, f);
    });
  }
  if (plan.rates !== undefined) checkRates('rates', plan.rates);
  return plan as FaultPlan;
}

// ---------------------------------------------------------------------------------------------
// Application

/**
 * Validates `plan` and registers it with the world's kernel: rates take effect at once, explicit
 * faults at their step or time. Returns the validated plan.
 */
export function applyFaultPlan(world: SimWorld, plan: unknown): FaultPlan {
  const valid = validateFaultPlan(plan);
  if (valid.rates) applyRates(world, valid.rates);
  for (const f of valid.faults ?? []) {
    const fire = () => injectFault(world, f);
    if ('step' in f.at) world.kernel.atStep(f.at.step, fire);
    else world.kernel.atTime(f.at.timeUs, fire);
  }
  return valid;
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
  world.kernel.emit('fault.rates', 'plan', JSON.stringify(rates));
}

/** Delivers one explicit fault now (from the kernel, not from a thread). */
export function injectFault(world: SimWorld, f: Fault): void {
  const event = `fault.${f.kind}`;
  const emit = world.kernel.emit.bind(world.kernel);
  if (world.isCalm()) {
    // The liveness phase promises a healed world: faults planned for later are not delivered.
    emit(event, faultSubject(f), 'skipped', 'liveness-phase');
    return;
  }
  switch (f.kind) {
    case 'crash-process':
    case 'signal': {
      const proc = world.processes.findProcess(f.node, f.process);
      if (!proc) {
        emit(event, `${f.node}/${f.process}`, 'skipped', 'not-running');
        return;
      }
      if (f.kind === 'signal') {
        emit(event, proc.label, f.signal);
        world.processes.signal(proc, f.signal);
      } else {
        emit(event, proc.label);
        world.processes.crashProcess(proc, 'fault plan');
      }
      return;
    }
    case 'restart-process': {
      if (world.processes.findProcess(f.node, f.process)) {
        emit(event, `${f.node}/${f.process}`, 'skipped', 'running');
        return;
      }
      if (!world.processes.wasStarted(f.node, f.process)) {
        emit(event, `${f.node}/${f.process}`, 'skipped', 'never-started');
        return;
      }
      emit(event, `${f.node}/${f.process}`);
      world.processes.restartProcess(f.node, f.process);
      return;
    }
    case 'crash-node':
      emit(event, f.node);
      world.processes.crashNode(f.node);
      return;
    case 'restart-node':
      emit(event, f.node);
      world.processes.restartNode(f.node);
      return;
    case 'partition':
      emit(event, `${f.a}->${f.b}`, f.oneWay ?? false);
      world.net.partition(f.a, f.b, { oneWay: f.oneWay });
      return;
    case 'heal':
      emit(event, f.a === undefined ? '*' : f.b === undefined ? f.a : `${f.a}<->${f.b}`);
      world.net.heal(f.a, f.b);
      return;
    case 'disk-error':
      emit(event, f.disk, f.op, f.count);
      world.disk(f.disk).failNext(f.op, f.count);
      return;
    case 'disk-latency':
      emit(event, f.disk, f.extraUs, f.count);
      world.disk(f.disk).slowNext(f.extraUs, f.count);
      return;
    case 'torn-write':
      emit(event, f.disk, f.path ?? null, f.prefixChars ?? null);
      world.disk(f.disk).tearOnNextCrash({ path: f.path, prefixChars: f.prefixChars });
      return;
  }
}

/** What a fault names, for its skip record. */
function faultSubject(f: Fault): string {
  switch (f.kind) {
    case 'crash-process':
    case 'restart-process':
    case 'signal':
      return `${f.node}/${f.process}`;
    case 'crash-node':
    case 'restart-node':
      return f.node;
    case 'partition':
      return `${f.a}->${f.b}`;
    case 'heal':
      return f.a === undefined ? '*' : f.b === undefined ? f.a : `${f.a}<->${f.b}`;
    case 'disk-error':
    case 'disk-latency':
    case 'torn-write':
      return f.disk;
  }
}
