/**
 * The commands the README documents for time-bounded searches, runaway runs and errors, run
 * exactly as written (through a shell, from the repository root), with their output matched
 * against what the README shows. In the README's output, `…` stands for anything, and numbers
 * (run counts, timings, time stamps, line numbers) may differ.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ROOT = new URL('../..', import.meta.url).pathname;

/** The output the README shows after `$ COMMAND`, up to the next command or the block's end. */
function documented(command: string): string[] {
  const lines = README.split('\n');
  const at = lines.indexOf(`$ ${command}`);
  expect(at, `README documents "$ ${command}"`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith('$ ') || l.startsWith('```')) break;
    out.push(l);
  }
  return out;
}

function pattern(line: string): RegExp {
  const parts = line.split(/(…|\d+(?:\.\d+)?)/);
  const re = parts
    .map((p, i) => (i % 2 === 0 ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p === '…' ? '.*' : '\\d+(?:\\.\\d+)?'))
    .join('');
  return new RegExp(`^${re}$`);
}

/** Runs the command as written; stdout then stderr, as a terminal shows them when piped apart. */
function runAsWritten(command: string): { code: number | null; lines: string[] } {
  const r = spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  for (const m of r.stdout.matchAll(/^report: (.*)\/index\.html$/gm))
    rmSync(`${ROOT}/${m[1]}`, { recursive: true, force: true });
  return { code: r.status, lines: [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter((l) => l !== '') };
}

const COMMANDS: Array<[command: string, exit: number]> = [
  ['npx gnt-sim search --time 5', 0],
  ['npx gnt-sim search busy-loop --scenario-file test/cli/fixtures/hostile-scenarios.ts --run-timeout 1', 1],
  ['npx gnt-sim search build-throws --scenario-file test/cli/fixtures/hostile-scenarios.ts', 2],
  ['npx gnt-sim search --shard 99999999999999999999/99999999999999999999', 2],
  ["npx gnt-sim search --out ''", 2],
];

describe('README commands of searches bounded by time, runaway runs and errors, as written', () => {
  for (const [command, exit] of COMMANDS) {
    it(command, () => {
      const want = documented(command);
      const got = runAsWritten(command);
      expect(got.code, got.lines.join('\n')).toBe(exit);
      expect(got.lines.length, got.lines.join('\n')).toBe(want.length);
      for (const [i, line] of want.entries()) expect(got.lines[i]).toMatch(pattern(line));
    }, 30_000);
  }
});
