/**
 * The public face of the kernel for scenarios, tests and the explorer: build a simulation from
 * a seed, a strategy description and a budget, spawn threads, run it.
 */
import { type Budget, Kernel, type RunResult } from './kernel.js';
import type { RngRoot } from './rng.js';
import { choices, fifo, follow, pct, random, replay, roundRobin, type Strategy } from './strategy.js';
import type { TraceMode } from './trace.js';

/** A strategy as data, so it can be stored in a replay file. */
export type StrategySpec =
  | { readonly kind: 'fifo' }
  | { readonly kind: 'round-robin' }
  /** `salt` picks another schedule stream, for another random schedule under the same seed. */
  | { readonly kind: 'random'; readonly salt?: number }
  | { readonly kind: 'pct'; readonly depth: number; readonly kHint?: number; readonly salt?: number }
  | { readonly kind: 'choices'; readonly choices: readonly number[]; readonly fallback?: 'fifo' | 'random' }
  | { readonly kind: 'replay'; readonly choices: readonly number[] }
  /** Thread ids to run, one per decision (see `follow`). */
  | { readonly kind: 'follow'; readonly threads: readonly number[] };

function scheduleStream(salt: number | undefined): string {
  return salt ? `schedule/${salt}` : 'schedule';
}

/** Builds a strategy from its description; random ones draw from the run's `schedule` stream. */
export function strategyFromSpec(spec: StrategySpec, rng: RngRoot): Strategy {
  switch (spec.kind) {
    case 'fifo':
      return fifo();
    case 'round-robin':
      return roundRobin();
    case 'random':
      return random(rng.stream(scheduleStream(spec.salt)));
    case 'pct':
      return pct(rng.stream(scheduleStream(spec.salt)), { depth: spec.depth, kHint: spec.kHint });
    case 'choices':
      return choices(spec.choices, { fallback: spec.fallback, rng: rng.stream('schedule') });
    case 'replay':
      return replay(spec.choices);
    case 'follow':
      return follow(spec.threads);
  }
}

export interface SimulationOptions {
  readonly seed: number | string;
  readonly strategy?: StrategySpec | Strategy;
  readonly budget?: Partial<Budget>;
  /** `full` keeps every trace record (replays, reports); `hash` keeps the hash and a tail (searches). */
  readonly trace?: TraceMode;
}

export const Simulation = {
  create(opts: SimulationOptions): Kernel {
    const spec = opts.strategy ?? { kind: 'fifo' };
    return new Kernel({
      seed: opts.seed,
      strategy: 'choose' in spec ? spec : (rng) => strategyFromSpec(spec, rng),
      budget: opts.budget,
      trace: opts.trace,
    });
  },
};

export type { RunResult };
