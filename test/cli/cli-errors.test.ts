import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeHash } from '../../src/explore/code-hash.js';
import { newWorkerPool } from '../../src/explore/coordinator.js';
import { serializeReplay } from '../../src/explore/replay-file.js';
import { expectUsageError, gntSimInProcess } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-cli-'));
const pool = newWorkerPool();
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const gntSim = (...args: string[]) => gntSimInProcess(args, { pool });

let replayFile = '';
beforeAll(async () => {
  const r = await gntSim('search', 'lockset-add-remove', '--mutant', 'lockset-unsorted-all', '--out', dir);
  expect(r.code, r.stderr).toBe(1);
  replayFile = /replay: gnt-sim replay (\S+)/.exec(r.stdout)?.[1] ?? '';
  expect(replayFile).not.toBe('');
}, 60_000);

/** The replay file's record, changed by `edit`, written with a valid checksum. */
function forged(name: string, edit: (body: Record<string, unknown>) => void): string {
  const original = readFileSync(replayFile, 'utf8');
  const body = JSON.parse(original.slice(original.indexOf('\n') + 1)) as Record<string, unknown>;
  edit(body);
  const f = join(dir, name);
  writeFileSync(f, serializeReplay(body as never));
  return f;
}

describe('gnt-sim input errors exit 2 with a one-line reason', () => {
  it('an unknown flag', async () =>
    expectUsageError(await gntSim('search', '--frobnicate'), /unknown option '--frobnicate' \(see gnt-sim --help\)/));
  it('a malformed number', async () =>
    expectUsageError(await gntSim('search', '--runs', 'ten'), /--runs must be an integer >= 1, got "ten"/));
  it('an unknown strategy', async () =>
    expectUsageError(
      await gntSim('search', '--strategy', 'psychic'),
      /Allowed choices are random, pct, swarm, exhaustive/,
    ));
  it('an exhaustive bound without the exhaustive strategy', async () => {
    for (const flag of ['--preemptions', '--delays', '--max-executions']) {
      expectUsageError(
        await gntSim('search', flag, '3'),
        /--preemptions, --delays and --max-executions apply only to --strategy exhaustive/,
      );
    }
  });
  it('a negative delay bound', async () =>
    expectUsageError(await gntSim('search', '--strategy', 'exhaustive', '--delays', '-1'), /--delays must be/));
  it('an unknown mutant', async () =>
    expectUsageError(await gntSim('search', '--mutant', 'no-such-bug'), /unknown mutant "no-such-bug"/));
  it('a malformed shard', async () =>
    expectUsageError(await gntSim('search', '--shard', '3/2'), /--shard must be i\/n with 1 <= i <= n/));
  it('a shard beyond the safe integers (it used to run 0 runs and exit 0)', async () =>
    expectUsageError(
      await gntSim('search', '--shard', '99999999999999999999/99999999999999999999'),
      /--shard must be i\/n/,
    ));
  it('a shard that owns none of the runs', async () =>
    expectUsageError(await gntSim('search', '--shard', '5/10', '--runs', '3'), /--shard 5\/10 has no runs/));
  it('numbers out of range', async () => {
    expectUsageError(await gntSim('search', '--runs', '0'), /--runs must be an integer >= 1/);
    expectUsageError(await gntSim('search', '--runs', '1e3'), /--runs must be an integer >= 1, got "1e3"/);
    expectUsageError(await gntSim('search', '--time', '99999999999999999999'), /--time must be/);
    expectUsageError(await gntSim('search', '--workers', '0'), /--workers must be auto or an integer from 1 to 256/);
    expectUsageError(await gntSim('search', '--workers', '100000'), /--workers must be/);
    expectUsageError(await gntSim('search', '--run-timeout', '0'), /--run-timeout must be an integer from 1/);
    expectUsageError(await gntSim('search', '--run-memory', '1'), /--run-memory must be an integer from 32/);
    expectUsageError(await gntSim('replay', 'x', '--tail', '-3'), /--tail must be a non-negative integer/);
  });
  it('an unknown scenario', async () =>
    expectUsageError(await gntSim('search', 'no-such-scenario'), /unknown scenario "no-such-scenario"/));
  it('a missing scenario file', async () =>
    expectUsageError(
      await gntSim('search', '--scenario-file', join(dir, 'missing.ts')),
      /cannot load scenario module .*missing\.ts: no such file/,
    ));

  it('a scenario file that exports no scenario', async () => {
    const f = join(dir, 'empty-scenarios.mts');
    writeFileSync(f, 'export const nothing = 1;\n');
    expectUsageError(await gntSim('scenarios', '--scenario-file', f), /exports no scenario/);
  });

  it('a scenario file that does not compile names the line', async () => {
    const f = join(dir, 'broken-scenarios.mts');
    writeFileSync(f, 'export const scenarios = [;\n');
    expectUsageError(
      await gntSim('search', '--scenario-file', f),
      /cannot load scenario module .*broken-scenarios\.mts: syntax error at .*broken-scenarios\.mts:1:2[67]: Unexpected/,
    );
  });

  it('a missing replay file', async () =>
    expectUsageError(await gntSim('replay', join(dir, 'nope.json')), /cannot read replay file .*: no such file/));

  it('a truncated replay file', async () => {
    const f = join(dir, 'truncated.json');
    const text = readFileSync(replayFile, 'utf8');
    writeFileSync(f, text.slice(0, Math.floor(text.length / 2)));
    expectUsageError(await gntSim('replay', f), /truncated or damaged/);
  });

  it('an edited replay file', async () => {
    const f = join(dir, 'edited.json');
    writeFileSync(f, readFileSync(replayFile, 'utf8').replace('"seed": ', '"seed": 1'));
    expectUsageError(await gntSim('replay', f), /edited or damaged: its checksum does not match/);
  });

  it('a forged replay file names the wrong field (tool: null, mutants: "x")', async () => {
    const tool = forged('tool-null.json', (b) => {
      b.tool = null;
    });
    expectUsageError(await gntSim('replay', tool), /replay file field tool: expected object, got null/);
    const mutants = forged('mutants-x.json', (b) => {
      b.mutants = 'x';
    });
    expectUsageError(await gntSim('replay', mutants), /replay file field mutants: expected array, got "x"/);
    const choice = forged('choice.json', (b) => {
      b.choices = [0, -1];
    });
    expectUsageError(await gntSim('replay', choice), /replay file field choices\[1\]: /);
    const extra = forged('extra.json', (b) => {
      b.surprise = 1;
    });
    expectUsageError(await gntSim('replay', extra), /replay file field surprise: unknown field/);
    const unknownMutant = forged('mutant-unknown.json', (b) => {
      b.mutants = ['no-such-bug'];
    });
    expectUsageError(await gntSim('replay', unknownMutant), /replay file names unknown mutants: no-such-bug/);
  });

  it('a replay file recorded against another version of the scenario', async () => {
    const f = forged('other-version.json', (b) => {
      (b.scenario as { hash: string }).hash = '0000000000000000';
    });
    expectUsageError(
      await gntSim('replay', f),
      /scenario lockset-add-remove changed since the replay file was recorded/,
    );
  });

  it('a replay file recorded with another tool version', async () => {
    const f = forged('other-tool.json', (b) => {
      (b.tool as { version: string }).version = '0.0.0-old';
    });
    expectUsageError(await gntSim('replay', f), /recorded with gnt-sim 0\.0\.0-old/);
  });

  it('a replay that does not reproduce under other code says the code changed, in one line', async () => {
    const f = forged('other-code.json', (b) => {
      (b.tool as { code: string }).code = 'c0dec0dec0dec0de';
      b.traceHash = 'ffffffffffffffff';
    });
    const r = await gntSim('replay', f, '--tail', '0');
    expectUsageError(
      r,
      new RegExp(
        `replay differs: the code changed since this was recorded \\(recorded with code c0dec0dec0dec0de, running ${codeHash()}\\); trace hash: recorded ffffffffffffffff`,
      ),
    );
  });
});

describe('gnt-sim replay', () => {
  it('reproduces the recorded trace hash and exits 1 for a reproduced finding', async () => {
    const r = await gntSim('replay', replayFile, '--tail', '5');
    expect(r.code).toBe(1);
    const recorded = JSON.parse(readFileSync(replayFile, 'utf8').split('\n').slice(1).join('\n')).traceHash;
    expect(r.stdout).toContain(`reproduced: trace hash ${recorded}`);
  });

  it('records the hash of the code that ran', () => {
    const body = JSON.parse(readFileSync(replayFile, 'utf8').split('\n').slice(1).join('\n'));
    expect(body.tool.code).toBe(codeHash());
    expect(codeHash()).toMatch(/^[0-9a-f]{16}$/);
  });
});
