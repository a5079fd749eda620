/**
 * A per-thread swimlane of a trace as SVG: one lane per thread, scheduling steps from left to
 * right; lock waits (amber, red when still waiting at the end) and holds (green) as bars, job and
 * opcode status changes, disk and RPC operations and faults as marks. Every mark carries its step
 * (`data-step`) and a tooltip, so a report can jump from the picture to the trace.
 *
 * Drawn directly rather than through Graphviz: a timeline is a fixed grid, not a graph layout.
 */
import type { TraceRecord } from '../sim/trace.js';
import { categoryOf, fieldText, lockOf } from './trace-rows.js';

const LANE_H = 26;
const LABEL_W = 130;
const TOP = 44;
const RIGHT = 20;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (n: number) => String(Math.round(n * 10) / 10);

interface Bar {
  readonly thread: number;
  readonly from: number;
  readonly to: number;
  readonly kind: 'hold' | 'wait' | 'stuck';
  readonly text: string;
}

/** Lock waits and holds per thread, paired by (thread, lock); the unfinished ones end at `lastStep`. */
function lockBars(records: readonly TraceRecord[], lastStep: number): Bar[] {
  const bars: Bar[] = [];
  const holds = new Map<string, { step: number; mode: string }>();
  const waits = new Map<string, number>();
  for (const r of records) {
    if (!r.kind.startsWith('lock.')) continue;
    const key = `${r.thread}|${r.subject}`;
    const mode = String(r.fields[0] ?? '');
    if (r.kind === 'lock.wait') waits.set(key, r.step);
    if (r.kind === 'lock.acquired' || r.kind === 'lock.timeout' || r.kind === 'lock.error') {
      const w = waits.get(key);
      if (w !== undefined) {
        bars.push({
          thread: r.thread,
          from: w,
          to: r.step,
          kind: 'wait',
          text: `waits for ${r.subject} (${mode}), steps ${w}-${r.step}: ${r.kind.slice(5)}`,
        });
        waits.delete(key);
      }
    }
    if (r.kind === 'lock.acquired') holds.set(key, { step: r.step, mode });
    if (r.kind === 'lock.release' || r.kind === 'lock.delete') {
      const h = holds.get(key);
      if (h) {
        bars.push({
          thread: r.thread,
          from: h.step,
          to: r.step,
          kind: 'hold',
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
  const lanes = [...new Set(records.map((r) => r.thread))]
    .filter((t) => t !== 0 || records.some((r) => r.thread === 0 && categoryOf(r.kind) !== 'thread'))
    .sort((a, b) => a - b);
  const laneOf = new Map(lanes.map((t, i) => [t, i]));
  const width = Math.ceil(x(last) + RIGHT);
  const height = TOP + lanes.length * LANE_H + 12;
  const y = (t: number) => TOP + (laneOf.get(t) ?? 0) * LANE_H + LANE_H / 2;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="swimlane" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<text x="8" y="16" font-size="13">${escapeXml(opts.title ?? 'per-thread swimlane')} (steps ${first}-${last})</text>`,
  ];
  // Step axis: a tick every `every` steps, chosen so labels do not overlap.
  const every = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].find((e) => e * scale >= 36) ?? 20000;
  for (let s = Math.ceil(first / every) * every; s <= last; s += every) {
    out.push(`<line x1="${num(x(s))}" y1="${TOP - 8}" x2="${num(x(s))}" y2="${height - 8}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${num(x(s))}" y="${TOP - 12}" text-anchor="middle" fill="#757575">${s}</text>`);
  }
  lanes.forEach((t, i) => {
    const ly = TOP + i * LANE_H;
    if (i % 2 === 1) out.push(`<rect x="0" y="${ly}" width="${width}" height="${LANE_H}" fill="#fafafa"/>`);
    const name = threadNames.get(t) ?? `t${t}`;
    out.push(
      `<text x="8" y="${ly + LANE_H / 2 + 4}" class="lane" data-thread="${escapeXml(name)}">${escapeXml(name)}</text>`,
    );
  });
  for (const b of bars) {
    const w = Math.max(3, x(b.to) - x(b.from));
    const top = y(b.thread) - 7;
    out.push(
      `<rect class="bar ${b.kind}" data-step="${b.from}" x="${num(x(b.from))}" y="${num(top)}" width="${num(w)}" height="14" rx="3" ${BAR_STYLE[b.kind]}><title>${escapeXml(b.text)}</title></rect>`,
    );
  }
  for (const r of records) {
    const mark = markOf(categoryOf(r.kind), r.kind, x(r.step), y(laneOf.has(r.thread) ? r.thread : 0));
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
