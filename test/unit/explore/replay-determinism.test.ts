/**
 * Every finding a search writes replays from its file to its recorded trace hash, with nothing
 * reported as different: deadlocks of a fixture (a hundred of them, cheap to find) and shrunk
 * lock-set mutant findings of a built-in scenario (a few: each costs a shrink). The same check
 * over hundreds of findings is `npm run bench -- replay`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { searchAndReplay } from '../../support/replay-check.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay determinism', () => {
  it('about a hundred deadlocks written by a search replay from their files to their recorded trace hashes', async () => {
    const r = await searchAndReplay('deadlocks', 200, join(dir, 'philosophers'));
    expect(r.findings).toBeGreaterThanOrEqual(90);
    expect(r.mismatches).toEqual([]);
  });

  it('shrunk lock-set mutant findings written by a search replay from their files to their recorded trace hashes', async () => {
    const r = await searchAndReplay('lockset', 60, join(dir, 'lockset'));
    expect(r.findings).toBeGreaterThanOrEqual(5);
    expect(r.mismatches).toEqual([]);
  });
});
