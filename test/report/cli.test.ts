import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../models/index.js';
import { coverageDot, machineDot } from '../../src/report/machine-dot.js';
import { expectUsageError, gntSim } from '../support/cli.js';

const fixture = new URL('./fixture-scenario.ts', import.meta.url).pathname;
const dir = join('reports', 'test-report-cli');

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});

describe('gnt-sim diagram', () => {
  it('--all writes one SVG per model into the directory and names each file', () => {
    const out = join(dir, 'diagrams');
    const r = gntSim('diagram', '--all', '--out', out);
    expect(r.code).toBe(0);
    const files = MODELS.map((m) => join(out, `${m.id}.svg`));
    expect(r.stdout.trim().split('\n')).toEqual(files);
    expect(readdirSync(out).sort()).toEqual(MODELS.map((m) => `${m.id}.svg`).sort());
    for (const f of files) expect(readFileSync(f, 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
  });

  it('MODEL --format dot prints the DOT of that model to stdout', () => {
    const r = gntSim('diagram', 'job-status', '--format', 'dot');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(machineDot(MODELS.find((m) => m.id === 'job-status') as (typeof MODELS)[number]));
  });

  it('input errors exit 2 with one line', () => {
    expectUsageError(gntSim('diagram', 'no-such-model'), /unknown model "no-such-model" \(models: job-status, /);
    expectUsageError(gntSim('diagram'), /name a model or use --all/);
    expectUsageError(gntSim('diagram', 'job-status', '--all'), /give a model or --all, not both/);
    expectUsageError(gntSim('diagram', 'job-status', '--format', 'png'), /--format must be one of dot, svg/);
    expectUsageError(
      gntSim('diagram', 'job-status', '--coverage', 'README.md'),
      /README.md is not a search summary: it is not JSON/,
    );
  });
});

describe('gnt-sim report', () => {
  it('a search writes index.html, and report rebuilds it from the directory and from a replay file', () => {
    const out = join(dir, 'search');
    const s = gntSim(
      'search',
      'report-deadlock',
      '--scenario-file',
      fixture,
      '--seed',
      '3',
      '--runs',
      '300',
      '--out',
      out,
    );
    expect(s.code).toBe(1);
    expect(s.stdout).toContain(`report: ${join(out, 'index.html')}`);
    const written = readFileSync(join(out, 'index.html'), 'utf8');
    rmSync(join(out, 'index.html'));
    const r = gntSim('report', out, '--scenario-file', fixture);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'index.html'));
    // The search's own report and the rebuilt one differ only in the recorded wall-clock duration.
    const strip = (h: string) => h.replace(/<td>duration<\/td><td>[^<]*<\/td>/, '');
    expect(strip(readFileSync(join(out, 'index.html'), 'utf8'))).toBe(strip(written));
    const replay = readdirSync(out).find((f) => f.endsWith('.replay.json')) as string;
    const one = gntSim('report', join(out, replay), '--scenario-file', fixture);
    expect(one.code).toBe(0);
    const html = join(out, replay.replace(/\.replay\.json$/, '.html'));
    expect(one.stdout.trim()).toBe(html);
    expect(readFileSync(html, 'utf8')).toContain('Wait-for graph');
    // The coverage the search recorded, drawn over a machine on its own.
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      coverage: Record<string, Record<string, number>>;
    };
    expect(Object.values(summary.coverage['job-status'] ?? {}).some((n) => n > 0)).toBe(true);
    const cov = gntSim('diagram', 'job-status', '--format', 'dot', '--coverage', join(out, 'summary.json'));
    expect(cov.code).toBe(0);
    const job = MODELS.find((m) => m.id === 'job-status') as (typeof MODELS)[number];
    expect(cov.stdout).toBe(coverageDot(job, summary.coverage['job-status'] ?? {}));
  });

  it('input errors exit 2 with one line', () => {
    expectUsageError(gntSim('report', join(dir, 'nowhere')), /no such file or directory/);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    expectUsageError(gntSim('report', join(dir, 'empty')), /has no summary.json: not a search output directory/);
    writeFileSync(join(dir, 'empty', 'other.json'), '{"hello": 1}\n');
    expectUsageError(gntSim('report', join(dir, 'empty', 'other.json')), /is not a search summary/);
    expect(existsSync(join(dir, 'empty', 'index.html'))).toBe(false);
  });
});
