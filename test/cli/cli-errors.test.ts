import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeReplay } from '../../src/explore/replay-file.js';
import { expectUsageError, gntSim } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let replayFile = '';
beforeAll(() => {
  const r = gntSim('search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all', '--runs', '2000', '--out', dir);
  expect(r.code).toBe(1);
  replayFile = /replay: gnt-sim replay (\S+)/.exec(r.stdout)?.[1] ?? '';
  expect(replayFile).not.toBe('');
}, 60_000);

describe('gnt-sim input errors exit 2 with a one-line reason', () => {
  it('an unknown flag', () => expectUsageError(gntSim('search', '--frobnicate'), /unknown option '--frobnicate'/));
  it('a malformed number', () =>
    expectUsageError(gntSim('search', '--runs', 'ten'), /--runs must be a positive integer/));
  it('an unknown strategy', () =>
    expectUsageError(gntSim('search', '--strategy', 'psychic'), /Allowed choices are random, pct, swarm, exhaustive/));
  it('an exhaustive bound without the exhaustive strategy', () => {
    for (const flag of ['--preemptions', '--delays', '--max-executions']) {
      expectUsageError(
        gntSim('search', flag, '3'),
        /--preemptions, --delays and --max-executions apply only to --strategy exhaustive/,
      );
    }
  });
  it('a negative delay bound', () =>
    expectUsageError(gntSim('search', '--strategy', 'exhaustive', '--delays', '-1'), /--delays must be/));
  it('an unknown mutant', () =>
    expectUsageError(gntSim('search', '--mutant', 'no-such-bug'), /unknown mutant "no-such-bug"/));
  it('a malformed shard', () => expectUsageError(gntSim('search', '--shard', '3/2'), /--shard must be i\/n/));
  it('an unknown scenario', () =>
    expectUsageError(gntSim('search', 'no-such-scenario'), /unknown scenario "no-such-scenario"/));
  it('a missing scenario file', () =>
    expectUsageError(gntSim('search', '--scenario-file', join(dir, 'missing.ts')), /cannot load scenario module/));

  it('a scenario file that exports no scenario', () => {
    const f = join(dir, 'empty-scenarios.mts');
    writeFileSync(f, 'export const nothing = 1;\n');
    expectUsageError(gntSim('scenarios', '--scenario-file', f), /exports no scenario/);
  });

  it('a scenario file that does not compile', () => {
    const f = join(dir, 'broken-scenarios.mts');
    writeFileSync(f, 'export const scenarios = [;\n');
    expectUsageError(gntSim('search', '--scenario-file', f), /cannot load scenario module/);
  });

  it('a missing replay file', () =>
    expectUsageError(gntSim('replay', join(dir, 'nope.json')), /cannot read replay file/));

  it('a truncated replay file', () => {
    const f = join(dir, 'truncated.json');
    const text = readFileSync(replayFile, 'utf8');
    writeFileSync(f, text.slice(0, Math.floor(text.length / 2)));
    expectUsageError(gntSim('replay', f), /truncated or damaged/);
  });

  it('an edited replay file', () => {
    const f = join(dir, 'edited.json');
    writeFileSync(f, readFileSync(replayFile, 'utf8').replace('"seed": ', '"seed": 1'));
    expectUsageError(gntSim('replay', f), /edited or damaged: its checksum does not match/);
  });

  it('a replay file recorded against another version of the scenario', () => {
    const original = readFileSync(replayFile, 'utf8');
    const body = JSON.parse(original.slice(original.indexOf('\n') + 1));
    body.scenario.hash = '0000000000000000';
    const f = join(dir, 'other-version.json');
    writeFileSync(f, serializeReplay(body));
    expectUsageError(gntSim('replay', f), /scenario lockset-add-remove changed since the replay file was recorded/);
  });

  it('a replay file recorded with another tool version', () => {
    const original = readFileSync(replayFile, 'utf8');
    const body = JSON.parse(original.slice(original.indexOf('\n') + 1));
    body.tool.version = '0.0.0-old';
    const f = join(dir, 'other-tool.json');
    writeFileSync(f, serializeReplay(body));
    expectUsageError(gntSim('replay', f), /recorded with gnt-sim 0\.0\.0-old/);
  });

  it('merge of summaries from different searches', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const base = {
      scenario: 's',
      strategy: 'pct',
      seed: 1,
      mutants: [],
      keepGoing: false,
      runsRequested: 1,
      runsDone: 1,
      findings: [],
      stoppedBy: 'runs',
      durationMs: 1,
    };
    writeFileSync(a, JSON.stringify({ ...base, shard: { index: 1, count: 2 } }));
    writeFileSync(b, JSON.stringify({ ...base, seed: 2, shard: { index: 2, count: 2 } }));
    expectUsageError(gntSim('merge', a, b), /is from another search/);
  });
});

describe('gnt-sim replay', () => {
  it('reproduces the recorded trace hash and exits 1 for a reproduced finding', () => {
    const r = gntSim('replay', replayFile, '--tail', '5');
    expect(r.code).toBe(1);
    const recorded = JSON.parse(readFileSync(replayFile, 'utf8').split('\n').slice(1).join('\n')).traceHash;
    expect(r.stdout).toContain(`reproduced: trace hash ${recorded}`);
  });
});
