/**
 * gnt-sim as another project uses it: this repository packed with `npm pack`, installed with
 * vitest into a throwaway project, offline from the npm cache this repository's `npm ci` filled
 * (see consumer-lock.ts), and README.md's scenario file, vitest file, kernel example and commands
 * written into it and run exactly as the README writes them, so they cannot go stale. The
 * project installs nothing but gnt-sim and vitest: no tsx, fast-check or zod of its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale } from '../../scripts/build.mjs';
import { consumerLock } from './consumer-lock.js';
import { readmeBlock, readmeBlocks } from './readme-blocks.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
let project = '';
/** The README's files; `buggy/` holds the same with the scenario's lock order taken out. */
let app = '';
let buggy = '';

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cwd: string, command: string, args: readonly string[]): Ran {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The project's gnt-sim command, for the commands the README does not show. */
function gntSim(cwd: string, ...args: string[]): Ran {
  return run(cwd, process.execPath, [join(project, 'node_modules', 'gnt-sim', 'bin', 'gnt-sim.js'), ...args]);
}

/** A README command line (`$ npx gnt-sim ...`) as argv; README commands quote nothing. */
function argv(line: string): string[] {
  return line.replace(/^\$ /, '').split(/\s+/);
}

const scenarioFile = readmeBlock('Writing a scenario', 'ts');
const testFile = readmeBlock('Searching inside a vitest suite', 'ts');
const kernelExample = readmeBlock('The kernel in one example', 'ts');
const faultFile = readmeBlock('Adding a fault', 'ts');
const [faultExample = ''] = readmeBlocks('Adding a fault', '');
const [searchExample = ''] = readmeBlocks('Writing a scenario', '');
const [failureExample = ''] = readmeBlocks('Searching inside a vitest suite', '');
/** The README's scenario with its lock order taken out: two transfers can deadlock. */
const buggyScenarioFile = scenarioFile.replace('[from, 1 - from].sort()', '[from, 1 - from]');

beforeAll(() => {
  buildIfStale(repo, (line) => process.stderr.write(`${line}\n`));
  project = mkdtempSync(join(tmpdir(), 'gnt-sim-separate-project-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
      cwd: repo,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string }[];
  const tarball = packed[0]?.filename as string;
  const { dependencies, lock } = consumerLock({
    repositoryLock: join(repo, 'package-lock.json'),
    packageJson: join(repo, 'package.json'),
    tarball: join(project, tarball),
    tarballSpec: `file:${tarball}`,
    alsoInstall: ['vitest'],
  });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'separate-project', private: true, type: 'module', dependencies }, null, 2),
  );
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, env, stdio: 'ignore' });

  app = join(project, 'app');
  buggy = join(project, 'buggy');
  mkdirSync(app);
  mkdirSync(buggy);
  writeFileSync(join(app, 'my-scenario.ts'), scenarioFile);
  writeFileSync(join(app, 'my-scenario.test.ts'), testFile);
  writeFileSync(join(app, 'kernel-example.ts'), kernelExample);
  writeFileSync(join(app, 'my-faults.mts'), faultFile);
  writeFileSync(join(buggy, 'my-scenario.ts'), buggyScenarioFile);
  writeFileSync(join(buggy, 'my-scenario.test.ts'), testFile);
}, 180_000);
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('a separate project with gnt-sim installed from its tarball', () => {
  it('installs nothing but gnt-sim and vitest at its top level besides their dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['gnt-sim', 'vitest']);
  });

  it("runs the README's search command on the README's scenario file", () => {
    const [command = '', header, depths = '', verdict = '', report = ''] = searchExample.trim().split('\n');
    expect(command).toBe('$ npx gnt-sim search my-scenario --scenario-file ./my-scenario.ts --runs 50');
    const r = run(app, 'npx', argv(command));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(header);
    // PCT deepens over runs: the summary says how many runs each depth took (the README elides them).
    expect(depths).toBe('pct depths (runs): 1 (…), 2 (…), 3 (…)');
    expect(lines[1]).toMatch(/^pct depths \(runs\): 1 \(\d+\), 2 \(\d+\), 3 \(\d+\)$/);
    // Only the rate and the output directory's time stamp differ from run to run.
    expect(lines[2]).toMatch(new RegExp(`^${verdict.replace(/\(.*\)/, '').replace(/[.*+?()[\]]/g, '\\$&')}\\(`));
    expect(lines[3]).toMatch(/^report: reports\/my-scenario\/\d{8}-\d{6}\/index\.html$/);
    expect(report).toMatch(/^report: reports\/my-scenario\/\d{8}-\d{6}\/index\.html$/);
  });

  it('searches the TypeScript scenario file with two compiled worker threads', () => {
    const r = gntSim(app, ...argv(searchExample.split('\n')[0] ?? '').slice(2), '--workers', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/workers 2, mutants none\npct depths \(runs\): [^\n]*\nno finding in 50 runs \(/);
  });

  it("passes the README's vitest file with the project's own vitest", () => {
    const r = run(app, 'npx', ['vitest', 'run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it("fails the vitest file without the lock order with the README's message, whose replay command reproduces the finding", () => {
    expect(buggyScenarioFile).not.toBe(scenarioFile);
    const r = run(buggy, 'npx', ['vitest', 'run']);
    expect(r.code).toBe(1);
    const output = `${r.stdout}\n${r.stderr}`;
    const [failLine = '', ...message] = failureExample.trim().split('\n');
    expect(output).toContain(failLine);
    for (const line of message) expect(output).toContain(line);

    const replay = /replay: (gnt-sim replay .*)/.exec(output)?.[1] as string;
    const again = gntSim(buggy, ...replay.split(' ').slice(1));
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/\nreproduced: trace hash [0-9a-f]{16}\n/);
  });

  it("the command's replay line names the scenario file, and pasted it reproduces the finding", () => {
    const r = gntSim(buggy, ...argv(searchExample.split('\n')[0] ?? '').slice(2));
    expect(r.code).toBe(1);
    const replay = /\n {2}replay: (gnt-sim replay \S+ --scenario-file \.\/my-scenario\.ts)\n/.exec(r.stdout)?.[1];
    expect(replay).toBeDefined();
    const again = gntSim(buggy, ...(replay as string).split(' ').slice(1));
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('reproduced: trace hash');
  });

  it("type-checks the README's snippets against the installed package's types", () => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = run(app, process.execPath, [
      tsc,
      '--noEmit',
      '--skipLibCheck',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--typeRoots',
      join(repo, 'node_modules', '@types'),
      '--types',
      'node',
      'my-scenario.ts',
      'my-scenario.test.ts',
      'kernel-example.ts',
      'my-faults.mts',
    ]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it("runs the README's command on its fault-adding scenario file, which draws, applies and describes the new fault", () => {
    const [command = '', header = '', , verdict = ''] = faultExample.trim().split('\n');
    expect(command).toBe('$ npx gnt-sim search stalled-writer --scenario-file my-faults.mts --runs 50 | head -3');
    const r = run(app, 'sh', ['-c', command.replace(/^\$ /, '')]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(header);
    expect(verdict).toMatch(/^no finding in 50 runs \(/);
    expect(lines[1]).toMatch(/^pct depths \(runs\): /);
    expect(lines[2]).toMatch(/^no finding in 50 runs \(/);
    // The one registration gives the scenario its swarm feature and the fault its description.
    writeFileSync(
      join(app, 'inspect-faults.mts'),
      "import { scenarios } from './my-faults.mts';\n" +
        'const [s] = scenarios;\n' +
        "const fault = { kind: 'stall-disk', at: { timeUs: 0 }, extraUs: 50_000 };\n" +
        'console.log(JSON.stringify([s.features, s.faultVocabulary.describe(fault)]));\n',
    );
    const inspected = run(app, process.execPath, ['--import', 'tsx', 'inspect-faults.mts']);
    expect(inspected.stderr).toBe('');
    expect(JSON.parse(inspected.stdout)).toEqual([
      ['fault:stall-disk'],
      "stall the next write of node1's disk by 50000 µs",
    ]);
  });

  it('loads a .mjs scenario file without tsx, and registers tsx for a .mts one', () => {
    // The probe imports a TypeScript file: that works only once tsx is registered.
    const probe = (ext: string) =>
      "import { defineScenario, fc } from 'gnt-sim';\n" +
      "const tsx = await import('./probe.ts').then(() => 'registered', () => 'not registered');\n" +
      `export const scenarios = [defineScenario({ id: 'probe-${ext}', title: 'probe', description: \`tsx \${tsx}\`,\n` +
      '  seeds: [], mutants: [], features: [], budget: { maxSteps: 10, maxTimeUs: 10 }, source: import.meta.url,\n' +
      '  params: () => fc.constant(0), faults: () => fc.constant({}), size: () => ({ jobs: 0, faults: 0 }),\n' +
      '  build: () => ({}) })];\n';
    writeFileSync(join(app, 'probe.ts'), 'export const probe: number = 1;\n');
    writeFileSync(join(app, 'plain.mjs'), probe('mjs'));
    writeFileSync(join(app, 'typed.mts'), probe('mts'));
    const plain = gntSim(app, 'scenarios', '--scenario-file', './plain.mjs');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('probe-mjs\n  probe: tsx not registered\n');
    const typed = gntSim(app, 'scenarios', '--scenario-file', './typed.mts');
    expect(typed.code).toBe(0);
    expect(typed.stdout).toContain('probe-mts\n  probe: tsx registered\n');
  });
});
