/**
 * Runs a component's generated programs against both sides and compares them.
 *
 * 1. The programs fast-check generates for the seed are recorded first (a passing property sees
 *    exactly the runs a checking one would, for the same seed and run count).
 * 2. They all go to the oracle in one pipelined batch, and each is run on gnt-sim and compared.
 * 3. Only if one diverges: the same fast-check run again, checking this time, so that fast-check
 *    fails at the same run and shrinks it; new candidates are sent to the oracle one by one.
 *
 * Nothing here looks at wall-clock time except the elapsed figure returned for the benchmark.
 */
import fc from 'fast-check';
import { type Component, compareProgram, type Divergence, formatDivergence } from './compare.js';
import type { GanetiOracle, Observation } from './oracle.js';

export interface DifferentialOptions<O> {
  readonly seed: number;
  readonly numRuns: number;
  /** Options for gnt-sim's side (e.g. a `timedWait` to compare). */
  readonly simOptions?: O;
  /** Shrink the first divergence (default true). */
  readonly shrink?: boolean;
}

export interface DifferentialResult<P> {
  readonly component: string;
  readonly programs: number;
  /** Programs whose observations differ after every normalisation of the table. */
  readonly divergent: number;
  /** The first divergence, shrunk when asked to, or null. */
  readonly divergence: Divergence<P> | null;
  /** The divergence as a side-by-side report, or null. */
  readonly report: string | null;
  readonly wallMs: number;
}

export async function runDifferential<P, O>(
  oracle: GanetiOracle,
  component: Component<P, O>,
  opts: DifferentialOptions<O>,
): Promise<DifferentialResult<P>> {
  const t0 = performance.now();
  const programs: P[] = [];
  fc.assert(
    fc.property(component.arbitrary, (p) => {
      programs.push(p);
    }),
    { seed: opts.seed, numRuns: opts.numRuns },
  );
  const cache = new Map<string, Promise<Observation[]>>();
  const ganetiSide = (p: P): Promise<Observation[]> => {
    const key = JSON.stringify(p);
    let obs = cache.get(key);
    if (!obs) {
      obs = oracle.run(component.name, p);
      // Awaited later, in order; until then a failure must not count as unhandled.
      obs.catch(() => {});
      cache.set(key, obs);
    }
    return obs;
  };
  const gntSide = (p: P): Observation[] => component.simulate(p, opts.simOptions);
  const c = component as Component<P, unknown>;

  const answers = programs.map(ganetiSide);
  let divergent = 0;
  let first: Divergence<P> | null = null;
  for (let i = 0; i < programs.length; i++) {
    const p = programs[i] as P;
    const d = compareProgram(c, p, await (answers[i] as Promise<Observation[]>), gntSide(p));
    if (d) {
      divergent++;
      first ??= d;
    }
  }

  let divergence = first;
  let header = '';
  if (first && (opts.shrink ?? true)) {
    let last: Divergence<P> | null = null;
    const details = await fc.check(
      fc.asyncProperty(component.arbitrary, async (p) => {
        const d = compareProgram(c, p, await ganetiSide(p), gntSide(p));
        if (d) last = d;
        return d === null;
      }),
      { seed: opts.seed, numRuns: opts.numRuns },
    );
    if (details.failed && details.counterexample) {
      const p = details.counterexample[0];
      divergence = compareProgram(c, p, await ganetiSide(p), gntSide(p)) ?? last;
      header =
        `seed ${opts.seed}, run ${details.numRuns} of ${opts.numRuns}, shrunk ${details.numShrinks} times ` +
        `(replay: fc seed ${details.seed}, path "${details.counterexamplePath}")\n`;
    }
  }
  return {
    component: component.name,
    programs: programs.length,
    divergent,
    divergence,
    report: divergence ? formatDivergence(c, divergence, header) : null,
    wallMs: performance.now() - t0,
  };
}
