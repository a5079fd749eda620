/** Shared timing helpers for benchmarks (wall clock is fine here: benchmarks run outside simulations). */

export interface Measured {
  readonly seconds: number;
  readonly value: number;
}

/** Runs `fn` once to warm up, then `repeats` times; returns every measurement. */
export function measure(repeats: number, fn: () => number): Measured[] {
  fn();
  const out: Measured[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const value = fn();
    out.push({ seconds: (performance.now() - t0) / 1000, value });
  }
  return out;
}

/** Best and median rate (value per second) over measurements. */
export function rates(ms: readonly Measured[]): { best: number; median: number } {
  const r = ms.map((m) => m.value / m.seconds).sort((a, b) => a - b);
  return { best: Math.round(r[r.length - 1] ?? 0), median: Math.round(r[Math.floor(r.length / 2)] ?? 0) };
}
