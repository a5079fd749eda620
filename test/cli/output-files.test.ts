/**
 * Output is never lost: `--out` is checked before the first run, a directory holding earlier
 * results is refused unless `--force` (which empties only a search's own output), and every file
 * is written atomically (no temporary file is left behind).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDir } from '../../src/cli/out-dir.js';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { expectUsageError, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-out-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const search = (...args: string[]) =>
  gntSimInProcess(['search', 'lockset-add-remove', '--runs', '2', ...args], { pool });

describe('--out is checked before the first run', () => {
  it('the empty string is refused (it used to write a replay file into /)', async () => {
    const r = await search('--out', '');
    expectUsageError(r, /--out must name a directory, got the empty string/);
    expect(r.stdout).toBe('');
  });

  it('a regular file is refused before any run (it used to crash with EEXIST after the search)', async () => {
    const f = join(dir, 'a-file');
    writeFileSync(f, 'x');
    const r = await search('--out', f);
    expectUsageError(r, /--out .*a-file is a file, not a directory/);
    expect(r.stdout).toBe('');
  });

  it('a directory that cannot be created is refused', async () => {
    const f = join(dir, 'plain');
    writeFileSync(f, 'x');
    expectUsageError(
      await search('--out', join(f, 'sub')),
      /cannot be (created|used): a part of the path is not a directory/,
    );
  });

  it('a directory that already holds results is refused, and --force empties it', async () => {
    const o = join(dir, 'reused');
    expect((await search('--out', o)).code).toBe(0);
    expect(readdirSync(o).sort()).toEqual(['index.html', 'summary.json']);
    const again = await search('--out', o);
    expectUsageError(
      again,
      /--out .*reused already holds 2 entries \(index\.html, summary\.json\); choose another directory, or --force to empty it/,
    );
    writeFileSync(join(o, 'lockset-add-remove-seed9-run1.replay.json'), 'old');
    const forced = await search('--out', o, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(o).sort()).toEqual(['index.html', 'summary.json']);
  });

  it('--force never empties a directory holding files gnt-sim did not write', async () => {
    const o = join(dir, 'mine');
    mkdirSync(o);
    writeFileSync(join(o, 'thesis.tex'), 'precious');
    expectUsageError(await search('--out', o, '--force'), /holds files gnt-sim did not write \(thesis\.tex\)/);
    expect(existsSync(join(o, 'thesis.tex'))).toBe(true);
  });

  it('every file is written atomically: no temporary file is left', async () => {
    const o = join(dir, 'atomic');
    const r = await gntSimInProcess(['search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all', '--out', o], {
      pool,
    });
    expect(r.code).toBe(1);
    const files = readdirSync(o).sort();
    expect(files).toHaveLength(3);
    expect(files[0]).toBe('index.html');
    expect(files[1]).toMatch(/^lockset-add-remove-seed1-run\d+\.replay\.json$/);
    expect(files[2]).toBe('summary.json');
  }, 30_000);

  it('the default directory is fresh even for two searches in the same second', () => {
    const base = join(dir, 'stamp');
    expect(freshDir(base)).toBe(base);
    mkdirSync(base);
    expect(freshDir(base)).toBe(`${base}-2`);
    mkdirSync(`${base}-2`);
    expect(freshDir(base)).toBe(`${base}-3`);
  });
});

describe('other commands check their output paths', () => {
  it('merge, report and diagram refuse an empty or directory --out', async () => {
    expectUsageError(await gntSimInProcess(['merge', 'x.json', '--out', '']), /--out must name a file/);
    expectUsageError(await gntSimInProcess(['merge', 'x.json', '--out', dir]), /--out .* is a directory/);
    expectUsageError(await gntSimInProcess(['diagram', 'job-status', '--out', dir]), /--out .* is a directory/);
    expectUsageError(await gntSimInProcess(['diagram', '--all', '--out', '']), /--out must name a directory/);
    expectUsageError(await gntSimInProcess(['report', dir, '--out', dir]), /--out .* is a directory/);
  });
});
