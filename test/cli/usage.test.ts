/** Usage errors are exactly one line on stderr, commander's hints folded into it; help is not an error. */
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../src/version.js';
import { expectUsageError, gntSimInProcess } from '../support/cli.js';

describe('usage errors are one line', () => {
  it('an unknown option, with its "did you mean" hint in the same line', async () =>
    expectUsageError(
      await gntSimInProcess(['search', '--seeds', '3']),
      /^gnt-sim: unknown option '--seeds' \(Did you mean --seed\?\) \(see gnt-sim --help\)$/,
    ));
  it('a missing argument', async () =>
    expectUsageError(
      await gntSimInProcess(['replay']),
      /^gnt-sim: missing required argument 'file' \(see gnt-sim --help\)$/,
    ));
  it('a missing required option', async () =>
    expectUsageError(await gntSimInProcess(['locks', 'f.json']), /required option '--step <n>' not specified/));
  it('an unknown command', async () =>
    expectUsageError(
      await gntSimInProcess(['serch']),
      /^gnt-sim: unknown command 'serch' \(Did you mean search\?\) \(see gnt-sim --help\)$/,
    ));
  it('no command at all', async () =>
    expectUsageError(
      await gntSimInProcess([]),
      /^gnt-sim: name a command: search, replay, locks, scenarios, mutants, merge, diagram, report \(see gnt-sim --help\)$/,
    ));
  it('too many arguments', async () =>
    expectUsageError(await gntSimInProcess(['scenarios', 'extra']), /too many arguments for 'scenarios'/));
  it('an option value that is missing', async () =>
    expectUsageError(await gntSimInProcess(['search', '--runs']), /option '--runs <n>' argument missing/));
});

describe('help and version are not errors', () => {
  it('--help prints the commands and exits 0', async () => {
    const r = await gntSimInProcess(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: gnt-sim \[options\] \[command\]/);
  });
  it('search --help lists the time and watchdog options', async () => {
    const r = await gntSimInProcess(['search', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--time <seconds>', '--run-timeout <seconds>', '--run-memory <mb>', '--force', '--workers <n>']) {
      expect(r.stdout).toContain(o);
    }
  });
  it('--version prints the version', async () => {
    const r = await gntSimInProcess(['--version']);
    expect([r.code, r.stdout.trim()]).toEqual([0, TOOL_VERSION]);
  });
});
