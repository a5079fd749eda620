import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenario as locksetAddRemove } from '../../../scenarios/lockset-add-remove.js';
import { search } from '../../../src/explore/coordinator.js';
import { replayFinding } from '../../../src/explore/replay.js';
import { readReplayFile } from '../../../src/explore/replay-file.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { philosophers } from '../../support/fixture-scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay determinism', () => {
  it('100 findings written by searches replay from their files to their recorded trace hashes', async () => {
    const common = {
      seed: 11,
      strategy: 'pct' as const,
      workers: 1,
      keepGoing: true,
      clock: () => 0,
      scenarioModule: '',
    };
    const deadlocks = await search({
      ...common,
      scenario: philosophers,
      strategy: 'random',
      runs: 400,
      mutants: MutantSet.none,
      outDir: join(dir, 'philosophers'),
    });
    const priority = await search({
      ...common,
      scenario: locksetAddRemove as never,
      runs: 400,
      mutants: MutantSet.of('lock-wait-ignores-priority', 'lockset-unsorted-all'),
      outDir: join(dir, 'lockset'),
    });
    const found = [...deadlocks.findings, ...priority.findings].slice(0, 100);
    expect(deadlocks.findings.length).toBeGreaterThan(10);
    expect(priority.findings.length).toBeGreaterThan(10);
    expect(found.length).toBe(100);
    for (const f of found) {
      const file = readReplayFile(f.replayPath as string);
      const scenario = file.scenario.id === philosophers.id ? philosophers : (locksetAddRemove as never);
      const r = replayFinding(file, scenario);
      expect(r.differences).toEqual([]);
      expect(r.report.result.traceHash).toBe(file.traceHash);
    }
    // About 10 s alone; several times that on a machine busy with other suites.
  }, 240_000);
});
