/**
 * A per-thread swimlane of a trace as SVG: one lane per thread, scheduling steps from left to
 * right; lock waits (amber, red when still waiting at the end) and holds (green) as bars, job and
 * opcode status changes, disk and RPC operations and faults as marks. Every bar is at least a
 * step wide and labelled with its lock (inside when it fits, after it otherwise); a wait still
 * standing at the end runs on past the last step, so the wait a deadlock ends in is the most
 * visible thing in the picture, not a sliver at its right edge. Every mark carries its step
 * (`data-step`) and a tooltip, so a report can jump from the picture to the trace.
 *
 * Drawn directly rather than through Graphviz: a timeline is a fixed grid, not a graph layout.
 */
import { isEvent } from '../sim/events.js';
import type { TraceEvents } from '../sim/ports.js';
import type { TraceRecord } from '../sim/trace.js';
import { categoryOf, fieldText, lockOf } from './trace-rows.js';

const LABEL_W = 130;
const TOP = 44;
const RIGHT = 20;
/** A lane: a row for marks, then one row per set of bars that overlap in time. */
const MARK_ROW_H = 20;
const BAR_ROW_H = 15;
const BAR_H = 12;
const LANE_PAD = 5;
/** How far a wait still standing at the end runs on past the last step, with its label. */
const STUCK_TAIL = 170;
/** Narrowest bar, in pixels. */
const MIN_BAR_W = 10;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (n: number) => String(Math.round(n * 10) / 10);

interface Bar {
  readonly thread: number;
  readonly from: number;
  readonly to: number;
  readonly kind: 'hold' | 'wait' | 'stuck';
  readonly lock: string;
  readonly text: string;
}

/** Lock waits and holds per thread, paired by (thread, lock); the unfinished ones end at `lastStep`. */
function lockBars(records: readonly TraceRecord[], lastStep: number): Bar[] {
  const bars: Bar[] = [];
  const holds = new Map<string, { step: number; mode: TraceEvents['lock.acquired'][0] }>();
  const waits = new Map<string, number>();
  for (const r of records) {
    const key = `${r.thread}|${r.subject}`;
    if (isEvent(r, 'lock.wait')) {
      waits.set(key, r.step);
    } else if (isEvent(r, 'lock.acquired') || isEvent(r, 'lock.timeout') || isEvent(r, 'lock.error')) {
      const [mode] = r.fields;
      const w = waits.get(key);
      if (w !== undefined) {
        bars.push({
          thread: r.thread,
          from: w,
          to: r.step,
          kind: 'wait',
          lock: r.subject,
          text: `waits for ${r.subject} (${mode}), steps ${w}-${r.step}: ${r.kind.slice(5)}`,
        });
        waits.delete(key);
      }
      if (r.kind === 'lock.acquired') holds.set(key, { step: r.step, mode });
    } else if (isEvent(r, 'lock.release') || isEvent(r, 'lock.delete')) {
      const h = holds.get(key);
      if (h) {
        bars.push({
          thread: r.thread,
          from: h.step,
          to: r.step,
          kind: 'hold',
          lock: r.subject,
          text: `holds ${r.subject} (${h.mode}), steps ${h.step}-${r.step}`,
        });
        holds.delete(key);
      }
    }
  }
  for (const [key, h] of holds) {
    const [t, lock] = [Number(key.slice(0, key.indexOf('|'))), key.slice(key.indexOf('|') + 1)];
    bars.push({
      thread: t,
      from: h.step,
      to: lastStep,
      kind: 'hold',
      lock,
      text: `holds ${lock} (${h.mode}) from step ${h.step} to the end`,
    });
  }
  for (const [key, w] of waits) {
    const [t, lock] = [Number(key.slice(0, key.indexOf('|'))), key.slice(key.indexOf('|') + 1)];
    bars.push({
      thread: t,
      from: w,
      to: lastStep,
      kind: 'stuck',
      lock,
      text: `waits for ${lock} from step ${w}, still waiting at the end`,
    });
  }
  return bars;
}

const BAR_STYLE: Record<Bar['kind'], string> = {
  hold: 'fill="#81c784" fill-opacity="0.55" stroke="#388e3c"',
  wait: 'fill="#ffcc80" fill-opacity="0.7" stroke="#ef6c00"',
  stuck: 'fill="#ef9a9a" fill-opacity="0.8" stroke="#c62828" stroke-width="2"',
};

/** A mark's shape for a record category, centred on (x, y); null: not drawn as a mark. */
function markOf(category: string, kind: string, x: number, y: number): [tag: string, attrs: string] | null {
  switch (category) {
    case 'job':
      if (kind !== 'job.status' && kind !== 'opcode.status') return null;
      return [
        'path',
        `d="M${num(x)} ${num(y - 6)} L${num(x + 5)} ${num(y)} L${num(x)} ${num(y + 6)} L${num(x - 5)} ${num(y)} Z" fill="${kind === 'job.status' ? '#1f5fbf' : '#64b5f6'}"`,
      ];
    case 'disk':
      return ['rect', `x="${num(x - 3.5)}" y="${num(y - 3.5)}" width="7" height="7" fill="#00897b"`];
    case 'rpc':
      return ['circle', `cx="${num(x)}" cy="${num(y)}" r="3.5" fill="#8e24aa"`];
    case 'fault':
      return [
        'path',
        `d="M${num(x)} ${num(y - 7)} L${num(x + 6)} ${num(y + 5)} L${num(x - 6)} ${num(y + 5)} Z" fill="#c62828"`,
      ];
    default:
      return kind === 'exit'
        ? ['rect', `x="${num(x - 1)}" y="${num(y - 8)}" width="2" height="16" fill="#424242"`]
        : null;
  }
}

export interface SwimlaneOptions {
  readonly title?: string;
}

/**
 * The sub-row of each bar: the lowest row of its thread where it overlaps no bar placed before
 * it (bars taken by start step), so locks held at the same time sit one above the other.
 */
function packBars(bars: readonly Bar[]): { row: number[]; rows: Map<number, number> } {
  const order = bars
    .map((_, i) => i)
    .sort((a, b) => {
      const p = bars[a] as Bar;
      const q = bars[b] as Bar;
      return p.thread - q.thread || p.from - q.from || p.to - q.to || a - b;
    });
  const row: number[] = new Array(bars.length).fill(0);
  const ends = new Map<number, number[]>(); // thread -> end step of the last bar in each row
  for (const i of order) {
    const b = bars[i] as Bar;
    const rowEnds = ends.get(b.thread) ?? [];
    let r = rowEnds.findIndex((end) => end <= b.from);
    if (r < 0) r = rowEnds.length;
    rowEnds[r] = Math.max(b.to, b.from + 1);
    ends.set(b.thread, rowEnds);
    row[i] = r;
  }
  return { row, rows: new Map([...ends].map(([t, e]) => [t, e.length])) };
}

export function swimlaneSvg(
  records: readonly TraceRecord[],
  threadNames: ReadonlyMap<number, string>,
  opts: SwimlaneOptions = {},
): string {
  const first = records[0]?.step ?? 0;
  const last = records[records.length - 1]?.step ?? 0;
  const span = Math.max(1, last - first);
  const scale = Math.min(40, Math.max(4, 1200 / span));
  const x = (step: number) => LABEL_W + 10 + (step - first) * scale;
  const bars = lockBars(records, last);
  const packed = packBars(bars);
  const lanes = [...new Set(records.map((r) => r.thread))]
    .filter((t) => t !== 0 || records.some((r) => r.thread === 0 && categoryOf(r.kind) !== 'thread'))
    .sort((a, b) => a - b);
  const laneTop = new Map<number, number>();
  let bottom = TOP;
  for (const t of lanes) {
    laneTop.set(t, bottom);
    bottom += MARK_ROW_H + (packed.rows.get(t) ?? 0) * BAR_ROW_H + LANE_PAD;
  }
  const hasStuck = bars.some((b) => b.kind === 'stuck');
  const right = x(last) + Math.max(scale, MIN_BAR_W);
  // Room for the label of a bar that ends at the last step, drawn after it.
  const width = Math.ceil(right + (hasStuck ? STUCK_TAIL : 0) + RIGHT + 100);
  const height = bottom + 12;
  const markY = (t: number) => (laneTop.get(t) ?? laneTop.get(0) ?? TOP) + MARK_ROW_H / 2;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="swimlane" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<text x="8" y="16" font-size="13">${escapeXml(opts.title ?? 'per-thread swimlane')} (steps ${first}-${last})</text>`,
  ];
  lanes.forEach((t, i) => {
    const top = laneTop.get(t) ?? TOP;
    const h = MARK_ROW_H + (packed.rows.get(t) ?? 0) * BAR_ROW_H + LANE_PAD;
    if (i % 2 === 1) out.push(`<rect x="0" y="${top}" width="${width}" height="${h}" fill="#f5f5f5"/>`);
    const name = threadNames.get(t) ?? `t${t}`;
    out.push(
      `<text x="8" y="${top + MARK_ROW_H / 2 + 4}" class="lane" data-thread="${escapeXml(name)}">${escapeXml(name)}</text>`,
    );
  });
  // Step axis: a tick every `every` steps, chosen so labels do not overlap.
  const every = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].find((e) => e * scale >= 36) ?? 20000;
  for (let st = Math.ceil(first / every) * every; st <= last; st += every) {
    out.push(`<line x1="${num(x(st))}" y1="${TOP - 8}" x2="${num(x(st))}" y2="${height - 8}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${num(x(st))}" y="${TOP - 12}" text-anchor="middle" fill="#757575">${st}</text>`);
  }
  bars.forEach((b, i) => {
    const end = b.kind === 'stuck' ? right + STUCK_TAIL : x(b.to);
    const w = Math.max(MIN_BAR_W, scale, end - x(b.from));
    const top = (laneTop.get(b.thread) ?? TOP) + MARK_ROW_H + (packed.row[i] ?? 0) * BAR_ROW_H;
    out.push(
      `<rect class="bar ${b.kind}" data-step="${b.from}" data-lock="${escapeXml(b.lock)}" x="${num(x(b.from))}" y="${top}" width="${num(w)}" height="${BAR_H}" rx="3" ${BAR_STYLE[b.kind]}><title>${escapeXml(b.text)}</title></rect>`,
    );
    // Every bar says what it is: inside when it fits (about 5.5 px a character at this size),
    // right after it otherwise.
    const label = b.kind === 'hold' ? b.lock : b.kind === 'stuck' ? `still waiting for ${b.lock}` : `waits ${b.lock}`;
    const inside = w >= label.length * 5.5 + 8;
    out.push(
      `<text class="bar-label ${b.kind}" x="${num(inside ? x(b.from) + 4 : x(b.from) + w + 3)}" y="${top + BAR_H - 3}" font-size="9" fill="${b.kind === 'stuck' ? '#b71c1c' : '#212121'}" pointer-events="none">${escapeXml(label)}</text>`,
    );
  });
  for (const r of records) {
    const mark = markOf(categoryOf(r.kind), r.kind, x(r.step), markY(laneTop.has(r.thread) ? r.thread : 0));
    if (!mark) continue;
    const text = `step ${r.step}: ${r.kind} ${r.subject} ${r.fields.map(fieldText).join(' ')}`.trim();
    const lock = lockOf(r);
    const [tag, attrs] = mark;
    out.push(
      `<${tag} ${attrs} class="mark ${categoryOf(r.kind)}" data-step="${r.step}"${lock ? ` data-lock="${escapeXml(lock)}"` : ''}><title>${escapeXml(text)}</title></${tag}>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
