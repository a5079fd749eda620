/**
 * Property: whatever gnt-sim is handed (argv vectors, truncated, bit-flipped and forged replay
 * files, broken summaries and scenario files, bad output paths), it answers with exit 2 and one
 * line on stderr, or, for a forged input that is still a valid one, with what that input means
 * (a finding, exit 1, or nothing wrong); never exit 0 on garbage, never a stack trace, never an
 * internal error (exit 3), never a hang.
 *
 * Runs in-process (`runCli`) with one pool of worker threads, over 1,000 cases per run.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { parseReplay, serializeReplay } from '../../src/explore/replay-file.js';
import { summaryFileSchema } from '../../src/explore/summary-file.js';
import { type CliResult, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-fuzz-'));
const pool = newWorkerPool();
let files = 0;
/** A fresh path in the scratch directory. */
const fresh = (ext = '') => join(dir, `f${files++}${ext}`);

let replayText = '';
let summaryText = '';
const aFile = join(dir, 'a-regular-file');
const foreignDir = join(dir, 'foreign');

beforeAll(async () => {
  const out = join(dir, 'found');
  const r = await gntSimInProcess(['search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all', '--out', out], {
    pool,
  });
  expect(r.code, r.stderr).toBe(1);
  const replay = readdirSync(out).find((f) => f.endsWith('.replay.json')) as string;
  replayText = readFileSync(join(out, replay), 'utf8');
  summaryText = readFileSync(join(out, 'summary.json'), 'utf8');
  writeFileSync(aFile, 'not a directory');
  mkdirSync(foreignDir);
  writeFileSync(join(foreignDir, 'notes.txt'), 'mine');
}, 60_000);

afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (argv: readonly string[]) => gntSimInProcess(argv, { pool });

/** The contract every answer keeps: a known exit code, at most one line on stderr, no stack. */
function expectContract(r: CliResult, what: string): void {
  const lines = r.stderr === '' ? [] : r.stderr.split('\n');
  expect([0, 1, 2], `${what}: ${r.stderr}`).toContain(r.code);
  expect(lines.length, `${what}: ${r.stderr}`).toBeLessThanOrEqual(1);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  if (r.code === 2) expect(r.stderr, what).toMatch(/^gnt-sim: \S/);
}

/** Garbage in: exit 2 and exactly one line. */
function expectRefused(r: CliResult, what: string): void {
  expectContract(r, what);
  expect(r.code, `${what}: ${r.stdout.slice(-300)} ${r.stderr}`).toBe(2);
  expect(r.stderr.split('\n')).toHaveLength(1);
}

// ---------------------------------------------------------------------------------------------
// argv vectors

/** A slot of a command line: absent, a good value, or a bad one; the bad ones are known bad. */
interface Slot {
  readonly tokens: readonly string[];
  readonly bad: boolean;
}

const oneOf = <T>(...xs: T[]) => fc.constantFrom(...xs);
const junk = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `zz${s}`);
const badNumbers = ['', '-1', '0', '1.5', 'NaN', '1e3', '99999999999999999999', ' 1', 'x', '0x10', '١'];

function option(flag: string, good: readonly string[], bad: readonly string[], optional = true) {
  const options: fc.Arbitrary<Slot>[] = [];
  if (optional) options.push(fc.constant({ tokens: [], bad: false }));
  if (good.length > 0) options.push(fc.constantFrom(...good).map((v) => ({ tokens: [flag, v], bad: false })));
  options.push(
    fc.oneof(fc.constantFrom(...bad), junk).map((v) => ({ tokens: [flag, v], bad: true })),
    fc.constant({ tokens: [flag], bad: true }),
  );
  return fc.oneof(...options);
}

/** Output paths that can never be used. */
const badOut = () =>
  oneOf('', aFile, join(aFile, 'sub'), foreignDir, `${dir}/x\u0000y`, join(dir, 'n'.repeat(300)), '/proc/gnt-sim-nope');

const searchArgv: fc.Arbitrary<Slot[]> = fc.tuple(
  fc.oneof(
    fc.constant({ tokens: ['lockset-add-remove'], bad: false }),
    fc.oneof(oneOf('', 'nope', '../x', 'lockset-add-remove/..'), junk).map((v) => ({ tokens: [v], bad: true })),
  ),
  option('--runs', ['1', '2'], badNumbers, false),
  option(
    '--seed',
    ['0', '7'],
    badNumbers.filter((b) => b !== '0'),
  ),
  option('--strategy', ['pct', 'random', 'swarm'], ['psychic', '', 'PCT']),
  option('--workers', ['1'], ['0', '257', 'x', '-1', 'autox', '']),
  option('--shard', ['1/1'], ['0/1', '2/1', '1/0', 'x', '1/99999999999999999999', '/', '1/', '']),
  option('--time', [], ['0', '-5', 'x', '1.5', '']),
  option('--mutant', [], ['nope', '', 'LOCKSET-UNSORTED-ALL']),
  option('--scenario-file', [], ['', dir, aFile, join(dir, 'missing.mts')]),
  option('--run-timeout', [], ['0', 'x', '99999999999']),
  option('--run-memory', [], ['1', 'x', '31']),
  option('--delays', [], ['2']),
  fc.oneof(
    fc.constant({ tokens: ['--out', ''], bad: false }),
    badOut().map((o) => ({ tokens: ['--out', o], bad: true })),
  ),
  fc.oneof(
    fc.constant({ tokens: [], bad: false }),
    junk.map((j) => ({ tokens: [`--${j}`], bad: true })),
    junk.map((j) => ({ tokens: [j], bad: true })),
  ),
);

const otherArgv: fc.Arbitrary<Slot[]> = fc.oneof(
  fc.tuple(
    fc.constant({ tokens: ['replay'], bad: false }),
    fc.oneof(oneOf('', dir, aFile, join(dir, 'nope.json'), '/dev/null'), junk).map((f) => ({ tokens: [f], bad: true })),
    option(
      '--tail',
      ['3'],
      badNumbers.filter((b) => b !== '0'),
    ),
  ),
  fc.tuple(
    fc.constant({ tokens: ['locks'], bad: false }),
    fc.oneof(oneOf(aFile, join(dir, 'nope.json')), junk).map((f) => ({ tokens: [f], bad: true })),
    option(
      '--step',
      ['3'],
      badNumbers.filter((b) => b !== '0'),
      false,
    ),
  ),
  fc.tuple(
    fc.constant({ tokens: ['merge'], bad: false }),
    fc.oneof(oneOf(aFile, dir, join(dir, 'nope.json'), ''), junk).map((f) => ({ tokens: [f], bad: true })),
  ),
  fc.tuple(
    fc.constant({ tokens: ['diagram'], bad: false }),
    fc.oneof(
      fc.constant({ tokens: ['job-status'], bad: false }),
      fc.oneof(oneOf('', 'nope'), junk).map((m) => ({ tokens: [m], bad: true })),
    ),
    option('--format', ['dot'], ['png', '', 'DOT']),
    option('--coverage', [], [aFile, dir, '', join(dir, 'nope.json')]),
    fc.oneof(fc.constant({ tokens: ['--all'], bad: true }), fc.constant({ tokens: [], bad: false })),
  ),
  fc.tuple(
    fc.constant({ tokens: ['report'], bad: false }),
    fc.oneof(oneOf('', aFile, join(dir, 'nope'), foreignDir), junk).map((f) => ({ tokens: [f], bad: true })),
  ),
  fc.tuple(
    fc.oneof(oneOf('scenarios', 'mutants').map((c) => ({ tokens: [c], bad: false }))),
    fc.oneof(
      junk.map((j) => ({ tokens: [j], bad: true })),
      junk.map((j) => ({ tokens: [`--${j}`], bad: true })),
    ),
  ),
  fc.tuple(fc.oneof(oneOf('serch', '', '-x', '--', 'help2'), junk).map((c) => ({ tokens: [c], bad: true }))),
);

/** The argv of the slots, and whether one of them is bad (a good --out becomes a fresh directory). */
function argvOf(slots: readonly Slot[]): { argv: string[]; bad: boolean } {
  const argv = slots.flatMap((s) =>
    s.tokens[0] === '--out' && s.tokens[1] === '' && !s.bad ? ['--out', fresh()] : s.tokens,
  );
  return { argv, bad: slots.some((s) => s.bad) };
}

describe('fuzz: the command line keeps its contract on garbage', () => {
  it('property: an argv vector with a bad part is refused with exit 2 and one line (450 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          searchArgv.map((s) => ['search', s] as const),
          otherArgv.map((s) => ['', s] as const),
        ),
        async ([cmd, slots]) => {
          const { argv, bad } = argvOf(slots);
          const full = cmd ? [cmd, ...argv] : argv;
          const r = await run(full);
          if (bad) expectRefused(r, JSON.stringify(full));
          else expectContract(r, JSON.stringify(full));
        },
      ),
      { numRuns: 450 },
    );
  }, 120_000);

  it('property: a truncated or bit-flipped replay file is refused (200 cases)', async () => {
    const damaged = fc.oneof(
      fc.integer({ min: 0, max: 1_000_000 }).map((k) => replayText.slice(0, k % (replayText.length - 1))),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => {
        const bytes = Buffer.from(replayText, 'utf8');
        const i = at % bytes.length;
        bytes[i] = (bytes[i] as number) ^ (1 << bit);
        return bytes.toString('latin1');
      }),
    );
    await fc.assert(
      fc.asyncProperty(damaged, oneOf('replay', 'locks', 'report'), async (text, cmd) => {
        const f = fresh('.replay.json');
        writeFileSync(f, text, 'latin1');
        const argv = cmd === 'locks' ? [cmd, f, '--step', '3'] : [cmd, f];
        const r = await run(argv);
        // A report of a damaged file is a file the summary reader refuses too.
        expectRefused(r, `${cmd} of damaged replay file`);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('property: a forged replay file (any field set to any JSON value, or removed) is refused or replayed for what it is (200 cases)', async () => {
    const body = () => JSON.parse(replayText.slice(replayText.indexOf('\n') + 1)) as Record<string, unknown>;
    const paths = (v: unknown, at: string[] = []): string[][] =>
      typeof v === 'object' && v !== null ? [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))] : [at];
    const all = paths(body()).filter((p) => p.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...all),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        async (path, value) => {
          const b = body();
          let target = b as Record<string, unknown>;
          for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>;
          const key = path[path.length - 1] as string;
          if (value === undefined) delete target[key];
          else target[key] = value;
          const f = fresh('.replay.json');
          writeFileSync(f, serializeReplay(b as never));
          const r = await run(['replay', f, '--tail', '0', '--run-timeout', '5']);
          const what = `replay with ${path.join('.')} = ${JSON.stringify(value)}`;
          expectContract(r, what);
          let valid = true;
          try {
            parseReplay(serializeReplay(b as never));
          } catch {
            valid = false;
          }
          // A forged file the schema refuses is garbage; one it accepts is a run to replay.
          if (!valid) expectRefused(r, what);
          else expect([1, 2], what).toContain(r.code);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('property: a broken summary is refused by merge, report and diagram --coverage (150 cases)', async () => {
    const summary = () => JSON.parse(summaryText) as Record<string, unknown>;
    const keys = Object.keys(summary());
    const broken = fc.oneof(
      fc
        .integer({ min: 0, max: 100_000 })
        .map((k) => ({ text: summaryText.slice(0, k % (summaryText.length - 2)), valid: false })),
      fc.tuple(fc.constantFrom(...keys), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })).map(([k, v]) => {
        const s = summary();
        if (v === undefined) delete s[k];
        else s[k] = v;
        return { text: JSON.stringify(s), valid: summaryFileSchema.safeParse(s).success };
      }),
    );
    await fc.assert(
      fc.asyncProperty(broken, oneOf('merge', 'report', 'diagram'), async ({ text, valid }, cmd) => {
        const d = fresh();
        mkdirSync(d);
        const f = join(d, 'summary.json');
        writeFileSync(f, text);
        const argv =
          cmd === 'diagram'
            ? ['diagram', 'job-status', '--format', 'dot', '--coverage', f]
            : cmd === 'merge'
              ? ['merge', f]
              : ['report', f];
        const r = await run(argv);
        if (!valid) expectRefused(r, `${cmd} of ${text.slice(0, 80)}`);
        else expectContract(r, `${cmd} of a forged but valid summary`);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('property: a broken scenario file is refused with the field or line (100 cases)', async () => {
    const fields: Record<string, readonly string[]> = {
      id: ['null', '1', "''", "'a/b'", '[]', "'x'.repeat(200)"],
      title: ['null', '1', '{}'],
      seeds: ['null', "'x'", '[1]'],
      mutants: ["['nope']", "'x'", 'null'],
      features: ['null', '[1]'],
      budget: ['null', '{}', '{ maxSteps: -1, maxTimeUs: 1 }', '{ maxSteps: 1.5, maxTimeUs: 1 }', "'x'"],
      pctDepths: ['[]', '[0]', "'x'"],
      source: ['null', "'/nowhere/at/all.ts'", '1'],
      params: ['null', '1', '() => 5', "() => { throw new Error('p') }"],
      faults: ['null', '() => null', "() => { throw new Error('f') }"],
      build: [
        'null',
        '() => 5',
        '() => null',
        "() => { throw new Error('b') }",
        '() => ({ checkers: 5 })',
        '() => ({ livenessFromUs: -1 })',
      ],
      size: ['null', '1'],
    };
    const entries = Object.entries(fields);
    const module = fc.oneof(
      fc
        .constantFrom(...entries)
        .chain(([k, vs]) => fc.constantFrom(...vs).map((v) => `export const scenarios = [{ ...base, ${k}: ${v} }];`)),
      junk.map((j) => `export const scenarios = [{ ...base }];\n@@${j}`),
      junk.map((j) => `throw new Error(${JSON.stringify(j)});\nexport const scenarios = [base];`),
      oneOf('export const scenarios = [];', 'export const scenarios = 5;', 'export default null;', 'process.exit(0);'),
    );
    await fc.assert(
      fc.asyncProperty(module, async (tail) => {
        const f = fresh('.mts');
        writeFileSync(
          f,
          `import fc from 'fast-check';
const base = {
  id: 'fuzzed', title: 't', description: 'd', seeds: [], mutants: [], features: [],
  budget: { maxSteps: 100, maxTimeUs: 1000 }, source: import.meta.url,
  params: () => fc.constant({}), faults: () => fc.constant({}),
  size: () => ({ jobs: 0, faults: 0 }),
  build: (world) => { world.spawn('t', function* () { yield* world.sleep(1); }); return {}; },
};
${tail}
`,
        );
        const r = await run(['search', 'fuzzed', '--scenario-file', f, '--runs', '1', '--out', fresh()]);
        expectRefused(r, tail);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('property: an unusable output path is refused before anything runs (50 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(badOut(), oneOf('search', 'merge', 'report', 'diagram'), async (out, cmd) => {
        // Diagrams may go into a directory that holds other files; a merged summary or a report
        // may replace a file.
        fc.pre(!(cmd === 'diagram' && out === foreignDir) && !((cmd === 'merge' || cmd === 'report') && out === aFile));
        const argv = {
          search: ['search', 'lockset-add-remove', '--runs', '1', '--out', out],
          merge: ['merge', join(dir, 'found', 'summary.json'), '--out', out],
          report: ['report', join(dir, 'found'), '--out', out],
          diagram: ['diagram', '--all', '--out', out],
        }[cmd] as string[];
        const r = await run(argv);
        expectRefused(r, `${cmd} --out ${JSON.stringify(out)}`);
        if (cmd === 'search') expect(r.stdout).toBe('');
      }),
      { numRuns: 50 },
    );
  }, 60_000);
});
