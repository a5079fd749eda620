/**
 * Runs of a search of the philosophers fixture, summarised: what `search.test.ts` computes in its
 * own process and, through `search-runs-child.ts`, in a child process, to compare the two.
 */
import { type RunSpec, searchRun } from '../../src/explore/search.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { philosophers } from './fixture-scenarios.js';

export interface RunSummary {
  readonly run: number;
  /** Null when run `run` found nothing. */
  readonly found: {
    readonly kind: string;
    readonly traceHash: string;
    readonly choices: readonly number[];
    readonly params: unknown;
    readonly seed: number;
  } | null;
}

export function philosopherRuns(seed: number, runs: readonly number[]): RunSummary[] {
  const spec: RunSpec = { scenario: philosophers, seed, strategy: 'random', mutants: MutantSet.none, outDir: null };
  return runs.map((run) => {
    const f = searchRun(spec, run).found;
    return {
      run,
      found: f
        ? {
            kind: f.finding.kind,
            traceHash: f.replay.traceHash,
            choices: f.replay.choices,
            params: f.replay.params,
            seed: f.replay.seed,
          }
        : null,
    };
  });
}
