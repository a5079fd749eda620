/**
 * Replay determinism at scale: two searches keep going for 400 runs each (deadlocks of the
 * philosophers fixture; lock-set mutants of `lockset-add-remove`, every finding shrunk), and every
 * replay file they wrote is replayed. Recorded: findings replayed, mismatches (must be none), and
 * the wall time of each. `test/unit/explore/replay-determinism.test.ts` checks the same on fewer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchAndReplay } from '../../test/support/replay-check.js';

const RUNS = 400;

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-bench-replay-'));
  const out: Record<string, unknown> = { unit: 'findings replayed; wall seconds for search and replays', runs: RUNS };
  try {
    for (const which of ['deadlocks', 'lockset'] as const) {
      const t0 = performance.now();
      const r = await searchAndReplay(which, RUNS, join(dir, which));
      out[which] = {
        findings: r.findings,
        mismatches: r.mismatches,
        seconds: Math.round((performance.now() - t0) / 10) / 100,
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
