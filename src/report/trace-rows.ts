/**
 * Trace records as a viewer sees them: each record with its category (lock, job, disk, rpc,
 * fault, thread) and the job and lock it concerns, so that a report can filter by thread, job
 * and lock without knowing every event kind.
 */
import type { TraceField, TraceKind } from '../sim/ports.js';
import type { TraceRecord } from '../sim/trace.js';

export type TraceCategory = 'lock' | 'job' | 'disk' | 'rpc' | 'fault' | 'thread' | 'other';

const THREAD_KINDS: ReadonlySet<string> = new Set<TraceKind>([
  'spawn',
  'exit',
  'wait',
  'wake',
  'yield',
  'sleep',
  'notify',
]);
const FAULT_KINDS: ReadonlySet<string> = new Set<TraceKind>([
  'proc.crash',
  'node.crash',
  'node.restart',
  'proc.signal',
  'disk.crash',
  'disk.error',
  'violation',
  'exception',
]);

export function categoryOf(kind: string): TraceCategory {
  if (FAULT_KINDS.has(kind) || kind.startsWith('fault.')) return 'fault';
  if (kind.startsWith('lock.')) return 'lock';
  if (kind.startsWith('job.') || kind.startsWith('opcode.') || kind.startsWith('pool.')) return 'job';
  if (kind.startsWith('disk.') || kind.startsWith('lockspace.') || kind.startsWith('libvirt.')) return 'disk';
  if (kind.startsWith('rpc.') || kind.startsWith('net.')) return 'rpc';
  if (THREAD_KINDS.has(kind) || kind.startsWith('proc.')) return 'thread';
  return 'other';
}

/** `job/7` for a record about job 7 or one of its opcodes, else null. */
export function jobOf(r: Pick<TraceRecord, 'subject'>): string | null {
  const m = /^job\/(\d+)(?:\/|$)/.exec(r.subject);
  return m ? `job/${m[1]}` : null;
}

/** The lock a record is about: the subject of `lock.*` records, or the lock a kernel wait names. */
export function lockOf(r: Pick<TraceRecord, 'kind' | 'subject'>): string | null {
  if (r.kind.startsWith('lock.')) return r.subject;
  // The kernel's wait records name the condition: `lock:instance/inst4:exclusive#1`.
  const m = /^lock:(.+):(?:shared|exclusive)(?:#\d+)?$/.exec(r.subject);
  return r.kind === 'wait' && m ? (m[1] as string) : null;
}

export function fieldText(f: TraceField): string {
  if (typeof f === 'string') return /^[\w./:#@[\]<>=+-]+$/.test(f) ? f : JSON.stringify(f);
  return String(f);
}

/** One row of the viewer: `[step, timeUs, thread, kind, subject, fields, category, job, lock]`. */
export type TraceRow = [number, number, number, string, string, string, TraceCategory, string | null, string | null];

export function traceRows(records: readonly TraceRecord[]): TraceRow[] {
  return records.map((r) => [
    r.step,
    r.time,
    r.thread,
    r.kind,
    r.subject,
    r.fields.map(fieldText).join(' '),
    categoryOf(r.kind),
    jobOf(r),
    lockOf(r),
  ]);
}
