/**
 * `gnt-sim/vitest`: `searchTest` registers a test that passes when the search finds nothing, and a
 * finding fails it with the finding, the counterexample's size and the command that replays it
 * (with `--scenario-file` for a scenario that is not built in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinScenario } from '../../src/explore/builtin-scenarios.js';
import { replayCommand } from '../../src/explore/replay-command.js';
import { scenarioFileFor, search } from '../../src/explore/search-api.js';
import { assertNoFinding, defaultReplayDir, searchTest } from '../../src/vitest.js';
import { orderedPhilosophers, philosophers } from '../support/fixture-scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-vitest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

searchTest('searchTest: a search that finds nothing passes (ordered philosophers, 30 runs)', {
  scenario: orderedPhilosophers,
  runs: 30,
  outDir: null,
});

describe('gnt-sim/vitest', () => {
  it('a finding fails with the finding, its size and the replay command naming the scenario file', async () => {
    const summary = await search({ scenario: philosophers, runs: 100, outDir: dir });
    const f = summary.findings[0]!;
    expect(() => assertNoFinding(summary, { scenario: philosophers })).toThrow(
      [
        'gnt-sim search of philosophers (seed 1) found:',
        `run ${f.run}: deadlock (DF) at step ${f.finding.step}, `,
      ].join('\n'),
    );
    expect(() => assertNoFinding(summary, { scenario: philosophers })).toThrow(
      `\n  counterexample: 2 jobs, 0 faults, ${f.replay.size.preemptions} preemption` +
        `${f.replay.size.preemptions === 1 ? '' : 's'}\n` +
        `  replay: gnt-sim replay ${f.replayPath} --scenario-file ./test/support/fixture-scenarios.ts`,
    );
  });

  it('a finding without a replay file says how to get one', async () => {
    const summary = await search({ scenario: philosophers, runs: 100 });
    expect(() => assertNoFinding(summary, { scenario: philosophers })).toThrow(
      'replay: no replay file written (outDir: null); give outDir to get one',
    );
  });

  it('a search without findings does not throw', async () => {
    const summary = await search({ scenario: orderedPhilosophers, runs: 10 });
    expect(() => assertNoFinding(summary, { scenario: orderedPhilosophers })).not.toThrow();
  });

  it('a built-in scenario replays without --scenario-file; a given module path is used as the file', () => {
    expect(scenarioFileFor(builtinScenario('lockset-add-remove'))).toBeUndefined();
    expect(scenarioFileFor(philosophers)).toBe('./test/support/fixture-scenarios.ts');
    expect(scenarioFileFor(philosophers, '/elsewhere/mine.mts')).toBe(join('/elsewhere', 'mine.mts'));
  });

  it('replay files go to reports/vitest/<scenario id>/ unless outDir says otherwise', () => {
    expect(defaultReplayDir('my-scenario')).toBe(join('reports', 'vitest', 'my-scenario'));
  });

  it('the replay command quotes paths a shell would split', () => {
    expect(replayCommand('reports/a b/x.replay.json', "./it's.ts")).toBe(
      "gnt-sim replay 'reports/a b/x.replay.json' --scenario-file './it'\\''s.ts'",
    );
    expect(replayCommand('reports/x/y.replay.json')).toBe('gnt-sim replay reports/x/y.replay.json');
  });
});
