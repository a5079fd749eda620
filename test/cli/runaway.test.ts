/**
 * Runaway workloads are findings, never a hung or crashed harness and never exit 0: a kernel
 * call with a garbage argument, a run that never yields, one that eats all memory, and one that
 * exits the process each end as a finding with its replay file, with one worker or two, and the
 * search goes on or stops by the usual rules. Replaying a hang is bounded by the same watchdog.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { parseReplay } from '../../src/explore/replay-file.js';
import { type CliResult, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-runaway-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const FIXTURE = new URL('./fixtures/hostile-scenarios.ts', import.meta.url).pathname;
let outs = 0;

async function search(id: string, ...more: string[]): Promise<CliResult & { out: string }> {
  const out = join(dir, `o${outs++}`);
  const r = await gntSimInProcess(
    ['search', id, '--scenario-file', FIXTURE, '--runs', '3', '--out', out, '--json', ...more],
    { pool },
  );
  return { ...r, out };
}

interface Summary {
  runsDone: number;
  stoppedBy: string;
  findings: Array<{ run: number; finding: { kind: string; message: string }; replayPath: string; unshrunk?: string }>;
}

/** A finding of `kind` at run 0, with its replay file on disk, and exit 1. */
function expectFinding(r: CliResult, kind: string, message: RegExp): Summary {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toBe('');
  const s = JSON.parse(r.stdout) as Summary;
  const f = s.findings[0];
  expect(f?.run).toBe(0);
  expect(f?.finding.kind).toBe(kind);
  expect(f?.finding.message).toMatch(message);
  expect(existsSync(f?.replayPath ?? '')).toBe(true);
  expect(parseReplay(readFileSync(f?.replayPath ?? '', 'utf8')).finding.kind).toBe(kind);
  return s;
}

describe('kernel calls with garbage arguments end the run as an exception finding', () => {
  it('sleep(NaN)', async () => {
    expectFinding(
      await search('sleep-nan'),
      'exception',
      /^sleep: expected a whole number of microseconds >= 0, got NaN$/,
    );
  });
  it('sleep(undefined)', async () => {
    expectFinding(await search('sleep-undefined'), 'exception', /^sleep: expected .*, got undefined$/);
  });
  it('a negative wait timeout', async () => {
    expectFinding(await search('wait-negative'), 'exception', /^never\.wait: expected .*, got -5$/);
  });
});

describe('process.exit in a workload', () => {
  it('is trapped like the other escapes: a nondeterminism finding, not exit 0', async () => {
    expectFinding(await search('exit-zero'), 'nondeterminism', /process\.exit called by workload/);
  });
});

describe('the watchdog', () => {
  for (const workers of ['1', '2']) {
    it(`kills a run that never yields and reports a hang with its replay file (--workers ${workers})`, async () => {
      const r = await search('busy-loop', '--run-timeout', '1', '--workers', workers);
      const s = expectFinding(r, 'hang', /did not yield for 1 s \(--run-timeout\)/);
      expect(s.findings[0]?.unshrunk).toBe('hang and oom findings are not shrunk');
      expect(s.stoppedBy).toBe('finding');
    }, 30_000);
  }

  it('with --keep-going the search goes on after a hang, with a fresh worker for each run', async () => {
    const r = await search('busy-loop', '--run-timeout', '1', '--keep-going');
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.runsDone).toBe(3);
    expect(s.findings.map((f) => [f.run, f.finding.kind])).toEqual([
      [0, 'hang'],
      [1, 'hang'],
      [2, 'hang'],
    ]);
  }, 30_000);

  it('kills a run that exhausts its heap and reports an oom with its replay file', async () => {
    const r = await search('alloc-loop', '--run-memory', '64');
    expectFinding(r, 'oom', /exhausted its heap of 64 MB \(--run-memory\)/);
  }, 30_000);

  it('the printed summary says a hang is not shrunk', async () => {
    const out = join(dir, 'text');
    const r = await gntSimInProcess(
      ['search', 'busy-loop', '--scenario-file', FIXTURE, '--runs', '3', '--run-timeout', '1', '--out', out],
      { pool },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FINDING at run 0: hang \(hang\)/);
    expect(r.stdout).toContain('  not shrunk: hang and oom findings are not shrunk');
  }, 30_000);

  it('replaying a hang is bounded by the same watchdog and reproduces it', async () => {
    const { out } = await search('busy-loop', '--run-timeout', '1');
    const file = join(out, 'busy-loop-seed1-run0.replay.json');
    const r = await gntSimInProcess(['replay', file, '--scenario-file', FIXTURE, '--run-timeout', '1'], { pool });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('reproduced: the run did not yield for 1 s (--run-timeout) again');
  }, 30_000);

  it('replaying an oom is bounded and reproduces it', async () => {
    const { out } = await search('alloc-loop', '--run-memory', '64');
    const file = join(out, 'alloc-loop-seed1-run0.replay.json');
    const r = await gntSimInProcess(['replay', file, '--scenario-file', FIXTURE, '--run-memory', '64'], { pool });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('reproduced: the run exhausted its heap of 64 MB (--run-memory) again');
  }, 30_000);
});
