/**
 * The README's search examples about strategies, run exactly as written: the output must be
 * what the README shows, except where it names the time (report directories, durations, rates).
 * Each runs in a fresh temporary directory, where the search writes its reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const bin = new URL('../../bin/gnt-sim.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The output lines the README shows under `$ COMMAND`, up to the next command or block end. */
function documentedOutput(command: string): string[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(`$ ${command}`);
  if (start < 0) throw new Error(`README has no example "$ ${command}"`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('$ ') || line.startsWith('```')) break;
    out.push(line);
  }
  return out;
}

/** What depends on when and how fast a search ran. */
function timeless(line: string): string {
  return line
    .replace(/\d{8}-\d{6}/g, 'TIME')
    .replace(/\d+ runs in [\d.]+ s \([\d.]+ runs\/s\)/, 'N runs in T s (R runs/s)')
    .replace(/\([\d.]+ s, [\d.]+ runs\/s\)/, '(T s, R runs/s)');
}

function run(command: string): string[] {
  const args = command.replace(/^npx gnt-sim /, '').split(' ');
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return r.stdout.trimEnd().split('\n');
}

describe('README: search strategies, as written', () => {
  it.each([
    'npx gnt-sim search lockset-add-remove --strategy exhaustive --delays 2 --runs 200 --mutant lockset-unsorted-all',
    'npx gnt-sim search lockset-add-remove --mutant lockset-unsorted-all',
  ])('%s prints what the README shows', (command) => {
    expect(run(command).map(timeless)).toEqual(documentedOutput(command).map(timeless));
  });
});
