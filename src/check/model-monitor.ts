/**
 * LST (legal status transitions): checks a stream of status changes `(object, from, to)` against
 * a lifecycle model compiled into a transition table.
 *
 * A change is legal when some event of the model leads from `from` to `to`. `from = null` means
 * the object was created: `to` must be the model's initial state. The monitor also checks
 * continuity: an object's next change must start where its previous one ended (a change made
 * without being observed shows up here). A crash loses memory, and a restarted daemon reloads its
 * objects in whatever state they were persisted, so a process or node crash makes the monitor
 * forget what it knew (continuity is then learned anew).
 *
 * The monitor counts how often each (from, to) pair was seen, for coverage reports.
 */
import type { TraceField, TraceKind } from '../sim/ports.js';
import type { TransitionTable } from './model-table.js';

export interface ModelViolation {
  readonly model: string;
  readonly object: string;
  readonly from: string | null;
  readonly to: string;
  readonly reason: 'illegal' | 'not-initial' | 'discontinuity' | 'unknown-state';
  readonly message: string;
}

export interface ModelMonitorOptions {
  /** Check that each change starts where the object's previous one ended (default true). */
  readonly continuity?: boolean;
  /** Told of each violation as it is found. */
  readonly onViolation?: (v: ModelViolation) => void;
}

export class ModelMonitor {
  private readonly last = new Map<string, string>();
  private readonly found: ModelViolation[] = [];
  private readonly counts = new Map<string, number>();
  private readonly stateSet: ReadonlySet<string>;

  constructor(
    readonly table: TransitionTable,
    private readonly opts: ModelMonitorOptions = {},
  ) {
    this.stateSet = new Set(table.states);
  }

  /** Checks one status change; returns the violation, or null when it is legal. */
  observe(object: string, from: string | null, to: string): ModelViolation | null {
    const v = this.check(object, from, to);
    this.last.set(object, to);
    if (v) {
      this.found.push(v);
      this.opts.onViolation?.(v);
    } else {
      const key = `${from ?? ''}->${to}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    return v;
  }

  private check(object: string, from: string | null, to: string): ModelViolation | null {
    const t = this.table;
    const make = (reason: ModelViolation['reason'], message: string): ModelViolation => ({
      model: t.id,
      object,
      from,
      to,
      reason,
      message: `${object}: ${message}`,
    });
    if (!this.stateSet.has(to) || (from !== null && !this.stateSet.has(from))) {
      return make('unknown-state', `${from ?? 'created'} -> ${to} names a state unknown to model ${t.id}`);
    }
    if (from === null) {
      return to === t.initial
        ? null
        : make('not-initial', `created in '${to}', model ${t.id} starts in '${t.initial}'`);
    }
    const prev = this.last.get(object);
    if ((this.opts.continuity ?? true) && prev !== undefined && prev !== from) {
      return make('discontinuity', `change ${from} -> ${to} but the last observed status was '${prev}'`);
    }
    if (!t.admits(from, to)) {
      const outs = t.edges.filter((e) => e.from === from).map((e) => `${e.event}->${e.to}`);
      return make('illegal', `illegal ${t.id} change ${from} -> ${to} (from '${from}': ${outs.join(', ') || 'final'})`);
    }
    return null;
  }

  /** Forgets one object's last status (it was reloaded from disk). */
  forget(object: string): void {
    this.last.delete(object);
  }

  /** Forgets every object (a crash lost the memory holding them). */
  forgetAll(): void {
    this.last.clear();
  }

  violations(): readonly ModelViolation[] {
    return this.found;
  }

  /** How often each legal change was seen, keyed `from->to` (`->queued` for creations). */
  coverage(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** Last observed status of each object. */
  statuses(): ReadonlyMap<string, string> {
    return this.last;
  }
}

/** The parts of a trace record and check context the trace checker uses. */
export interface StatusTraceRecord {
  readonly kind: string;
  readonly subject: string;
  readonly fields: readonly TraceField[];
}

export interface StatusCheckContext {
  violation(property: string, message: string, objects?: readonly string[]): void;
}

/** Trace records after which volatile state is gone (`src/sim/kernel.ts` emits them). */
const MEMORY_LOSS_KINDS: ReadonlySet<string> = new Set<TraceKind>(['proc.crash', 'node.crash']);

/**
 * A passive checker (the `Checker` shape of `scenarios/scenario.ts`) that feeds every
 * `traceKind` record (`job.status job/7 waiting running`) to a `ModelMonitor` and reports
 * violations as property `LST`.
 */
export function modelStatusChecker(
  table: TransitionTable,
  traceKind: string,
  opts: { readonly continuity?: boolean } = {},
): {
  readonly name: string;
  readonly monitor: ModelMonitor;
  onEvent(r: StatusTraceRecord, ctx: StatusCheckContext): void;
  coverage(): { readonly model: string; readonly transitions: Readonly<Record<string, number>> };
} {
  const monitor = new ModelMonitor(table, opts);
  return {
    name: `LST:${table.id}`,
    monitor,
    coverage: () => ({ model: table.id, transitions: Object.fromEntries(monitor.coverage()) }),
    onEvent(r, ctx) {
      if (MEMORY_LOSS_KINDS.has(r.kind)) {
        monitor.forgetAll();
        return;
      }
      if (r.kind !== traceKind) return;
      const [from, to] = r.fields;
      if (typeof to !== 'string' || (from !== null && typeof from !== 'string')) {
        ctx.violation('LST', `${r.subject}: malformed ${traceKind} event [${r.fields.join(', ')}]`, [r.subject]);
        return;
      }
      const v = monitor.observe(r.subject, from, to);
      if (v) ctx.violation('LST', v.message, [r.subject]);
    },
  };
}
