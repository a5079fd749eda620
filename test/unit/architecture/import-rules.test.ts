/**
 * The import rules (`.dependency-cruiser.cjs`) as `npm run lint` applies them: the real tree obeys
 * them, and a forbidden arrow, an import cycle or fast-check in a system under test makes the
 * same command fail, naming the rule.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts['lint:imports'] as string;

/** Runs the lint:imports script in `cwd`; returns its exit code and output. */
function lintImports(cwd: string): { code: number; output: string } {
  try {
    const output = execFileSync('sh', ['-c', script], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A throwaway tree with the project's rules and the given source files. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-imports-'));
  dirs.push(dir);
  cpSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  for (const folder of ['src', 'scenarios', 'models']) mkdirSync(join(dir, folder), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import rules', () => {
  it('the project itself obeys every import rule', () => {
    const r = lintImports(root);
    expect(r.output).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('a system under test importing the checkers (an arrow up the layers) fails the lint, naming the rule', () => {
    const dir = tree({
      'src/check/finding.ts': 'export interface Finding { readonly kind: string }\n',
      'src/locking/probe.ts': "import type { Finding } from '../check/finding.js';\nexport type F = Finding;\n",
      'src/sim/ports.ts': 'export type Proc = Generator<unknown, void, unknown>;\n',
    });
    const r = lintImports(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('layer:src/locking');
    expect(r.output).toContain('src/locking/probe.ts → src/check/finding.ts');
  });

  it('a system under test reaching past the ports into the kernel fails the lint', () => {
    const dir = tree({
      'src/sim/kernel.ts': 'export const k = 1;\n',
      'src/sim/ports.ts': 'export type Proc = Generator<unknown, void, unknown>;\n',
      'src/jqueue/probe.ts': "import { k } from '../sim/kernel.js';\nexport const p = k;\n",
    });
    const r = lintImports(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('layer:src/jqueue');
  });

  it('two modules importing each other fail the lint as a cycle', () => {
    const dir = tree({
      'src/jqueue/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/jqueue/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const r = lintImports(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('no-cycle');
  });

  it('a module inside gnt-sim importing the public API (src/index.ts) fails the lint', () => {
    const dir = tree({
      'src/explore/search.ts': 'export const search = 1;\n',
      'src/index.ts': "export { search } from './explore/search.js';\n",
      'src/explore/probe.ts': "import { search } from '../index.js';\nexport const p = search;\n",
    });
    const r = lintImports(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('public-api-is-the-top');
    expect(r.output).toContain('src/explore/probe.ts → src/index.ts');
  });

  it('the public API may re-export every layer a scenario author needs', () => {
    const dir = tree({
      'src/explore/search.ts': 'export const search = 1;\n',
      'src/sim/simulation.ts': 'export const Simulation = 1;\n',
      'scenarios/list-arbitrary.ts': 'export const listOf = 1;\n',
      'src/index.ts':
        "export { search } from './explore/search.js';\nexport { Simulation } from './sim/simulation.js';\n" +
        "export { listOf } from '../scenarios/list-arbitrary.js';\n",
    });
    const r = lintImports(dir);
    expect(r.output).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('fast-check in a system under test fails the lint', () => {
    const dir = tree({ 'src/mcpu/probe.ts': "import fc from 'fast-check';\nexport const arb = fc.nat();\n" });
    const r = lintImports(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('no-search-libraries-below-check');
  });
});
