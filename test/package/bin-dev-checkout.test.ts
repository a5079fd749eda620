/**
 * bin/gnt-sim.js in a development checkout (scripts/build.mjs beside it) runs dist/ only when it is
 * up to date: a missing or stale dist/ is built first, with one line on stderr saying why; a
 * build that fails is exit 2 with one line after tsc's messages, and the old dist/ stays. In an
 * installed package (no scripts/) a missing dist/ is one line and exit 2. Shown on a tiny
 * checkout whose CLI prints a greeting, so each build takes a second, not the whole project's.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let checkout = '';

function gntSim(): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(checkout, 'bin', 'gnt-sim.js')], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeMain(text: string): void {
  writeFileSync(join(checkout, 'src', 'cli', 'main.ts'), text);
}

beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), 'gnt-sim-checkout-'));
  for (const f of ['bin/gnt-sim.js', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(repo, f), join(checkout, f));
  }
  writeFileSync(join(checkout, 'package.json'), JSON.stringify({ name: 'tiny', version: '0.0.0', type: 'module' }));
  symlinkSync(join(repo, 'node_modules'), join(checkout, 'node_modules'));
  mkdirSync(join(checkout, 'src', 'cli'), { recursive: true });
  writeMain("process.stdout.write('hello from dist\\n');\n");
});
afterAll(() => {
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

describe('gnt-sim in a development checkout', () => {
  it('builds a missing dist/ first, saying so in one line, then runs it', () => {
    const r = gntSim();
    expect(r.stderr).toBe('gnt-sim: dist/ is not built yet; building it (npm run build)\n');
    expect(r.stdout).toBe('hello from dist\n');
    expect(r.code).toBe(0);
  });

  it('runs an up-to-date dist/ without a word', () => {
    const r = gntSim();
    expect(r).toEqual({ code: 0, stdout: 'hello from dist\n', stderr: '' });
  });

  it('rebuilds dist/ when a source changed since its build, and runs the new code', () => {
    writeMain("process.stdout.write('hello again\\n');\n");
    const r = gntSim();
    expect(r.stderr).toBe('gnt-sim: sources changed since dist/ was built; rebuilding it (npm run build)\n');
    expect(r.stdout).toBe('hello again\n');
  });

  it('a source that does not compile: exit 2 with one line after the compiler, and the old dist/ stays', () => {
    writeMain("const n: number = 'not a number';\nprocess.stdout.write(String(n));\n");
    const r = gntSim();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error TS2322/);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'gnt-sim: building dist/ failed: tsc -p tsconfig.build.json exited 2 (see above)',
    );
    rmSync(join(checkout, 'scripts'), { recursive: true });
    expect(gntSim().stdout).toBe('hello again\n');
  });

  it('an installation without dist/ says it is incomplete in one line, exit 2', () => {
    rmSync(join(checkout, 'scripts'), { recursive: true, force: true });
    rmSync(join(checkout, 'dist'), { recursive: true });
    const r = gntSim();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `gnt-sim: ${join(checkout, 'dist', 'src', 'cli', 'main.js')} is missing: this installation of gnt-sim is incomplete\n`,
    );
  });
});
