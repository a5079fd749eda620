import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../models/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { findWaitCycle } from '../../src/check/wait-for.js';
import { replayFinding } from '../../src/explore/replay.js';
import { failingPaths } from '../../src/report/failing-path.js';
import { swimlaneSvg } from '../../src/report/swimlane.js';
import { traceRows } from '../../src/report/trace-rows.js';
import { waitForDot } from '../../src/report/wait-for-dot.js';
import { eventsOf } from '../../src/sim/events.js';
import { reportDeadlock, reportIllegal } from './fixture-scenario.js';
import { fixtureSearch } from './fixture-search.js';

const OUT = join('reports', 'test-report');

async function deadlockSearch(dir: string) {
  const r = await fixtureSearch(reportDeadlock as Scenario<unknown>, join(OUT, dir), 3);
  const found = r.summary.findings[0];
  if (!found) throw new Error('the fixture search found no deadlock');
  const replay = replayFinding(found.replay, reportDeadlock as Scenario<unknown>);
  return { ...r, found, replay };
}

describe('report of a deadlock found by a search', async () => {
  const { found, replay, reportPath } = await deadlockSearch('deadlock');
  const records = replay.report.result.trace.snapshot();

  it('the wait-for DOT draws the cycle the finding names in red, and nothing else in red', () => {
    const graph = replay.report.instance.waitFor?.();
    expect(graph).toBeDefined();
    const dot = waitForDot('t', graph, found.finding.cycle);
    const cycle = findWaitCycle(graph ?? { edges: [] }) ?? [];
    expect(cycle.length).toBeGreaterThanOrEqual(2);
    const red = dot.split('\n').filter((l) => l.includes(' -> ') && l.includes('class="on-cycle"'));
    // Each step of the cycle is two red edges: waiter -> lock (waits) and lock -> holder (held by).
    expect(red.length).toBe(cycle.length * 2);
    for (const s of cycle) {
      expect(dot).toContain(`"p:${s.waiter.key}" -> "r:${s.resource}" [label="waits (${s.mode})", color="#c62828"`);
    }
  });

  it('the swimlane has one hold bar per acquired-and-released lock and a red bar for each wait that never ended', () => {
    const svg = swimlaneSvg(records, replay.report.result.trace.threadNames);
    const released = eventsOf(records, 'lock.release').length;
    const heldAtEnd = eventsOf(records, 'lock.acquired').length - released;
    expect(svg.match(/class="bar hold"/g)?.length).toBe(released + heldAtEnd);
    // Every deadlocked thread waits forever for one lock.
    expect(svg.match(/class="bar stuck"/g)?.length).toBe(found.finding.threads.length);
    for (const t of found.finding.threads) expect(svg).toContain(`data-thread="${t}"`);
    expect(swimlaneSvg(records, replay.report.result.trace.threadNames)).toBe(svg);
  });

  it('the failing paths are the job lifecycles of the deadlocked threads, each stuck in waiting', () => {
    const names = replay.report.result.trace.threadNames;
    const paths = failingPaths(records, found.finding, MODELS, names);
    expect(paths.length).toBe(found.finding.threads.length);
    for (const p of paths) {
      expect(p.model.id).toBe('job-status');
      expect(p.steps.every((s) => s.legal)).toBe(true);
      expect(p.steps.at(-1)?.to).toBe('waiting');
      // The job is the one its worker thread changed.
      const worker = eventsOf(records, 'job.status').find((r) => r.subject === p.object)?.thread;
      expect(found.finding.threads).toContain(names.get(worker ?? -1));
    }
  });

  it('the viewer rows carry the job and lock each record concerns', () => {
    const rows = traceRows(records);
    const status = rows.find((r) => r[3] === 'job.status');
    expect(status?.[7]).toBe(status?.[4]);
    const op = rows.find((r) => r[3] === 'opcode.status');
    expect(op?.[7]).toBe(op?.[4].replace(/\/op\/\d+$/, ''));
    const acquired = rows.find((r) => r[3] === 'lock.acquired');
    expect(acquired?.[8]).toBe(acquired?.[4]);
    expect(rows.filter((r) => r[6] === 'disk').every((r) => r[3].startsWith('disk.'))).toBe(true);
  });

  it('the HTML report is self-contained: no script, style, image or font is fetched from anywhere', () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/<(?:script|img|iframe)[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(/i);
    // The only absolute URLs are XML namespace names, which browsers never fetch.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(html).toContain('class="trace-viewer"');
    expect(html).toContain(found.finding.message);
  });

  it('the same search gives a byte-identical report', async () => {
    const first = readFileSync(reportPath, 'utf8');
    const again = await deadlockSearch('deadlock');
    expect(readFileSync(again.reportPath, 'utf8')).toBe(first);
  });
});

describe('failing path of an illegal status change', () => {
  it('follows the object the LST finding names and marks the illegal change', async () => {
    const { summary } = await fixtureSearch(reportIllegal as Scenario<unknown>, join(OUT, 'illegal'), 1);
    const found = summary.findings[0];
    expect(found?.finding.property).toBe('LST');
    const replay = replayFinding(
      found?.replay as NonNullable<typeof found>['replay'],
      reportIllegal as Scenario<unknown>,
    );
    const paths = failingPaths(
      replay.report.result.trace.snapshot(),
      found?.finding as NonNullable<typeof found>['finding'],
      MODELS,
    );
    expect(paths.map((p) => [p.model.id, p.object])).toEqual([['opcode-status', 'job/1/op/0']]);
    expect(paths[0]?.steps.map((s) => [s.from, s.to, s.legal])).toEqual([
      [null, 'queued', true],
      ['queued', 'running', false],
    ]);
  });
});
