/**
 * Footprints of decisions, for exhaustive exploration (`src/explore/exhaustive.ts`): what each
 * decision led to, i.e. the segment of execution from one decision point to the next, described
 * by the threads that ran in it and the objects (trace subjects) they touched. Two segments with
 * no thread and no object in common commute; the explorer prunes on that.
 *
 * Invariant: a decision's segment begins with the thread it chose (unless a crash dropped that
 * thread before it could run).
 */
import type { ReportBroken } from './kernel-invariants.js';
import { DEAD, type SimThread } from './kernel-threads.js';
import type { Trace } from './trace.js';

/** What one decision led to (see the module header). */
export interface DecisionRecord {
  /** Thread ids of the options, in option order. */
  readonly options: readonly number[];
  /** Whether option 0 was the thread that ran last (other choices preempt it). */
  readonly continuable: boolean;
  readonly threads: Set<number>;
  readonly objects: Set<string>;
}

export class Footprints {
  readonly decisions: DecisionRecord[] = [];
  /** The thread the last decision chose, until its segment's first step ran. */
  private chosen: SimThread | null = null;

  constructor(
    trace: Trace,
    private readonly broken: ReportBroken,
  ) {
    trace.observe((r) => {
      const last = this.decisions[this.decisions.length - 1];
      if (last && r.subject !== '') last.objects.add(r.subject);
    });
  }

  /** A decision chose `chosen` among `options`; its segment begins. */
  decided(options: readonly SimThread[], chosen: SimThread, continuable: boolean): void {
    this.decisions.push({
      options: options.map((o) => o.id),
      continuable,
      threads: new Set(),
      objects: new Set(),
    });
    this.chosen = chosen;
  }

  /** `thread` runs one step, in the segment of the last decision. */
  ran(thread: SimThread): void {
    const last = this.decisions[this.decisions.length - 1];
    if (!last) return;
    const chosen = this.chosen;
    if (chosen !== null) {
      this.chosen = null;
      if (thread !== chosen && chosen.state !== DEAD) {
        throw this.broken(
          'segment-not-begun-by-choice',
          `decision ${this.decisions.length - 1} chose ${chosen.name} (thread ${chosen.id}) but ${thread.name} (thread ${thread.id}) ran first`,
        );
      }
    }
    last.threads.add(thread.id);
  }
}
