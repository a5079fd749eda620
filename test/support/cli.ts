/** Running the built `gnt-sim` command in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildIfStale } from '../../scripts/build.mjs';

const bin = new URL('../../bin/gnt-sim.js', import.meta.url).pathname;

// The command runs the compiled dist/: bring it up to date with the sources once, here, so that
// no command run by a test rebuilds it (and says so on stderr) and tests never see stale code.
buildIfStale(fileURLToPath(new URL('../..', import.meta.url)), (line) => process.stderr.write(`${line}\n`));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gnt-sim ARGS` without colours; stderr comes back trimmed. */
export function gntSim(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

/**
 * A usage error: exit 2, the reason on stderr, no stack trace. Errors found by the option parser
 * add a second line pointing at `--help`; `oneLine` asserts there is nothing but the reason.
 */
export function expectUsageError(r: CliResult, reason: RegExp, opts: { readonly oneLine?: boolean } = {}): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (opts.oneLine) expect(r.stderr.split('\n')).toHaveLength(1);
}
