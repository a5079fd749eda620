/** Runs a fixture search into a directory and writes its report, as `gnt-sim search` does. */
import { rmSync } from 'node:fs';
import type { Scenario } from '../../scenarios/scenario.js';
import { writeSearchReport } from '../../src/cli/commands/report.js';
import { type SearchSummary, search } from '../../src/explore/coordinator.js';
import { MutantSet } from '../../src/mutants/registry.js';

export const FIXTURE_MODULE = new URL('./fixture-scenario.ts', import.meta.url).href;

export async function fixtureSearch(
  scenario: Scenario<unknown>,
  outDir: string,
  seed: number,
): Promise<{ summary: SearchSummary; reportPath: string }> {
  rmSync(outDir, { recursive: true, force: true });
  const summary = await search({
    scenario,
    scenarioModule: FIXTURE_MODULE,
    seed,
    runs: 300,
    strategy: 'pct',
    mutants: MutantSet.none,
    outDir,
    workers: 1,
    clock: () => 0,
  });
  const reportPath = await writeSearchReport(outDir, summary, FIXTURE_MODULE);
  return { summary, reportPath };
}
