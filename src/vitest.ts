/**
 * `gnt-sim/vitest`: a search as a vitest test, in the style of `@fast-check/vitest`.
 *
 *     searchTest('transfers never deadlock', { scenario, runs: 300 });
 *
 * The test fails when the search finds something, with the finding, the counterexample's size and
 * the command that replays it. Replay files go to `reports/vitest/<scenario id>/` below the
 * working directory (vitest's root) unless `outDir` says otherwise (`null`: none).
 */
import { join } from 'node:path';
import { test } from 'vitest';
import { describeFinding } from './check/describe.js';
import type { SearchSummary } from './explore/coordinator.js';
import { replayCommand } from './explore/replay-command.js';
import { type SearchOptions, scenarioFileFor, search } from './explore/search-api.js';

/** A test's time limit when `timeout` is not given: searches take longer than vitest's 5 s. */
export const SEARCH_TEST_TIMEOUT_MS = 120_000;

export interface SearchTestOptions extends SearchOptions {
  /** The test's time limit in milliseconds (default `SEARCH_TEST_TIMEOUT_MS`). */
  readonly timeout?: number;
}

/** Where a search test writes replay files unless `outDir` is given. */
export function defaultReplayDir(scenarioId: string): string {
  return join('reports', 'vitest', scenarioId);
}

/** Registers a vitest test that runs a search and fails on its first finding. */
export function searchTest(name: string, options: SearchTestOptions): void {
  const { timeout, ...searchOptions } = options;
  test(
    name,
    async () => {
      const outDir = searchOptions.outDir === undefined ? defaultReplayDir(options.scenario.id) : searchOptions.outDir;
      const summary = await search({ ...searchOptions, outDir });
      assertNoFinding(summary, options);
    },
    timeout ?? SEARCH_TEST_TIMEOUT_MS,
  );
}

/** Throws an error describing the search's findings and how to replay them, if it has any. */
export function assertNoFinding(
  summary: SearchSummary,
  options: Pick<SearchOptions, 'scenario' | 'scenarioModule'>,
): void {
  if (summary.findings.length === 0) return;
  const scenarioFile = scenarioFileFor(options.scenario, options.scenarioModule);
  const lines = [`gnt-sim search of ${summary.scenario} (seed ${summary.seed}) found:`];
  for (const f of summary.findings) {
    const z = f.replay.size;
    lines.push(
      `run ${f.run}: ${describeFinding(f.finding)}`,
      `  counterexample: ${plural(z.jobs, 'job')}, ${plural(z.faults, 'fault')}, ${plural(z.preemptions, 'preemption')}`,
      f.replayPath === null
        ? '  replay: no replay file written (outDir: null); give outDir to get one'
        : `  replay: ${replayCommand(f.replayPath, scenarioFile)}`,
    );
  }
  throw new Error(lines.join('\n'));
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
