/**
 * The HTML report: one self-contained file (styles, script, SVG diagrams and trace data inline)
 * that opens from disk with no server and no network. The same document model always gives the
 * same bytes: nothing here reads a clock.
 */
import type { Finding } from '../check/finding.js';
import { escapeXml } from './swimlane.js';
import type { TraceRow } from './trace-rows.js';
import { VIEWER_SCRIPT } from './viewer-script.js';

export interface ReportDiagram {
  readonly title: string;
  /** An SVG element ready to inline (see `inlineSvg`). */
  readonly svg: string;
  /** What the picture shows, in a sentence. */
  readonly caption?: string;
}

export interface ReportSummary {
  readonly scenario: string;
  readonly strategy: string;
  readonly seed: number;
  readonly mutants: readonly string[];
  /** Runs within the run limit; null when only time bounded the search. */
  readonly runsRequested: number | null;
  readonly runsDone: number;
  /** The search's time limit in milliseconds, if it had one. */
  readonly timeLimitMs?: number | null;
  readonly durationMs: number;
  readonly stoppedBy: string;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly keepGoing: boolean;
}

export interface ReportTrace {
  readonly rows: readonly TraceRow[];
  /** Thread names by id. */
  readonly threads: Readonly<Record<string, string>>;
}

export interface ReportFinding {
  readonly heading: string;
  readonly finding: Finding;
  readonly run?: number;
  readonly replayPath?: string;
  /** The shrunk counterexample as recorded in the replay file. */
  readonly counterexample?: {
    readonly seed: number;
    readonly params: unknown;
    readonly faults: unknown;
    readonly choices: number;
    readonly size: { readonly jobs: number; readonly faults: number; readonly preemptions: number };
    readonly mutants: readonly string[];
  };
  /** How the replay went: reproduced, or what differed; absent when it was not replayed. */
  readonly replay?: { readonly reproduced: boolean; readonly differences: readonly string[]; readonly note?: string };
  readonly diagrams: readonly ReportDiagram[];
  readonly trace?: ReportTrace;
}

export interface ReportDocument {
  readonly title: string;
  readonly summary?: ReportSummary;
  /** Drawn after the summary: the models with the search's coverage. */
  readonly diagrams: readonly ReportDiagram[];
  readonly findings: readonly ReportFinding[];
  /** Findings the search reported but the report does not detail (too many). */
  readonly omittedFindings?: number;
}

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 16px 48px; color: #212121; }
h1 { font-size: 22px; margin: 20px 0 8px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table.kv td { padding: 2px 12px 2px 0; vertical-align: top; } table.kv td:first-child { color: #616161; }
.kind { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #fde0dc; color: #b71c1c; font-size: 12px; margin-right: 6px; }
.ok { color: #2e7d32; } .bad { color: #c62828; }
figure { margin: 12px 0; overflow-x: auto; border: 1px solid #eee; padding: 8px; } figcaption { font-size: 12px; color: #616161; margin-bottom: 6px; }
figure svg { max-width: none; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; font-size: 13px; }
.controls label { display: flex; gap: 4px; align-items: center; }
.trace-scroll { max-height: 520px; overflow: auto; border: 1px solid #ddd; }
table.trace { border-collapse: collapse; font-family: Menlo, Consolas, monospace; font-size: 12px; width: 100%; }
table.trace th { position: sticky; top: 0; background: #eee; text-align: left; padding: 2px 6px; }
table.trace td { padding: 1px 6px; white-space: pre; border-bottom: 1px solid #f3f3f3; }
table.trace tr.current td { background: #fff59d; }
tr.cat-lock td:nth-child(4) { color: #2e7d32; } tr.cat-job td:nth-child(4) { color: #1565c0; }
tr.cat-fault td:nth-child(4) { color: #c62828; font-weight: bold; } tr.cat-disk td:nth-child(4) { color: #00796b; }
tr.cat-rpc td:nth-child(4) { color: #6a1b9a; } tr.cat-thread td { color: #757575; }
.count { font-size: 12px; color: #616161; }
ol.finding-links { margin: 8px 0; padding-left: 22px; } ol.finding-links li { margin: 2px 0; }
svg .mark, svg .bar { cursor: pointer; }
`;

/** JSON that can sit inside a `<script>` element whatever the strings in it contain. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const esc = escapeXml;

function kv(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function figure(d: ReportDiagram): string {
  return `<figure class="diagram"><figcaption><strong>${esc(d.title)}</strong>${d.caption ? ` — ${esc(d.caption)}` : ''}</figcaption>${d.svg}</figure>`;
}

function runsText(s: ReportSummary): string {
  const limits = [
    ...(s.runsRequested !== null ? [`${s.runsRequested} requested`] : []),
    ...(s.timeLimitMs ? [`at most ${s.timeLimitMs / 1000} s`] : []),
  ];
  const shard = s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : '';
  return `${s.runsDone}${limits.length > 0 ? ` of ${limits.join(', ')}` : ''}${shard}`;
}

function summaryHtml(s: ReportSummary, findings: readonly ReportFinding[], omitted: number): string {
  const byKind = new Map<string, number>();
  for (const f of findings) byKind.set(f.finding.kind, (byKind.get(f.finding.kind) ?? 0) + 1);
  const kinds = [...byKind.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const total = findings.length + omitted;
  return kv([
    ['scenario', esc(s.scenario)],
    ['strategy', esc(s.strategy)],
    ['seed', String(s.seed)],
    ['mutants', esc(s.mutants.join(', ') || 'none')],
    ['runs', runsText(s)],
    ['stopped by', esc(s.stoppedBy)],
    ['duration', `${(s.durationMs / 1000).toFixed(1)} s`],
    [
      'findings',
      total === 0
        ? '<span class="ok">none</span>'
        : `<span class="bad">${total}</span> ${kinds.map(([k, n]) => `<span class="kind">${esc(k)}: ${n}</span>`).join('')}${omitted > 0 ? ` (${omitted} not detailed here)` : ''}`,
    ],
  ]);
}

/** The list of findings the report opens on, each linking to its section. */
function findingLinks(findings: readonly ReportFinding[]): string {
  const items = findings.map(
    (f, i) =>
      `<li><a href="#finding-${i + 1}">${esc(f.heading)}</a>: ${esc(f.finding.message.length > 160 ? `${f.finding.message.slice(0, 157)}...` : f.finding.message)}</li>`,
  );
  return `<ol class="finding-links">${items.join('')}</ol>`;
}

function viewerHtml(id: string, trace: ReportTrace): string {
  const select = (cls: string, label: string, all: string) =>
    `<label>${label} <select class="${cls}"><option value="">${all}</option></select></label>`;
  const categories = ['lock', 'job', 'disk', 'rpc', 'fault', 'thread', 'other']
    .map((c) => `<option value="${c}">${c}</option>`)
    .join('');
  return [
    `<script type="application/json" id="${id}-data">${scriptJson({ rows: trace.rows, threads: trace.threads })}</script>`,
    `<div class="trace-viewer" id="${id}" data-trace="${id}-data">`,
    '<div class="controls">',
    select('f-thread', 'thread', 'all threads'),
    select('f-job', 'job', 'all jobs'),
    select('f-lock', 'lock', 'all locks'),
    `<label>category <select class="f-category"><option value="">all</option>${categories}</select></label>`,
    '<label>text <input class="f-text" type="search" size="14"></label>',
    '<label>step <input class="f-step" type="number" min="0" size="6"></label><button type="button" class="f-jump">jump</button>',
    '<button type="button" class="f-clear">clear</button>',
    '</div>',
    '<div class="count"></div>',
    '<div class="trace-scroll"><table class="trace"><thead><tr><th>step</th><th>time (s)</th><th>thread</th><th>kind</th><th>subject</th><th>fields</th></tr></thead><tbody></tbody></table></div>',
    '</div>',
  ].join('\n');
}

function findingHtml(f: ReportFinding, index: number): string {
  const x = f.finding;
  const parts: string[] = [`<section class="finding" id="finding-${index + 1}">`, `<h2>${esc(f.heading)}</h2>`];
  parts.push(`<p><span class="kind">${esc(x.kind)} (${esc(x.property)})</span>${esc(x.message)}</p>`);
  const rows: Array<[string, string]> = [
    ['at', `step ${x.step}, t=${x.timeUs} us`],
    ['threads', esc(x.threads.join(', ') || '-')],
    ['objects', esc(x.objects.join(', ') || '-')],
    ['trace hash', esc(x.traceHash)],
  ];
  if (f.run !== undefined) rows.unshift(['run', String(f.run)]);
  if (f.replayPath) rows.push(['replay', `<code>gnt-sim replay ${esc(f.replayPath)}</code>`]);
  if (f.replay) {
    rows.push([
      'replayed',
      f.replay.reproduced
        ? '<span class="ok">reproduced (same trace hash)</span>'
        : `<span class="bad">${esc(f.replay.note ?? 'differs')}: ${esc(f.replay.differences.join('; '))}</span>`,
    ]);
  }
  parts.push(kv(rows));
  const c = f.counterexample;
  if (c) {
    parts.push('<h3>Shrunk counterexample</h3>');
    parts.push(
      `<p>${c.size.jobs} jobs, ${c.size.faults} faults, ${c.size.preemptions} preemptions; kernel seed ${c.seed}; ${c.choices} schedule choices; mutants ${esc(c.mutants.join(', ') || 'none')}</p>`,
    );
    parts.push(
      `<details><summary>parameters and fault plan</summary><pre class="params">parameters ${esc(JSON.stringify(c.params, null, 2))}\nfaults ${esc(JSON.stringify(c.faults, null, 2))}</pre></details>`,
    );
  }
  if (f.diagrams.length > 0) parts.push('<h3>Diagrams</h3>', ...f.diagrams.map(figure));
  if (f.trace) {
    parts.push(
      `<h3>Trace <button type="button" class="to-finding" data-step="${x.step}">go to the finding (step ${x.step})</button></h3>`,
      viewerHtml(`trace-${index + 1}`, f.trace),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/**
 * The page opens on what went wrong: the summary (with a link to each finding), the findings,
 * and only then the models with the search's coverage.
 */
export function renderReportHtml(doc: ReportDocument): string {
  const omitted = doc.omittedFindings ?? 0;
  const body: string[] = [`<h1>${esc(doc.title)}</h1>`];
  if (doc.summary || doc.findings.length > 0) {
    body.push('<section class="summary">', '<h2>Summary</h2>');
    if (doc.summary) body.push(summaryHtml(doc.summary, doc.findings, omitted));
    if (doc.findings.length > 0) body.push(findingLinks(doc.findings));
    body.push('</section>');
  }
  doc.findings.forEach((f, i) => {
    body.push(findingHtml(f, i));
  });
  if (doc.findings.length === 0 && omitted === 0) body.push('<p class="ok">No finding.</p>');
  if (doc.diagrams.length > 0) {
    body.push(
      '<section class="models">',
      '<h2>Lifecycle models and what the search exercised</h2>',
      ...doc.diagrams.map(figure),
      '</section>',
    );
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${esc(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${VIEWER_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
