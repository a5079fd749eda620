/**
 * The README's "Adding a fault" example, run as written: its scenario file (copied out of the
 * README into a directory beside `scenarios/`, where its relative imports lead) gives a search
 * that draws the new fault, and the command the README shows prints what it shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../scenarios/scenario.js';
import { executeRun } from '../../src/explore/run.js';
import { MutantSet } from '../../src/mutants/registry.js';

const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Adding a fault'));
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
const code = blocks.find((b) => b[1] === 'ts')?.[2] ?? '';
const shell = blocks.find((b) => b[1] === '')?.[2] ?? '';

const dir = mkdtempSync(join(root, '.readme-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'my-faults.mts'), code);

describe('README: Adding a fault', () => {
  it('the scenario file registers its fault once: drawn by faults(), applied by build(), described by its vocabulary', async () => {
    const mod = (await import(join(dir, 'my-faults.mts'))) as { scenarios: Scenario<{ writes: number }>[] };
    const [scenario] = mod.scenarios;
    expect(scenario?.features).toEqual(['fault:stall-disk']);
    const plan = { faults: [{ kind: 'stall-disk', at: { timeUs: 0 }, extraUs: 50_000 }] };
    expect(scenario?.faultVocabulary?.describe(plan.faults[0] as never)).toBe(
      "stall the next write of node1's disk by 50000 µs",
    );
    const r = executeRun(
      scenario as Scenario<{ writes: number }>,
      { seed: 1, params: { writes: 2 }, faults: plan, schedule: { kind: 'fifo' } },
      { mutants: MutantSet.none, trace: 'full' },
    );
    expect(r.finding).toBeNull();
    expect(r.result.trace.snapshot().filter((e) => e.kind === 'fault.stall-disk')).toHaveLength(1);
    expect(r.result.trace.snapshot().filter((e) => e.kind === 'fault.slow')).toHaveLength(1);
  });

  it('the command prints what the README shows', () => {
    const command = shell.split('\n')[0]?.replace(/^\$ /, '') ?? '';
    expect(command).toBe('npx gnt-sim search stalled-writer --scenario-file my-faults.mts --runs 50 | head -2');
    const r = spawnSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const expected = shell.split('\n').slice(1, 3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(expected[0]);
    expect(lines[1]).toMatch(/^no finding in 50 runs \(/);
    expect(expected[1]).toMatch(/^no finding in 50 runs \(/);
  });
});
