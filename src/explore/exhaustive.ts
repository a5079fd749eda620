/**
 * Exhaustive exploration of the schedules of one run (fixed parameters, faults and seed):
 * stateless depth-first search over choice prefixes, bounded by the number of preemptions
 * (context bounding, Musuvathi and Qadeer, PLDI 2007), with sleep-set reduction (Godefroid,
 * 1996) so that schedules that only reorder commuting steps are not run twice.
 *
 * Each execution follows a prefix of choices and then the default (choice 0: no preemption).
 * Its unexplored alternatives become new prefixes, deepest first, so the search is a true DFS.
 *
 * Reduction. What a decision led to (until the next decision) is a *segment*: the threads that
 * ran and the objects their trace events name (locks, conditions, jobs, files). Two segments
 * that share neither a thread nor an object commute. After exploring thread t at a decision,
 * t sleeps in the sibling branches whose first segment commutes with t's, and keeps sleeping
 * until a segment that does not commute with it runs; a sleeping thread is not tried as an
 * alternative. The reduction is exactly as sound as the trace is complete: state shared between
 * threads without a trace event naming it would make two segments look independent. Systems
 * under test name what they touch in their events; `reduction: false` turns the reduction off.
 */
import type { ModelCoverage, Scenario } from '../../scenarios/scenario.js';
import type { MutantSet } from '../mutants/registry.js';
import type { DecisionRecord } from '../sim/kernel.js';
import { addCoverage, type CoverageTable } from './coverage.js';
import { executeRun, type RunInput, type RunReport } from './run.js';

export interface ExhaustiveOptions<P = unknown> {
  /** Largest number of preemptions a schedule may have. */
  readonly preemptionBound: number;
  /**
   * Largest number of choices other than the default a schedule may have, preemptive or not
   * (delay bounding, Emmi, Qadeer and Rakamaric, POPL 2011). A preemption bound alone leaves
   * every choice at a blocking point free, a space too large to finish even at bound 0; a delay
   * bound of d leaves about (decisions x threads)^d schedules. Unbounded when absent.
   */
  readonly delayBound?: number;
  /** Stop after this many executions (the result then says the space was not exhausted). */
  readonly maxExecutions: number;
  readonly reduction: boolean;
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
}

interface WorkItem {
  readonly prefix: readonly number[];
  /** Sleep set at the last decision of the prefix, before its choice. */
  readonly sleep: readonly Segment[];
}

function disjoint<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return false;
  return true;
}

function commute(a: Segment, b: Segment): boolean {
  return disjoint(a.threads, b.threads) && disjoint(a.objects, b.objects);
}

function segmentOf(d: DecisionRecord, choice: number): Segment {
  return { threads: d.threads, objects: d.objects, thread: d.options[choice] as number };
}

export function exploreExhaustively<P>(
  scenario: Scenario<P>,
  input: Omit<RunInput<P>, 'schedule'>,
  mutants: MutantSet,
  opts: ExhaustiveOptions<P>,
): ExhaustiveResult {
  const stack: WorkItem[] = [{ prefix: [], sleep: [] }];
  // Segments already explored at each decision node (keyed by the choices leading to it).
  const explored = new Map<string, Segment[]>();
  let executions = 0;
  let pruned = 0;
  const covered: CoverageTable = {};
  const coverage = (): ModelCoverage[] =>
    Object.entries(covered).map(([model, transitions]) => ({ model, transitions }));
  while (stack.length > 0) {
    if (executions >= opts.maxExecutions) {
      return { executions, exhausted: false, pruned, failure: null, coverage: coverage() };
    }
    const item = stack.pop() as WorkItem;
    const run: RunInput<P> = { ...input, schedule: { kind: 'choices', choices: item.prefix } };
    opts.beforeExecution?.(run);
    const report = executeRun(scenario, run, { mutants, trace: 'hash', footprints: true });
    executions++;
    opts.onExecution?.(report);
    addCoverage(covered, report.coverage);
    if (report.finding) return { executions, exhausted: false, pruned, failure: report, coverage: coverage() };
    const choices = report.result.choices;
    const decisions = report.result.decisions ?? [];
    const preemptionsBefore: number[] = [];
    const delaysBefore: number[] = [];
    let count = 0;
    let delays = 0;
    for (let j = 0; j < decisions.length; j++) {
      preemptionsBefore.push(count);
      delaysBefore.push(delays);
      if ((choices[j] ?? 0) !== 0) {
        delays++;
        if (decisions[j]?.continuable) count++;
      }
    }
    const delayBound = opts.delayBound ?? Number.POSITIVE_INFINITY;

    let sleep: Segment[] = [];
    const start = item.prefix.length;
    if (start > 0 && opts.reduction) {
      // The alternative this execution explores: it sleeps nothing that does not commute with it.
      const i = start - 1;
      const d = decisions[i];
      if (d) {
        const mine = segmentOf(d, choices[i] ?? 0);
        const key = choices.slice(0, i).join(',');
        const siblings = explored.get(key) ?? [];
        sleep = [...item.sleep, ...siblings].filter((s) => commute(s, mine));
        siblings.push(mine);
        explored.set(key, siblings);
      }
    }
    for (let j = start; j < decisions.length; j++) {
      const d = decisions[j] as DecisionRecord;
      const taken = segmentOf(d, 0);
      if (opts.reduction) explored.set(choices.slice(0, j).join(','), [taken]);
      for (let a = d.options.length - 1; a >= 1; a--) {
        if (opts.reduction && sleep.some((s) => s.thread === d.options[a])) {
          pruned++;
          continue;
        }
        const preemptions = (preemptionsBefore[j] ?? 0) + (d.continuable ? 1 : 0);
        if (preemptions > opts.preemptionBound || (delaysBefore[j] ?? 0) + 1 > delayBound) continue;
        stack.push({ prefix: [...choices.slice(0, j), a], sleep });
      }
      if (opts.reduction) sleep = sleep.filter((s) => commute(s, taken));
    }
  }
  return { executions, exhausted: true, pruned, failure: null, coverage: coverage() };
}
