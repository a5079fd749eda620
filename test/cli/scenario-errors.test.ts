/**
 * Scenario code is user code: whatever a scenario's own code does wrong is the scenario author's
 * to fix, reported as exit 2 and one line naming the scenario, the hook, the first frame in the
 * user's code and the run and seed; never exit 1 (which means the system under test failed), never
 * a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { expectUsageError, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-scenario-errors-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const FIXTURE = new URL('./fixtures/hostile-scenarios.ts', import.meta.url).pathname;
const FIXTURE_RE = 'test/cli/fixtures/hostile-scenarios\\.ts';
let outs = 0;

async function search(id: string, ...more: string[]) {
  return gntSimInProcess(
    ['search', id, '--scenario-file', FIXTURE, '--runs', '3', '--seed', '5', '--out', join(dir, `o${outs++}`), ...more],
    { pool },
  );
}

describe('an error in a scenario hook is one line naming the scenario, the hook, the file and line, the run and seed', () => {
  const cases: Array<[id: string, hook: string, error: string]> = [
    ['params-throws', 'params', 'Error: params is broken'],
    ['params-map-throws', 'params', 'RangeError: the params map is broken'],
    ['faults-throws', 'faults', 'Error: faults is broken'],
    ['build-throws', 'build', 'Error: build is broken'],
    ['checker-throws', 'checker onEvent', 'TypeError: the checker is broken'],
    ['at-end-throws', 'checker atEnd', 'Error: atEnd is broken'],
    ['wait-for-throws', 'waitFor', 'Error: waitFor is broken'],
    ['liveness-throws', 'onLiveness', 'Error: onLiveness is broken'],
    ['size-throws', 'size', 'Error: size is broken'],
  ];
  for (const [id, hook, error] of cases) {
    it(`${id}: ${hook}`, async () => {
      const r = await search(id);
      expectUsageError(
        r,
        new RegExp(
          `^gnt-sim: scenario ${id}: ${hook} threw ${error} \\(at \\S*${FIXTURE_RE}:\\d+:\\d+\\) in run 0 of the search with seed 5$`,
        ),
      );
    });
  }

  it('a checker error inside a run is not the system under test exception, even with two workers', async () => {
    const r = await search('checker-throws', '--workers', '2');
    expectUsageError(r, /scenario checker-throws: checker onEvent threw TypeError/);
    expect(r.stdout).not.toMatch(/FINDING/);
  });

  it('scenario code that exits its worker thread (after the run, outside the guard) is named, never exit 0', async () => {
    expectUsageError(
      await search('at-end-exits'),
      /^gnt-sim: scenario at-end-exits: scenario code ended the worker thread running it with exit code 3 \(does it call process\.exit\?\) in run 0 of the search with seed 5$/,
    );
  });

  it('a build that returns no instance, or reads the real clock, is named', async () => {
    expectUsageError(
      await search('build-returns-nothing'),
      /scenario build-returns-nothing: build returned undefined, not an object in run 0/,
    );
    expectUsageError(
      await search('build-reads-the-clock'),
      new RegExp(
        `scenario build-reads-the-clock: build called Date.now, which is not deterministic \\(at \\S*${FIXTURE_RE}:\\d+:\\d+\\)`,
      ),
    );
  });
});

describe('a scenario module that does not load or has the wrong shape is one line', () => {
  /** A scenario module in a file of its own, built from the valid `base` with `over` applied. */
  function module(name: string, body: string): string {
    const f = join(dir, name);
    writeFileSync(f, body);
    return f;
  }
  const valid = (over: string) => `import fc from 'fast-check';
const base = {
  id: 'mine', title: 't', description: 'd', seeds: [], mutants: [], features: [],
  budget: { maxSteps: 100, maxTimeUs: 1000 }, source: import.meta.url,
  params: () => fc.constant({}), faults: () => fc.constant({}),
  size: () => ({ jobs: 0, faults: 0 }), build: () => ({}),
};
export const scenarios = [{ ...base, ${over} }];
`;

  it('a field of the wrong type is named', async () => {
    const f = module('bad-budget.mts', valid("budget: { maxSteps: 'x', maxTimeUs: 1 }"));
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', f]),
      /scenario module .*bad-budget\.mts: scenarios\[0\]\.budget\.maxSteps: expected number, got "x"/,
    );
  });

  it('a missing hook is named', async () => {
    const f = module('no-build.mts', valid('build: undefined'));
    expectUsageError(
      await gntSimInProcess(['search', '--scenario-file', f]),
      /scenarios\[0\]\.build: must be a function \(world, input\) => instance, got nothing/,
    );
  });

  it('an id that is not a file name, an unknown mutant, a duplicate id', async () => {
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', module('bad-id.mts', valid("id: '../escape'"))]),
      /scenarios\[0\]\.id: must be letters, digits/,
    );
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', module('bad-mutant.mts', valid("mutants: ['nope']"))]),
      /scenarios\[0\]\.mutants\[0\]: /,
    );
    const twice = module('twice.mts', `${valid('')}scenarios.push(scenarios[0]);\n`);
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', twice]),
      /scenarios\[1\]\.id: must be unique \("mine" repeats\)/,
    );
  });

  it('a module that throws while loading names its line', async () => {
    const f = module('throws.mts', "const a = 1;\nthrow new TypeError('broken at load ' + a);\n");
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', f]),
      /cannot load scenario module .*throws\.mts: TypeError: broken at load 1 \(at .*throws\.mts:2:7\)/,
    );
  });

  it('a module that calls process.exit(0) while loading neither exits nor exits 0', async () => {
    const f = module('exits.mts', 'process.exit(0);\nexport const scenarios = [];\n');
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', f]),
      /cannot load scenario module .*exits\.mts: it called process\.exit while loading/,
    );
  });

  it('a module that imports something missing says what', async () => {
    const f = module('imports.mts', "import { x } from './nowhere.mjs';\nexport const scenarios = [x];\n");
    expectUsageError(
      await gntSimInProcess(['scenarios', '--scenario-file', f]),
      /cannot load scenario module .*imports\.mts: it imports .*nowhere\.mjs, which cannot be found/,
    );
  });
});
