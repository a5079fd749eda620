/**
 * `gnt-sim search` as a user meets it: time-bounded searches (the documented `--time` command
 * runs as written in `readme.test.ts`), the progress line, `--json`, `--workers auto` and the warning for more
 * workers than cores, and a printed replay command that works when pasted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { terminalOutput } from '../../src/cli/output.js';
import { SearchProgress } from '../../src/cli/progress.js';
import type { SearchSummary } from '../../src/explore/coordinator.js';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { gntSimInProcess, shellWords } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-search-cli-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const FIXTURE = new URL('../report/fixture-scenario.ts', import.meta.url).pathname;
let outs = 0;
const out = () => join(dir, `o${outs++}`);

describe('gnt-sim search --time', () => {
  for (const extra of [
    ['--workers', '2'],
    ['--shard', '1/3'],
    ['--runs', '1000000000'],
  ]) {
    it(`--time 1 ${extra.join(' ')} --json stops by time after more than 0 runs`, async () => {
      const r = await gntSimInProcess(
        ['search', 'lockset-add-remove', '--time', '1', ...extra, '--json', '--out', out()],
        { pool },
      );
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as SearchSummary & { reportPath: string };
      expect(s.stoppedBy).toBe('time');
      expect(s.runsDone).toBeGreaterThan(0);
      expect(s.timeLimitMs).toBe(1000);
    }, 30_000);
  }

  it('the header says both bounds when both are given', async () => {
    const r = await gntSimInProcess(['search', 'lockset-add-remove', '--time', '60', '--runs', '5', '--out', out()], {
      pool,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('seed 1, 5 runs or 60 s, whichever comes first, workers 1');
    expect(r.stdout).toMatch(/no finding in 5 runs/);
  });
});

describe('what search prints', () => {
  it('--json names the report and the output directory', async () => {
    const o = out();
    const r = await gntSimInProcess(['search', 'lockset-add-remove', '--runs', '3', '--json', '--out', o], { pool });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { reportPath: string; outDir: string };
    expect(s.reportPath).toBe(join(o, 'index.html'));
    expect(s.outDir).toBe(o);
    expect(existsSync(s.reportPath)).toBe(true);
  });

  it('--workers auto uses the cores available', async () => {
    const r = await gntSimInProcess(
      ['search', 'lockset-add-remove', '--runs', '3', '--workers', 'auto', '--out', out()],
      {
        pool,
        cores: 2,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(', workers 2, ');
    expect(r.stderr).toBe('');
  });

  it('more workers than cores gives a one-line warning on stderr, and the search runs', async () => {
    const r = await gntSimInProcess(['search', 'lockset-add-remove', '--runs', '3', '--workers', '3', '--out', out()], {
      pool,
      cores: 2,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'gnt-sim: warning: --workers 3 is more than the 2 cores available; the search will be slower, not faster',
    );
  });

  it('the progress line says which finding is being shrunk', async () => {
    const r = await gntSimInProcess(
      ['search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all', '--out', out()],
      { pool, tty: true },
    );
    expect(r.code).toBe(1);
    const run = Number(/FINDING at run (\d+)/.exec(r.stdout)?.[1]);
    expect(run).toBeGreaterThan(0);
    expect(r.stdout).toContain(`\r\u001b[2Kruns ${run}  `);
    expect(r.stdout).toMatch(new RegExp(`runs ${run} {2}[\\d.]+ runs/s {2}shrinking finding at run ${run}`));
    expect(r.stdout).toMatch(new RegExp(`runs ${run + 1} {2}[\\d.]+ runs/s {2}findings 1`));
  }, 30_000);

  it('the replay command it prints includes --scenario-file, and pasting it replays the finding', async () => {
    const r = await gntSimInProcess(
      ['search', 'report-deadlock', '--scenario-file', FIXTURE, '--seed', '3', '--runs', '300', '--out', out()],
      { pool },
    );
    expect(r.code, r.stderr).toBe(1);
    const line = /^ {2}replay: (gnt-sim replay .*)$/m.exec(r.stdout)?.[1] ?? '';
    expect(line).toContain(` --scenario-file ${FIXTURE}`);
    const [command, ...args] = shellWords(line);
    expect(command).toBe('gnt-sim');
    const replay = await gntSimInProcess(args, { pool });
    expect(replay.code, replay.stderr).toBe(1);
    expect(replay.stdout).toMatch(/reproduced: trace hash [0-9a-f]{16}/);
  }, 30_000);
});

describe('the progress line counts runs per second over the time spent in runs', () => {
  it('ten runs in a second, then nine seconds of shrinking: 11 runs in 1 s is 11 runs/s, not 1.1', () => {
    let now = 0;
    let shown = '';
    const o = { ...terminalOutput({ stdout: () => {}, stderr: () => {}, tty: false, noColor: true }) };
    const p = new SearchProgress({ ...o, tty: true, progress: (s: string) => (shown = s) }, () => now);
    for (let i = 0; i < 10; i++) {
      now += 100;
      p.runDone(i, false);
    }
    expect(shown).toBe('runs 10  10.0 runs/s  findings 0');
    p.shrinking(10);
    now += 9_000;
    p.runDone(10, true);
    expect(shown).toBe('runs 11  11.0 runs/s  findings 1');
    const summary = { runsDone: 11, durationMs: 10_000 } as SearchSummary;
    expect(p.runsPerSecond(summary)).toBe(11);
    p.stop();
  });
});
