/**
 * Command-line values, range-checked: every number is a safe integer within its flag's range, a
 * shard is `i/n` with 1 <= i <= n, and anything else is one line naming the flag.
 */
import type { Shard } from '../explore/run-indices.js';
import { UsageError } from './output.js';

/** Most workers a search may start (each is a thread with its own heap). */
export const MAX_WORKERS = 256;

function shown(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
}

/** A parser for commander: a whole number in [min, max]. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER
          ? min === 0
            ? 'a non-negative integer'
            : `an integer >= ${min}`
          : `an integer from ${min} to ${max}`;
      throw new UsageError(`${flag} must be ${range}, got ${shown(v)}`);
    }
    return n;
  };
}

export const positiveInt = (flag: string) => intFlag(flag, 1);
export const nonNegativeInt = (flag: string) => intFlag(flag, 0);

/** `--workers N` or `--workers auto` (the cores available). */
export function workersFlag(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new UsageError(`--workers must be auto or an integer from 1 to ${MAX_WORKERS}, got ${shown(v)}`);
  }
  return n;
}

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 2/4), got ${shown(s)}`);
  }
  return { index, count };
}

export { shellWord } from '../explore/replay-command.js';
