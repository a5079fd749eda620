/**
 * Argument checks of the kernel calls that take a duration or an instant: `sleep`, a condition's
 * `wait` timeout, `atTime`, `atStep`. A bad value (NaN, undefined, negative, fractional, infinite,
 * not a number) is a bug of the caller, and it would otherwise turn into a timer the clock can
 * never order (NaN compares false with everything) and hang the run. The check throws in the
 * calling simulated thread, so the run ends as an `exception` finding naming the call and the
 * value, which the caller's stack shows.
 */

/** A kernel call was given a value it cannot schedule. */
export class KernelArgumentError extends TypeError {
  constructor(
    readonly op: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${op}: expected ${expected}, got ${describe(value)}`);
    this.name = 'KernelArgumentError';
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (v === undefined || v === null || typeof v === 'boolean') return String(v);
  return typeof v;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A duration in virtual microseconds: a non-negative safe integer. */
export function checkDurationUs(op: string, value: unknown): number {
  if (!isCount(value)) throw new KernelArgumentError(op, value, 'a whole number of microseconds >= 0');
  return value;
}

/** A wait timeout: a duration, or null/undefined for "no timeout". */
export function checkTimeoutUs(op: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (!isCount(value)) {
    throw new KernelArgumentError(op, value, 'a whole number of microseconds >= 0, or null for no timeout');
  }
  return value;
}

/** A scheduling step or a virtual instant: a non-negative safe integer. */
export function checkInstant(op: string, value: unknown): number {
  if (!isCount(value)) throw new KernelArgumentError(op, value, 'a whole number >= 0');
  return value;
}
