/**
 * Searches that write findings, and the replay of every file they wrote: shared by
 * `replay-determinism.test.ts` (a few findings of each kind) and `npm run bench -- replay`
 * (hundreds).
 */
import { scenario as locksetAddRemove } from '../../scenarios/lockset-add-remove.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { search } from '../../src/explore/coordinator.js';
import { replayFinding } from '../../src/explore/replay.js';
import { readReplayFile } from '../../src/explore/replay-file.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { philosophers } from './fixture-scenarios.js';

/** The two searches: deadlocks of the philosophers fixture, and lock-set mutants' findings (shrunk alike). */
export const REPLAY_SEARCHES = {
  deadlocks: {
    scenario: philosophers as Scenario<unknown>,
    strategy: 'random' as const,
    mutants: MutantSet.none,
  },
  lockset: {
    scenario: locksetAddRemove as Scenario<unknown>,
    strategy: 'pct' as const,
    mutants: MutantSet.of('lock-wait-ignores-priority', 'lockset-unsorted-all'),
  },
};

export interface ReplayCheck {
  readonly findings: number;
  /** Replays whose outcome or trace hash differ from the file's, with what differed. */
  readonly mismatches: readonly string[];
}

/** Runs search `which` for `runs` runs (keep going), writing into `outDir`, then replays every file. */
export async function searchAndReplay(
  which: keyof typeof REPLAY_SEARCHES,
  runs: number,
  outDir: string,
): Promise<ReplayCheck> {
  const s = REPLAY_SEARCHES[which];
  const result = await search({
    ...s,
    seed: 11,
    runs,
    workers: 1,
    keepGoing: true,
    clock: () => 0,
    scenarioModule: '',
    outDir,
  });
  const mismatches: string[] = [];
  for (const f of result.findings) {
    const file = readReplayFile(f.replayPath as string);
    const r = replayFinding(file, s.scenario);
    if (r.differences.length > 0 || r.report.result.traceHash !== file.traceHash) {
      mismatches.push(`run ${f.run}: ${r.differences.join('; ')} (${r.report.result.traceHash} vs ${file.traceHash})`);
    }
  }
  return { findings: result.findings.length, mismatches };
}
