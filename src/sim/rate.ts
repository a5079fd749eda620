/**
 * Integer fault rates. A rate is either a per-mille count (`25` = 2.5 %) or an explicit ratio
 * `{ num, den }`; both are integers so that no fault decision rests on float rounding and a
 * fault plan stored in a replay file means the same thing everywhere.
 */
import type { Rng } from './ports.js';

export interface Ratio {
  readonly num: number;
  readonly den: number;
}

/** Per mille (an integer in `[0, 1000]`) or `{ num, den }` with `0 <= num <= den`, `den > 0`. */
export type Rate = number | Ratio;

export const NEVER: Ratio = { num: 0, den: 1 };

/** The ratio a rate stands for; assumes the rate was validated. */
export function toRatio(rate: Rate | undefined): Ratio {
  if (rate === undefined) return NEVER;
  return typeof rate === 'number' ? { num: rate, den: 1000 } : rate;
}

/** One draw: true with probability `num/den`. A zero rate draws nothing, so it shifts no other fault. */
export function draw(rng: Rng, rate: Ratio): boolean {
  if (rate.num <= 0) return false;
  return rng.chance(rate.num, rate.den);
}

/**
 * Why `value` is not a valid rate, or null when it is. `field` names it in the message, e.g.
 * `rates.rpcLoss: per-mille rate must be an integer in [0, 1000], got 1500`.
 */
export function rateProblem(field: string, value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 1000) {
      return `${field}: per-mille rate must be an integer in [0, 1000], got ${value}`;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${field}: rate must be a per-mille integer or { num, den }, got ${JSON.stringify(value)}`;
  }
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (key !== 'num' && key !== 'den') return `${field}.${key}: unknown field of a rate`;
  }
  const { num, den } = r;
  if (typeof den !== 'number' || !Number.isInteger(den) || den <= 0) {
    return `${field}.den: must be a positive integer, got ${JSON.stringify(den)}`;
  }
  if (typeof num !== 'number' || !Number.isInteger(num) || num < 0 || num > den) {
    return `${field}.num: must be an integer in [0, den], got ${JSON.stringify(num)}`;
  }
  return null;
}

/** Throws a `RangeError` naming `field` when `value` is not a valid rate. */
export function checkRate(field: string, value: unknown): Rate {
  const problem = rateProblem(field, value);
  if (problem !== null) throw new RangeError(problem);
  return value as Rate;
}
