/**
 * Opens a generated search report in headless Chromium (Debian's `chromium`, driven with
 * puppeteer-core; `.ci/run` installs it when missing) from `file://`, with no server and the
 * network cut off, and checks that the diagrams render and the trace viewer filters and jumps.
 * Leaves a screenshot in `reports/browser-test/report.png`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../scenarios/scenario.js';
import { reportDeadlock } from './fixture-scenario.js';
import { fixtureSearch } from './fixture-search.js';

const OUT = join('reports', 'browser-test');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The rows the viewer of the first finding shows: `[step, thread, kind, subject]`. */
function shownRows(page: Page): Promise<string[][]> {
  return page.$$eval('#trace-1 tbody tr', (trs) =>
    trs.map((tr) => [0, 2, 3, 4].map((i) => tr.children[i]?.textContent ?? '')),
  );
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let url: string;
  const requests: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`).toBe(true);
    const { reportPath } = await fixtureSearch(reportDeadlock as Scenario<unknown>, OUT, 3);
    url = pathToFileURL(resolve(reportPath)).href;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    await page.setOfflineMode(true);
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]');
    // Generous: the search, the report and a cold Chromium start share 2 cores with the suite.
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  }, 30_000);

  it('loads from file:// without fetching anything else', () => {
    expect(requests).toEqual([url]);
  });

  it('opens on the findings: the first is on the first screen, and the summary links to it', async () => {
    const top = await page.$eval('#finding-1', (s) => s.getBoundingClientRect().top);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(1000);
    const models = await page.$eval('section.models', (s) => s.getBoundingClientRect().top);
    expect(models).toBeGreaterThan(top);
    await page.click('ol.finding-links a[href="#finding-1"]');
    expect(new URL(page.url()).hash).toBe('#finding-1');
    expect(await page.$eval('#finding-1', (s) => Math.round(s.getBoundingClientRect().top))).toBeLessThanOrEqual(1);
    await page.evaluate('window.scrollTo(0, 0)');
  });

  it('renders every diagram with a visible size and its states', async () => {
    const figures = await page.$$eval('figure.diagram', (fs) =>
      fs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          title: f.querySelector('figcaption strong')?.textContent ?? '',
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          shapes: svg ? svg.querySelectorAll('g.node, rect.bar, .mark').length : 0,
        };
      }),
    );
    // The models with coverage, then the wait-for graph and the swimlane of the finding.
    expect(figures.map((f) => f.title)).toEqual(
      expect.arrayContaining(['Ganeti job status', 'Ganeti opcode status', 'Wait-for graph', 'Per-thread swimlane']),
    );
    for (const f of figures) {
      expect(f.width, f.title).toBeGreaterThan(50);
      expect(f.height, f.title).toBeGreaterThan(30);
      expect(f.shapes, f.title).toBeGreaterThan(0);
    }
  });

  it('filters the trace by thread, job and lock', async () => {
    const all = await shownRows(page);
    expect(all.length).toBeGreaterThan(10);

    await page.select('#trace-1 .f-thread', 'worker2');
    const byThread = await shownRows(page);
    expect(byThread.length).toBeGreaterThan(0);
    expect(byThread.length).toBeLessThan(all.length);
    expect(byThread.every((r) => r[1] === 'worker2')).toBe(true);
    await page.select('#trace-1 .f-thread', '');

    await page.select('#trace-1 .f-job', 'job/1');
    const byJob = await shownRows(page);
    expect(byJob.length).toBeGreaterThan(0);
    expect(byJob.every((r) => r[3] === 'job/1' || r[3]?.startsWith('job/1/'))).toBe(true);
    await page.select('#trace-1 .f-job', '');

    await page.select('#trace-1 .f-lock', 'instance/inst1');
    const byLock = await shownRows(page);
    expect(byLock.length).toBeGreaterThan(0);
    expect(byLock.every((r) => r[3] === 'instance/inst1' || r[3]?.startsWith('lock:instance/inst1:'))).toBe(true);
    expect(byLock.some((r) => r[2] === 'lock.acquired')).toBe(true);
    await page.click('#trace-1 .f-clear');
    expect((await shownRows(page)).length).toBe(all.length);
  });

  it('jumps to a step: the first record at or after it is marked and scrolled into view', async () => {
    const steps = (await shownRows(page)).map((r) => Number(r[0]));
    const target = steps[Math.floor(steps.length / 2)] as number;
    await page.type('#trace-1 .f-step', String(target));
    await page.click('#trace-1 .f-jump');
    const current = await page.$eval('#trace-1 tbody tr.current', (tr) => ({
      step: Number(tr.children[0]?.textContent),
      top: tr.getBoundingClientRect().top,
      scrollerTop: tr.closest('.trace-scroll')?.getBoundingClientRect().top ?? Number.NaN,
      scrollerBottom: tr.closest('.trace-scroll')?.getBoundingClientRect().bottom ?? Number.NaN,
    }));
    expect(current.step).toBe(target);
    expect(current.top).toBeGreaterThanOrEqual(current.scrollerTop);
    expect(current.top).toBeLessThanOrEqual(current.scrollerBottom);
  });

  it('a click on a swimlane mark jumps the trace to its step', async () => {
    const mark = await page.$('#finding-1 svg.swimlane .mark.job');
    expect(mark).not.toBeNull();
    const step = await page.$eval('#finding-1 svg.swimlane .mark.job', (m) => m.getAttribute('data-step'));
    await mark?.click();
    expect(await page.$eval('#trace-1', (v) => v.getAttribute('data-current-step'))).toBe(step);
  });

  it('the button next to the trace jumps to the step of the finding', async () => {
    await page.click('#finding-1 button.to-finding');
    const step = await page.$eval('#finding-1 button.to-finding', (b) => b.getAttribute('data-step'));
    const shown = await page.$eval('#trace-1', (v) => v.getAttribute('data-current-step'));
    expect(Number(shown)).toBeGreaterThanOrEqual(Number(step));
    expect(await page.$eval('#trace-1 tbody tr.current', (tr) => tr.children[0]?.textContent)).toBe(shown);
  });

  it('the URL hash sets filters and the step, so a link can point into the trace', async () => {
    await page.goto(`${url}#thread=worker1&step=3`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]');
    const rows = await shownRows(page);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[1] === 'worker1')).toBe(true);
    const current = await page.$eval('#trace-1 tbody tr.current', (tr) => Number(tr.children[0]?.textContent));
    expect(current).toBeGreaterThanOrEqual(3);
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
    expect(existsSync(join(OUT, 'report.png'))).toBe(true);
  });
});
