/**
 * Exhaustive exploration of the schedules of one world (fixed parameters, faults and seed):
 * stateless depth-first search over choice prefixes, bounded by the number of preemptions
 * (context bounding, Musuvathi and Qadeer, PLDI 2007) and optionally of delays, with sleep-set
 * reduction (Godefroid, 1996) so that schedules that only reorder commuting steps are not run
 * twice.
 *
 * Each execution follows a prefix of choices and then the default (choice 0: no preemption).
 * Its unexplored alternatives become new prefixes, deepest first, so the search is a true DFS.
 * The search is a `ScheduleWalk` that can stop after any number of executions and resume
 * later: its whole state is the stack of prefixes still to try and, per depth of the current
 * path, the sibling segments already explored there (at most one node per depth has pending
 * alternatives in a DFS), so a walk paused after n executions is small and resumes exactly
 * where a walk that never paused would be. The search uses that to continue one world's space
 * across the runs that share the world (`world-walks.ts`).
 *
 * Reduction. What a decision led to (until the next decision) is a *segment*: the threads that
 * ran and the objects their trace events name (locks, conditions, jobs, files). Two segments
 * that share neither a thread nor an object commute. After exploring thread t at a decision,
 * t sleeps in the sibling branches whose first segment commutes with t's, and keeps sleeping
 * until a segment that does not commute with it runs; a sleeping thread is not tried as an
 * alternative. The reduction is exactly as sound as the trace is complete: state shared between
 * threads without a trace event naming it would make two segments look independent. Systems
 * under test name what they touch in their events; `reduction: false` turns the reduction off.
 *
 * Reduction under a bound. Sleep sets alone are unsound under a preemption bound (Coons,
 * Musuvathi and McKinley, "Bounded partial-order reduction", OOPSLA 2013): the pruned schedule
 * is equivalent to one explored elsewhere, but that one may need more preemptions and so lie
 * outside the bound. A three-job lock cycle that needs one preemption was missed at bound 1
 * that way. Moving a sleeping thread t's segment from where a pruned schedule runs it up to the
 * decision where t was explored changes the preemption count by at most
 * `delta = pre(t) + after(t, u) - pre(u)`, where `pre(x)` is 1 when choosing x at that decision
 * preempts the thread that ran last, and `after(t, u)` is 1 when the last thread of t's segment
 * is still runnable and is not u (switching from it to u is then a preemption); every other
 * switch costs the same or less. So t sleeps in u's branch only when `delta <= 0`: always when t
 * is the thread that ran last (the default choice, explored first), which is most of the
 * pruning. Delay bounding counts choices against the waiting order of the ready threads, which
 * reordering independent steps changes everywhere after the move, so a delay-bounded search runs
 * without the reduction.
 */
import type { ModelCoverage, Scenario } from '../../scenarios/scenario.js';
import type { MutantSet } from '../mutants/registry.js';
import type { DecisionRecord } from '../sim/kernel.js';
import { addCoverage, type CoverageTable } from './coverage.js';
import { executeRun, type RunInput, type RunReport } from './run.js';

export interface ExhaustiveBounds {
  /** Largest number of preemptions a schedule may have. */
  readonly preemptionBound: number;
  /**
   * Largest number of choices other than the default a schedule may have, preemptive or not
   * (delay bounding, Emmi, Qadeer and Rakamaric, POPL 2011). A preemption bound alone leaves
   * every choice at a blocking point free, a space too large to finish even at bound 0; a delay
   * bound of d leaves about (decisions x threads)^d schedules. Unbounded when absent.
   */
  readonly delayBound?: number;
  /** Sleep-set reduction (ignored under a delay bound, see the module header). */
  readonly reduction: boolean;
}

export interface ExhaustiveOptions<P = unknown> extends ExhaustiveBounds {
  /** Stop after this many executions (the result then says the space was not exhausted). */
  readonly maxExecutions: number;
  /** Told of every execution, in order (tests and progress reports). */
  readonly onExecution?: (report: RunReport) => void;
  /** Told of each execution's input before it starts (a watchdog's heartbeat). */
  readonly beforeExecution?: (input: RunInput<P>) => void;
}

export interface ExhaustiveResult {
  readonly executions: number;
  /** True when every schedule within the bound was covered (up to the reduction). */
  readonly exhausted: boolean;
  /** Alternatives skipped because their thread was asleep. */
  readonly pruned: number;
  /** The first failing execution, if any. */
  readonly failure: RunReport | null;
  /** Model transitions taken, summed over every execution. */
  readonly coverage: readonly ModelCoverage[];
}

interface Segment {
  readonly threads: ReadonlySet<number>;
  readonly objects: ReadonlySet<string>;
  /** The thread chosen at the decision. */
  readonly thread: number;
  /** The thread that ran last at the end of the segment, if it could still run; else null. */
  readonly lastRunnable: number | null;
}

interface WorkItem {
  readonly prefix: readonly number[];
  /** Sleep set at the last decision of the prefix, before its choice. */
  readonly sleep: readonly Segment[];
}

/** Segments explored so far at the node of the current path at one depth. */
interface ExploredNode {
  readonly key: string;
  readonly segments: Segment[];
}

function disjoint<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return false;
  return true;
}

function commute(a: Segment, b: Segment): boolean {
  return disjoint(a.threads, b.threads) && disjoint(a.objects, b.objects);
}

function segmentOf(decisions: readonly DecisionRecord[], j: number, choice: number): Segment {
  const d = decisions[j] as DecisionRecord;
  const next = decisions[j + 1];
  return {
    threads: d.threads,
    objects: d.objects,
    thread: d.options[choice] as number,
    lastRunnable: next?.continuable ? (next.options[0] as number) : null,
  };
}

/**
 * Whether `t`, explored at decision `d` before `u`, may sleep in `u`'s branch without losing a
 * schedule within the preemption bound (the `delta <= 0` rule of the module header).
 */
function sleepKeepsBound(d: DecisionRecord, t: Segment, u: Segment): boolean {
  const last = d.continuable ? d.options[0] : undefined;
  const pre = (x: number) => (last !== undefined && x !== last ? 1 : 0);
  const after = t.lastRunnable !== null && t.lastRunnable !== u.thread ? 1 : 0;
  return pre(t.thread) + after - pre(u.thread) <= 0;
}

/** One world's schedule space, walked depth-first a slice at a time. */
export class ScheduleWalk<P> {
  private readonly stack: WorkItem[] = [{ prefix: [], sleep: [] }];
  private readonly explored: ExploredNode[] = [];
  private readonly reduction: boolean;
  private executionCount = 0;
  private prunedCount = 0;

  constructor(
    private readonly scenario: Scenario<P>,
    private readonly input: Omit<RunInput<P>, 'schedule'>,
    private readonly mutants: MutantSet,
    private readonly bounds: ExhaustiveBounds,
  ) {
    this.reduction = bounds.reduction && bounds.delayBound === undefined;
  }

  /** Every schedule within the bounds has been tried (up to the reduction). */
  get exhausted(): boolean {
    return this.stack.length === 0;
  }

  /** Executions run since the walk began. */
  get executions(): number {
    return this.executionCount;
  }

  /** Alternatives skipped by the reduction since the walk began. */
  get pruned(): number {
    return this.prunedCount;
  }

  /**
   * Runs up to `maxExecutions` more executions, stopping after the first one that fails (its
   * alternatives are queued first, so a later slice goes on past it).
   */
  advance(
    maxExecutions: number,
    onExecution?: (report: RunReport) => void,
    beforeExecution?: (input: RunInput<P>) => void,
  ): { executions: number; failure: RunReport | null; coverage: CoverageTable } {
    const covered: CoverageTable = {};
    let executions = 0;
    while (this.stack.length > 0 && executions < maxExecutions) {
      const item = this.stack.pop() as WorkItem;
      const input: RunInput<P> = { ...this.input, schedule: { kind: 'choices', choices: item.prefix } };
      beforeExecution?.(input);
      const report = executeRun(this.scenario, input, { mutants: this.mutants, trace: 'hash', footprints: true });
      executions++;
      this.executionCount++;
      onExecution?.(report);
      addCoverage(covered, report.coverage);
      this.expand(item, report);
      if (report.finding) return { executions, failure: report, coverage: covered };
    }
    return { executions, failure: null, coverage: covered };
  }

  /** Queues the alternatives of an execution that followed `item`'s prefix. */
  private expand(item: WorkItem, report: RunReport): void {
    const choices = report.result.choices;
    const decisions = report.result.decisions ?? [];
    const start = item.prefix.length;
    // Nodes deeper than the one this item branches from belong to subtrees already finished.
    this.explored.length = Math.min(this.explored.length, Math.max(0, start - 1) + 1);
    let sleep: Segment[] = [];
    if (start > 0 && this.reduction) {
      // The alternative this execution explores: it sleeps nothing that does not commute with it.
      const i = start - 1;
      const d = decisions[i];
      if (d) {
        const mine = segmentOf(decisions, i, choices[i] ?? 0);
        const key = choices.slice(0, i).join(',');
        const node = this.explored[i];
        const siblings = node && node.key === key ? node.segments : [];
        const bounded = Number.isFinite(this.bounds.preemptionBound);
        sleep = [
          ...item.sleep.filter((s) => commute(s, mine)),
          ...siblings.filter((s) => commute(s, mine) && (!bounded || sleepKeepsBound(d, s, mine))),
        ];
        this.explored[i] = { key, segments: [...siblings, mine] };
      }
    }
    const { preemptionBound } = this.bounds;
    const delayBound = this.bounds.delayBound ?? Number.POSITIVE_INFINITY;
    let preemptions = 0;
    let delays = 0;
    for (let j = 0; j < start && j < decisions.length; j++) {
      if ((choices[j] ?? 0) !== 0) {
        delays++;
        if (decisions[j]?.continuable) preemptions++;
      }
    }
    for (let j = start; j < decisions.length; j++) {
      const d = decisions[j] as DecisionRecord;
      const taken = segmentOf(decisions, j, 0);
      if (this.reduction) this.explored[j] = { key: choices.slice(0, j).join(','), segments: [taken] };
      const withinBounds = preemptions + (d.continuable ? 1 : 0) <= preemptionBound && delays + 1 <= delayBound;
      for (let a = d.options.length - 1; a >= 1 && withinBounds; a--) {
        if (this.reduction && sleep.some((s) => s.thread === d.options[a])) {
          this.prunedCount++;
          continue;
        }
        this.stack.push({ prefix: [...choices.slice(0, j), a], sleep });
      }
      if (this.reduction) sleep = sleep.filter((s) => commute(s, taken));
      // Beyond the prefix the execution took the default everywhere: no preemption, no delay.
    }
  }
}

/** Explores one world's schedules from the start, up to `maxExecutions` executions. */
export function exploreExhaustively<P>(
  scenario: Scenario<P>,
  input: Omit<RunInput<P>, 'schedule'>,
  mutants: MutantSet,
  opts: ExhaustiveOptions<P>,
): ExhaustiveResult {
  const walk = new ScheduleWalk(scenario, input, mutants, opts);
  const step = walk.advance(opts.maxExecutions, opts.onExecution, opts.beforeExecution);
  const coverage = Object.entries(step.coverage).map(([model, transitions]) => ({ model, transitions }));
  return {
    executions: step.executions,
    exhausted: step.failure === null && walk.exhausted,
    pruned: walk.pruned,
    failure: step.failure,
    coverage,
  };
}
