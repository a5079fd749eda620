/**
 * What the libvirt checkers know of a run, rebuilt from trace events only: which PID each
 * process label has and which are dead, every lock daemon's resource table (per node, from
 * `libvirt.resource`), and which QEMU PIDs lost their protection because the lock daemon they
 * registered with crashed (spec §2.4: running QEMUs keep running unprotected; the documented
 * unsafe window, invariant 8 (a)).
 */
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';

export interface ResourceRecord {
  readonly mode: 'shared' | 'exclusive';
  readonly owners: readonly number[];
}

/** `node1/virtlockd#2` -> `node1`. */
export function nodeOfLabel(label: string): string {
  const i = label.indexOf('/');
  return i < 0 ? label : label.slice(0, i);
}

/** `dom1/17` -> 17. */
export function pidOfSubject(subject: string): number {
  return Number(subject.slice(subject.lastIndexOf('/') + 1));
}

export class LibvirtView {
  private readonly pidOf = new Map<string, number>();
  private readonly labelOf = new Map<number, string>();
  private readonly deadPids = new Set<number>();
  /** node -> `<lockspace>|<name>` -> record. */
  private readonly tables = new Map<string, Map<string, ResourceRecord>>();
  /** daemon label -> PIDs registered as owners through it. */
  private readonly registered = new Map<string, Set<number>>();
  private readonly unprotectedPids = new Set<number>();

  /** Updates the view; returns the PID of a process that died with this record, if any. */
  observe(r: TraceRecord): number | null {
    if (isEvent(r, 'proc.start')) {
      const [pid] = r.fields;
      this.pidOf.set(r.subject, pid);
      this.labelOf.set(pid, r.subject);
    } else if (isEvent(r, 'proc.crash') || isEvent(r, 'proc.exit')) {
      if (r.subject.includes('/virtlockd#')) this.daemonDied(r.subject);
      const pid = this.pidOf.get(r.subject);
      if (pid === undefined) return null;
      this.deadPids.add(pid);
      return pid;
    } else if (isEvent(r, 'libvirt.resource')) {
      const [, to, , , owners] = r.fields;
      const sep = r.subject.indexOf(':');
      const node = r.subject.slice(0, sep);
      const key = r.subject.slice(sep + 1);
      let table = this.tables.get(node);
      if (!table) {
        table = new Map();
        this.tables.set(node, table);
      }
      if (to === 'free') table.delete(key);
      else table.set(key, { mode: to, owners: owners !== '' ? owners.split(',').map(Number) : [] });
    } else if (isEvent(r, 'guest.unsafe-resume')) {
      // Resumed behind libvirt's back (invariant 8 (b)): it runs without its locks from now on.
      const [pid] = r.fields;
      this.unprotectedPids.add(pid);
    } else if (isEvent(r, 'lockd.register')) {
      const [, , ownerPid] = r.fields;
      let set = this.registered.get(r.subject);
      if (!set) {
        set = new Set();
        this.registered.set(r.subject, set);
      }
      set.add(ownerPid);
    }
    return null;
  }

  private daemonDied(label: string): void {
    // A re-exec keeps the process; only a death loses the table and every registration.
    this.tables.delete(nodeOfLabel(label));
    for (const pid of this.registered.get(label) ?? []) this.unprotectedPids.add(pid);
    this.registered.delete(label);
  }

  isDead(pid: number): boolean {
    return this.deadPids.has(pid);
  }

  label(pid: number): string {
    return this.labelOf.get(pid) ?? `pid ${pid}`;
  }

  /**
   * Whether `pid` runs in a documented unsafe window (its lock daemon crashed, or QEMU resumed it
   * behind libvirt's back): not a finding unless unsafe windows are reported.
   */
  isUnprotected(pid: number): boolean {
    return this.unprotectedPids.has(pid);
  }

  table(node: string): ReadonlyMap<string, ResourceRecord> {
    return this.tables.get(node) ?? new Map();
  }

  /** Every node's record of `key` (`<lockspace>|<name>`), in node order. */
  recordsOf(key: string): Array<[string, ResourceRecord]> {
    const out: Array<[string, ResourceRecord]> = [];
    for (const node of [...this.tables.keys()].sort()) {
      const rec = this.tables.get(node)?.get(key);
      if (rec) out.push([node, rec]);
    }
    return out;
  }

  /** Keys (`node:<lockspace>|<name>`) whose owners include `pid`. */
  heldBy(pid: number): string[] {
    const out: string[] = [];
    for (const [node, table] of this.tables) {
      for (const [key, rec] of table) if (rec.owners.includes(pid)) out.push(`${node}:${key}`);
    }
    return out.sort();
  }
}
