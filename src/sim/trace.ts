/**
 * The trace: every kernel effect and every system event, in order, folded into a running 64-bit
 * hash. In `full` mode the records are kept for rendering; in `hash` mode only the hash (and a
 * short tail for findings) is kept, which is what searches use for speed.
 */
import { Hash64, hashString32 } from './hash.js';
import type { TraceField } from './ports.js';

export interface TraceRecord {
  /** Scheduling step at which the event happened. */
  readonly step: number;
  /** Virtual time in microseconds. */
  readonly time: number;
  /** Thread id (0 = the kernel itself: timers, faults). */
  readonly thread: number;
  readonly kind: string;
  readonly subject: string;
  readonly fields: readonly TraceField[];
}

export type TraceMode = 'full' | 'hash';

/** How many of the last records `hash` mode keeps, so a finding can still show its context. */
export const TRACE_TAIL = 256;

export class Trace {
  private readonly hash = new Hash64();
  private readonly stringHashes = new Map<string, number>();
  private readonly records: TraceRecord[] = [];
  private count = 0;
  /** Names of threads by id, for rendering. */
  readonly threadNames = new Map<number, string>([[0, 'kernel']]);
  /** Told of every record as it is appended: how checkers watch a run without touching it. */
  private readonly observers: Array<(r: TraceRecord) => void> = [];

  constructor(readonly mode: TraceMode) {}

  get length(): number {
    return this.count;
  }

  append(step: number, time: number, thread: number, kind: string, subject: string, fields: readonly TraceField[]) {
    const h = this.hash;
    h.word(step);
    h.word(time % 0x100000000);
    h.word(Math.floor(time / 0x100000000));
    h.word(thread);
    h.word(this.str(kind));
    h.word(this.str(subject));
    for (const f of fields) this.field(f);
    this.count++;
    const record: TraceRecord = { step, time, thread, kind, subject, fields };
    if (this.mode === 'hash' && this.records.length >= TRACE_TAIL * 2) this.records.splice(0, TRACE_TAIL);
    this.records.push(record);
    for (const o of this.observers) o(record);
  }

  observe(observer: (r: TraceRecord) => void): void {
    this.observers.push(observer);
  }

  hashHex(): string {
    return this.hash.hex();
  }

  /** All records in `full` mode; the most recent ones (at least `TRACE_TAIL`) in `hash` mode. */
  snapshot(): readonly TraceRecord[] {
    return this.records;
  }

  private str(s: string): number {
    let v = this.stringHashes.get(s);
    if (v === undefined) {
      v = hashString32(s);
      this.stringHashes.set(s, v);
    }
    return v;
  }

  private field(f: TraceField): void {
    const h = this.hash;
    if (typeof f === 'number') {
      if (Number.isInteger(f) && Math.abs(f) < 0x80000000) {
        h.word(1);
        h.word(f);
      } else {
        h.word(2);
        h.word(this.str(String(f)));
      }
    } else if (typeof f === 'string') {
      h.word(3);
      h.word(this.str(f));
    } else if (typeof f === 'boolean') {
      h.word(f ? 4 : 5);
    } else {
      h.word(6);
    }
  }
}

/** Virtual microseconds as `seconds.micros`, e.g. `12.000250`. */
export function formatTime(us: number): string {
  const s = Math.floor(us / 1_000_000);
  return `${s}.${String(us % 1_000_000).padStart(6, '0')}`;
}

function renderField(f: TraceField): string {
  if (typeof f === 'string') return /^[\w./:#@[\]<>=+-]+$/.test(f) ? f : JSON.stringify(f);
  return String(f);
}

/** Text rendering, one line per record with aligned columns: step, time, thread, kind, subject, fields. */
export function renderTrace(records: readonly TraceRecord[], threadNames: ReadonlyMap<number, string>): string {
  const rows = records.map((r) => [
    String(r.step),
    formatTime(r.time),
    threadNames.get(r.thread) ?? `t${r.thread}`,
    r.kind,
    r.subject,
    r.fields.map(renderField).join(' '),
  ]);
  const widths = [0, 0, 0, 0, 0];
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i] ?? 0, (row[i] ?? '').length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === 0 || i === 1 ? cell.padStart(widths[i] ?? 0) : i < 5 ? cell.padEnd(widths[i] ?? 0) : cell,
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
