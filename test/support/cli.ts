/** Running the `gnt-sim` command in a child process, as a user would, or in this process. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildIfStale } from '../../scripts/build.mjs';
import { runCli } from '../../src/cli/program.js';
import type { WorkerPool } from '../../src/explore/worker-pool.js';

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

/** A usage or input error: exit 2, the reason on stderr in exactly one line, no stack trace. */
export function expectUsageError(r: CliResult, reason: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^gnt-sim: /);
}

/**
 * Runs `gnt-sim ARGS` in this process (`runCli`), with its output captured: the way to run many
 * invocations fast. Searches and replays run in the given pool's worker threads (`newWorkerPool()`,
 * closed by the caller), or in a pool of their own.
 */
export async function gntSimInProcess(
  args: readonly string[],
  opts: { readonly pool?: WorkerPool; readonly tty?: boolean; readonly cores?: number } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    noColor: true,
    ...(opts.tty !== undefined ? { tty: opts.tty } : {}),
    ...(opts.pool ? { pool: opts.pool } : {}),
    ...(opts.cores !== undefined ? { cores: opts.cores } : {}),
  });
  return { code, stdout, stderr: stderr.trim() };
}

/** The command a line like `  replay: gnt-sim replay FILE --scenario-file F` prints, as argv. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string));
  return words;
}
