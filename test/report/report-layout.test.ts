/**
 * The report opens on what went wrong: the summary links each finding, the findings come before
 * the models, and only the models the search exercised are drawn. In the swimlane every wait is
 * a labelled bar at least a step wide, and the wait a deadlock ends in runs on past the last step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../scenarios/scenario.js';
import type { Finding } from '../../src/check/finding.js';
import { buildReportHtml } from '../../src/report/build-report.js';
import { swimlaneSvg } from '../../src/report/swimlane.js';
import type { TraceRecord } from '../../src/sim/trace.js';
import { reportDeadlock } from './fixture-scenario.js';
import { fixtureSearch } from './fixture-search.js';

const finding = (message: string): Finding => ({
  kind: 'deadlock',
  property: 'DF',
  message,
  step: 4,
  timeUs: 0,
  threads: ['job1'],
  objects: [],
  traceHash: '0000000000000000',
});

describe('the report layout', () => {
  it('a search report opens on its findings: the summary links each, the findings precede the models', async () => {
    const { reportPath, summary } = await fixtureSearch(
      reportDeadlock as Scenario<unknown>,
      join('reports', 'test-report-layout'),
      3,
    );
    const html = readFileSync(reportPath, 'utf8');
    expect(summary.findings).toHaveLength(1);
    const link = html.indexOf('<a href="#finding-1">');
    const section = html.indexOf('<section class="finding" id="finding-1">');
    const models = html.indexOf('<section class="models">');
    expect(link).toBeGreaterThan(html.indexOf('<h2>Summary</h2>'));
    expect(section).toBeGreaterThan(link);
    expect(models).toBeGreaterThan(section);
  });

  it('draws only the models the search exercised, not the libvirt models of a Ganeti search', async () => {
    const html = await buildReportHtml({
      title: 't',
      coverage: { 'job-status': { '->queued': 3, 'queued->running': 2 }, 'domain-lock': {} },
      findings: [{ finding: finding('a deadlock') }, { finding: finding('another') }],
    });
    expect(html).toContain('<strong>Ganeti job status</strong>');
    for (const id of ['opcode', 'domain', 'lock resource'])
      expect(html.toLowerCase()).not.toMatch(new RegExp(`<strong>[^<]*${id}`));
    expect(html).toContain(
      '<ol class="finding-links"><li><a href="#finding-1">Finding 1: deadlock</a>: a deadlock</li><li><a href="#finding-2">',
    );
  });
});

describe('waits in the swimlane', () => {
  const r = (step: number, thread: number, kind: string, subject: string, ...fields: string[]): TraceRecord => ({
    step,
    time: 0,
    thread,
    kind,
    subject,
    fields,
  });
  // Over 400 steps job1 holds inst1; at step 400 job2 starts waiting for it, and still waits at
  // the end: the last wait of a deadlock, one step before the trace ends.
  const records = [
    r(1, 1, 'lock.acquired', 'instance/inst1', 'exclusive'),
    r(2, 2, 'lock.wait', 'instance/inst2', 'exclusive'),
    r(3, 2, 'lock.acquired', 'instance/inst2', 'exclusive'),
    r(400, 2, 'lock.wait', 'instance/inst1', 'exclusive'),
    r(401, 1, 'yield', ''),
  ];
  const names = new Map([
    [1, 'job1'],
    [2, 'job2'],
  ]);
  const svg = swimlaneSvg(records, names);
  const bars = [...svg.matchAll(/<rect class="bar (\w+)"[^>]* x="([\d.]+)"[^>]* width="([\d.]+)"/g)].map((m) => ({
    kind: m[1],
    x: Number(m[2]),
    width: Number(m[3]),
  }));

  it('the wait still standing at the end is wide and labelled, not a sliver at the right edge', () => {
    const stuck = bars.find((b) => b.kind === 'stuck');
    expect(stuck?.width).toBeGreaterThanOrEqual(170);
    expect(svg).toContain('>still waiting for instance/inst1</text>');
  });

  it('a wait of a single step is still a visible bar with its lock named', () => {
    const wait = bars.find((b) => b.kind === 'wait');
    expect(wait?.width).toBeGreaterThanOrEqual(10);
    expect(svg).toContain('>waits instance/inst2</text>');
  });

  it('every bar has a label', () => {
    expect(svg.match(/class="bar-label /g)?.length).toBe(bars.length);
  });
});
