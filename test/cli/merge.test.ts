/**
 * `gnt-sim merge` combines the shards of one search and nothing else: summaries that differ in
 * anything but the shard (scenario and its hash, seed, strategy, runs, time, mutants, bounds) are
 * refused, a summary with a wrong field is refused naming it, and time-bounded shards merge as the
 * prefix of run indices every shard covered (documented in `src/explore/summary-file.ts`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import type { SummaryFile } from '../../src/explore/summary-file.js';
import { expectUsageError, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-merge-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

const finding = {
  kind: 'deadlock',
  property: 'DF',
  message: 'deadlock',
  step: 3,
  timeUs: 0,
  threads: [],
  objects: [],
  traceHash: '0000000000000000',
};

function summary(over: Partial<SummaryFile>): SummaryFile {
  return {
    scenario: 's',
    scenarioHash: 'h',
    strategy: 'pct',
    seed: 1,
    mutants: [],
    shard: { index: 1, count: 2 },
    keepGoing: false,
    runs: 100,
    timeLimitMs: null,
    runsRequested: 50,
    runsDone: 50,
    findings: [],
    coverage: {},
    stoppedBy: 'runs',
    durationMs: 1,
    ...over,
  } as SummaryFile;
}

let files = 0;
function write(s: unknown): string {
  const f = join(dir, `s${files++}.json`);
  writeFileSync(f, JSON.stringify(s));
  return f;
}

describe('merge refuses what is not the shards of one search', () => {
  const cases: Array<[string, Partial<SummaryFile>, RegExp]> = [
    ['a different --runs', { runs: 200 }, /from another search than .* \(--runs: 100 and 200\)/],
    ['a different seed', { seed: 2 }, /\(seed: 1 and 2\)/],
    ['a different scenario hash', { scenarioHash: 'other' }, /\(scenario hash: "h" and "other"\)/],
    ['a different mutant set', { mutants: ['cancel-checked-once'] }, /\(mutants: \[\] and \["cancel-checked-once"\]\)/],
    ['a different --time', { timeLimitMs: 5000 }, /\(--time: null and 5000\)/],
    ['another shard count', { shard: { index: 2, count: 3 } }, /is from a split into 3 shards, not 2/],
    ['the same shard twice', {}, /are the same shard 1\/2/],
  ];
  for (const [what, over, reason] of cases) {
    it(what, async () => {
      const a = write(summary({}));
      const b = write(summary(over));
      expectUsageError(await gntSimInProcess(['merge', a, b]), reason);
    });
  }

  it('a forged field is named', async () => {
    expectUsageError(
      await gntSimInProcess(['merge', write({ ...summary({}), mutants: 'x' })]),
      /is not a search summary: mutants: expected array, got "x"/,
    );
    expectUsageError(
      await gntSimInProcess(['merge', write({ ...summary({}), shard: { index: 3, count: 2 } })]),
      /shard\.index: must be at most shard\.count/,
    );
    expectUsageError(
      await gntSimInProcess(['report', write({ ...summary({}), findings: [{ run: -1 }] })]),
      /is not a search summary: findings\[0\]\.run: /,
    );
    expectUsageError(
      await gntSimInProcess([
        'diagram',
        'job-status',
        '--coverage',
        write({ ...summary({}), coverage: { m: { 'a->b': 'many' } } }),
      ]),
      /is not a search summary: coverage\.m\.a->b: expected number, got "many"/,
    );
  });

  it('a merged summary is not merged again', async () => {
    const m = write({ ...summary({ shard: null }), merged: 2, checkedPrefix: 100 });
    expectUsageError(await gntSimInProcess(['merge', m]), /is a merged summary; merge the summaries the shards wrote/);
  });
});

describe('merging time-bounded shards', () => {
  it('reports the prefix every shard covered, and says when the lowest finding lies beyond it', async () => {
    // Shard 1/2 ran indices 0, 2, ..., 18 (10 runs), shard 2/2 ran 1, 3, ..., 9 (5 runs): every
    // index below 11 was checked. Shard 1 found run 14, beyond that prefix.
    const timed = { runs: null, timeLimitMs: 5000, runsRequested: null, stoppedBy: 'time' as const };
    const a = write(
      summary({
        ...timed,
        runsDone: 10,
        stoppedBy: 'finding',
        findings: [{ run: 14, finding, size: { jobs: 1, faults: 0, preemptions: 0 }, replayPath: null }],
      } as Partial<SummaryFile>),
    );
    const b = write(summary({ ...timed, shard: { index: 2, count: 2 }, runsDone: 5 }));
    const out = join(dir, 'merged.json');
    const r = await gntSimInProcess(['merge', a, b, '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    const m = JSON.parse(readFileSync(out, 'utf8')) as SummaryFile;
    expect([m.runsDone, m.checkedPrefix, m.shard, m.merged]).toEqual([15, 11, null, 2]);
    expect(m.findings.map((f) => f.run)).toEqual([14]);
    expect(m.note).toBe(
      'every run below 11 was checked; the finding at run 14 is real, but a lower one may be among the runs no shard reached',
    );
    expect(r.stdout).toContain(`  note: ${m.note}`);
  });

  it('shards of a real search merge into what the unsharded search reports', async () => {
    const base = ['search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all'];
    const [a, b, whole] = [join(dir, 'sa'), join(dir, 'sb'), join(dir, 'whole')];
    expect((await gntSimInProcess([...base, '--shard', '1/2', '--out', a], { pool })).code).toBe(1);
    expect((await gntSimInProcess([...base, '--shard', '2/2', '--out', b], { pool })).code).toBe(1);
    expect((await gntSimInProcess([...base, '--out', whole], { pool })).code).toBe(1);
    const out = join(dir, 'real-merged.json');
    const r = await gntSimInProcess(['merge', join(a, 'summary.json'), join(b, 'summary.json'), '--out', out]);
    expect(r.code).toBe(1);
    const m = JSON.parse(readFileSync(out, 'utf8')) as SummaryFile;
    const w = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')) as SummaryFile;
    expect(m.findings.map((f) => [f.run, f.finding.traceHash])).toEqual(
      w.findings.map((f) => [f.run, f.finding.traceHash]),
    );
    expect(m.checkedPrefix).toBeGreaterThan(w.findings[0]?.run ?? 0);
    expect(m.note).toBeUndefined();
  }, 60_000);
});
