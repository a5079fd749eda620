/**
 * Which process each thread belongs to, learned from the kernel's `spawn` records, and which
 * processes died. Checkers use it to forget state owned by a crashed process (its locks were
 * volatile memory of that process).
 */
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';

export class ProcessMap {
  private readonly processOf = new Map<number, string>();
  private readonly names = new Map<number, string>();

  /** Returns the label of a process that just died, if `r` says one did. */
  observe(r: TraceRecord): string | null {
    if (isEvent(r, 'spawn')) {
      const [label, id] = r.fields;
      this.names.set(id, r.subject);
      if (label !== null) this.processOf.set(id, label);
      return null;
    }
    if (isEvent(r, 'proc.crash') || isEvent(r, 'proc.exit')) return r.subject;
    return null;
  }

  /** The thread's name (as spawned), or `thread <id>` for one spawned before observation began. */
  name(thread: number): string {
    return this.names.get(thread) ?? `thread ${thread}`;
  }

  process(thread: number): string | null {
    return this.processOf.get(thread) ?? null;
  }
}
