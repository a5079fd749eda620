/**
 * Assembles the HTML report of a search (or of one replayed finding): the summary, every model
 * the search exercised drawn with the coverage, and for each finding its shrunk counterexample, the failing path on
 * the lifecycle of the object that went wrong, the wait-for cycle of a deadlock, a per-thread
 * swimlane and the trace viewer. Inputs are plain data; replaying is the caller's business.
 */
import { MODELS, type ModelEntry } from '../../models/index.js';
import type { Finding } from '../check/finding.js';
import type { WaitForGraph } from '../check/wait-for.js';
import type { TraceRecord } from '../sim/trace.js';
import { failingPaths } from './failing-path.js';
import {
  type ReportDiagram,
  type ReportDocument,
  type ReportFinding,
  type ReportSummary,
  renderReportHtml,
} from './html.js';
import { coverageDot, pathDot } from './machine-dot.js';
import { inlineSvg, renderSvg } from './svg.js';
import { swimlaneSvg } from './swimlane.js';
import { traceRows } from './trace-rows.js';
import { waitForDot } from './wait-for-dot.js';

/** Model coverage as searches record it: model id -> `from->to` -> count. */
export type Coverage = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** The recorded counterexample (the fields of a replay file a report shows). */
export interface RecordedCounterexample {
  readonly seed: number;
  readonly params: unknown;
  readonly faults: unknown;
  readonly choices: readonly number[];
  readonly mutants: readonly string[];
  readonly size: { readonly jobs: number; readonly faults: number; readonly preemptions: number };
}

export interface ReplayedFinding {
  /** The finding as recorded by the search. */
  readonly finding: Finding;
  readonly run?: number;
  readonly replayPath?: string;
  readonly counterexample?: RecordedCounterexample;
  /** Why the finding was not replayed (no replay file, unknown or changed scenario). */
  readonly notReplayed?: string;
  /** Present when the finding was replayed with a full trace. */
  readonly replay?: {
    readonly reproduced: boolean;
    readonly differences: readonly string[];
    /** Why the replay is not to be trusted, e.g. `forced past a changed scenario`. */
    readonly note?: string;
    readonly records: readonly TraceRecord[];
    readonly threadNames: ReadonlyMap<number, string>;
    readonly waitFor?: WaitForGraph;
  };
}

export interface ReportInput {
  readonly title: string;
  readonly summary?: ReportSummary;
  readonly coverage?: Coverage;
  /** Explains where the coverage comes from (`summed over 194 runs`). */
  readonly coverageNote?: string;
  readonly findings: readonly ReplayedFinding[];
  readonly omittedFindings?: number;
  readonly models?: readonly ModelEntry[];
}

/** Steps of the trace the swimlane shows, ending at the finding. */
const SWIMLANE_STEPS = 400;

async function diagram(dot: string, prefix: string, title: string, caption?: string): Promise<ReportDiagram> {
  return { title, svg: inlineSvg(await renderSvg(dot), prefix), ...(caption ? { caption } : {}) };
}

async function findingDiagrams(
  f: ReplayedFinding,
  index: number,
  models: readonly ModelEntry[],
): Promise<ReportDiagram[]> {
  const out: ReportDiagram[] = [];
  const r = f.replay;
  const prefix = `f${index + 1}`;
  if (r) {
    for (const [i, p] of failingPaths(r.records, f.finding, models, r.threadNames).entries()) {
      out.push(
        await diagram(
          pathDot(p.model, p.object, p.steps),
          `${prefix}-path${i}`,
          `${p.object} on ${p.model.title}`,
          'the status changes the trace recorded, numbered, with their steps; a change the model does not admit is red and dashed',
        ),
      );
    }
  }
  if (f.finding.kind === 'deadlock' || f.finding.cycle) {
    out.push(
      await diagram(
        waitForDot(`wait-for graph at step ${f.finding.step}`, r?.waitFor, f.finding.cycle),
        `${prefix}-waitfor`,
        'Wait-for graph',
        f.finding.cycle ? `the cycle in red: ${f.finding.cycle.text}` : 'no cycle was named for this finding',
      ),
    );
  }
  if (r && r.records.length > 0) {
    const last = r.records[r.records.length - 1]?.step ?? 0;
    const shown = r.records.filter((x) => x.step > last - SWIMLANE_STEPS);
    out.push({
      title: 'Per-thread swimlane',
      caption:
        'lock waits amber (red: still waiting at the end), holds green; diamonds job/opcode status, squares disk, circles RPC, triangles faults; click a mark to jump the trace there',
      svg: swimlaneSvg(shown, r.threadNames, {
        title: shown.length < r.records.length ? `last ${SWIMLANE_STEPS} steps` : 'whole run',
      }).trimEnd(),
    });
  }
  return out;
}

export async function buildReportHtml(input: ReportInput): Promise<string> {
  const models = input.models ?? MODELS;
  const diagrams: ReportDiagram[] = [];
  if (input.coverage) {
    // Only the models the scenario exercised: a Ganeti search has nothing to say about libvirt's.
    const coverage = input.coverage;
    const exercised = models.filter((m) => Object.values(coverage[m.id] ?? {}).some((n) => n > 0));
    for (const m of exercised) {
      diagrams.push(
        await diagram(
          coverageDot(m, input.coverage[m.id] ?? {}),
          `cov-${m.id}`,
          m.title,
          `${input.coverageNote ?? 'coverage'}; never-taken state changes grey and dashed, never-reached states marked`,
        ),
      );
    }
  }
  const findings: ReportFinding[] = [];
  for (const [i, f] of input.findings.entries()) {
    const c = f.counterexample;
    const r = f.replay;
    findings.push({
      heading: `Finding ${i + 1}${f.run !== undefined ? ` (run ${f.run})` : ''}: ${f.finding.kind}`,
      finding: f.finding,
      ...(f.run !== undefined ? { run: f.run } : {}),
      ...(f.replayPath ? { replayPath: f.replayPath } : {}),
      ...(c ? { counterexample: { ...c, choices: c.choices.length } } : {}),
      ...(r
        ? { replay: { reproduced: r.reproduced, differences: r.differences, ...(r.note ? { note: r.note } : {}) } }
        : f.notReplayed
          ? { replay: { reproduced: false, differences: [f.notReplayed], note: 'not replayed' } }
          : {}),
      diagrams: await findingDiagrams(f, i, models),
      ...(r
        ? {
            trace: {
              rows: traceRows(r.records),
              threads: Object.fromEntries(
                [...r.threadNames.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
              ),
            },
          }
        : {}),
    });
  }
  const doc: ReportDocument = {
    title: input.title,
    ...(input.summary ? { summary: input.summary } : {}),
    diagrams,
    findings,
    ...(input.omittedFindings ? { omittedFindings: input.omittedFindings } : {}),
  };
  return renderReportHtml(doc);
}
