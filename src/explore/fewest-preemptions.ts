/**
 * The last phase of shrinking: with parameters and faults already small, look for a failing
 * schedule with as few preemptions as possible, within a fixed number of executions (never wall
 * time, so every machine ends at the same counterexample).
 *
 * fast-check's shrinker removes a preemption by zeroing one choice of the list. A choice is an
 * index into the runnable threads, so after one change every later index may name another
 * thread, the interleaving falls apart, and the bug is lost: a counterexample found by `random`
 * for a three-preemption deadlock stopped at 19-23 preemptions that way. Three phases instead:
 *
 * 1. Moves by thread identity. The failing run is read as the thread it ran at each decision.
 *    For each preemption (latest first) a candidate lets the preempted thread keep running
 *    there: its next block of decisions is moved up to the preemption, or the preempting block
 *    is put off until after it, or the preempted thread just runs once more. The candidate runs
 *    under the `follow` strategy, which runs those threads by identity, and the first candidate
 *    that fails the same way with fewer preemptions becomes the new counterexample. Each accepted
 *    step removes at least one preemption, so the phase ends; what it removes is what the bug
 *    did not need.
 * 2. Local search, when two or more preemptions are left. Moves stop at a local minimum, where
 *    the cheaper schedule differs in two places at once (one thread's step earlier and another's
 *    block later). Random moves of one decision or one block that keep the bug without adding
 *    preemptions walk along such plateaus; a gain is polished by phase 1 again; after a while
 *    without gain the walk restarts from another failing schedule of the world (PCT and random
 *    draws). The moves come from a generator seeded by the counterexample: deterministic.
 * 3. Bounded search. With what is left, bounded exhaustive exploration of the same world looks
 *    for a failing schedule at 0, 1, 2... preemptions below the best so far, each bound a
 *    delay-bounded pass (schedules a few steps away from the default one: cheap, and enough for
 *    most ordering bugs) and a preemption-bounded one. A preemption bound whose space is
 *    exhausted without the bug proves it too small (`provedMinimal`).
 *
 * Measured on lock cycles needing 2, 3 and 4 preemptions (test/unit/explore/deep-bugs.test.ts),
 * counterexamples found by `pct` and by `random` with up to 20 preemptions come out at the
 * minimum within the budget.
 */
import type { Scenario } from '../../scenarios/scenario.js';
import type { MutantSet } from '../mutants/registry.js';
import type { FaultPlan } from '../sim/faults.js';
import { hashString32 } from '../sim/hash.js';
import type { DecisionRecord } from '../sim/kernel.js';
import { ScheduleWalk } from './exhaustive.js';
import { executeRun, type RunReport } from './run.js';
import type { Schedule } from './schedule.js';

/** Executions the whole search for fewer preemptions may spend. */
export const PREEMPTION_SEARCH_EXECUTIONS = 2_000;
/** Largest bound the bounded phase tries (it tries every bound below the best so far). */
const PREEMPTION_SEARCH_BOUNDS = 4;
/** Shares of the budget phases 1 and 2 may use at most; phase 3 has the rest. */
const MOVES_SHARE = 0.2;
const SEARCH_SHARE = 0.5;
/** Random moves without a gain before the local search starts over from a fresh schedule. */
const RESTART_AFTER = 150;

export interface BugIdentity {
  readonly kind: string;
  readonly property: string;
}

export interface PreemptionSearchInput<P> {
  readonly scenario: Scenario<P>;
  readonly mutants: MutantSet;
  readonly seed: number;
  readonly params: P;
  readonly faults: FaultPlan;
  /** Choices of the failing run to start from. */
  readonly choices: readonly number[];
  readonly bug: BugIdentity;
  /** Told before each execution (a watchdog's heartbeat). */
  readonly beforeExecution?: () => void;
  /** Executions allowed (default `PREEMPTION_SEARCH_EXECUTIONS`). */
  readonly budget?: number;
}

export interface PreemptionSearchResult {
  /** Choices of the failing run with the fewest preemptions found. */
  readonly choices: readonly number[];
  readonly preemptions: number;
  readonly executions: number;
  /** Every bound below `preemptions` was searched exhaustively: no failing schedule has fewer. */
  readonly provedMinimal: boolean;
}

/** A failing run seen as the thread chosen at each decision. */
interface Interleaving {
  readonly threads: readonly number[];
  readonly decisions: readonly DecisionRecord[];
  readonly choices: readonly number[];
  readonly preemptions: number;
}

function interleavingOf(report: RunReport): Interleaving {
  const decisions = report.result.decisions ?? [];
  const choices = report.result.choices;
  return {
    threads: decisions.map((d, j) => d.options[choices[j] ?? 0] as number),
    decisions,
    choices,
    preemptions: report.result.preemptions,
  };
}

/** End (exclusive) of the block of consecutive entries equal to `list[from]`. */
function blockEnd(list: readonly number[], from: number): number {
  let e = from;
  while (e < list.length && list[e] === list[from]) e++;
  return e;
}

/** Candidate thread lists without the preemption at decision `j`, most promising first. */
export function withoutPreemption(threads: readonly number[], j: number, preempted: number): number[][] {
  const out: number[][] = [];
  const before = threads.slice(0, j);
  // The preempted thread's next block, moved up to the preemption.
  const q = threads.indexOf(preempted, j);
  if (q > j) {
    const r = blockEnd(threads, q);
    out.push([...before, ...threads.slice(q, r), ...threads.slice(j, q), ...threads.slice(r)]);
  }
  // The preempting block put off until after the preempted thread's next block.
  const uEnd = blockEnd(threads, j);
  const q2 = threads.indexOf(preempted, uEnd);
  if (q2 > uEnd) {
    const r2 = blockEnd(threads, q2);
    out.push([...before, ...threads.slice(uEnd, r2), ...threads.slice(j, uEnd), ...threads.slice(r2)]);
  }
  // The preempted thread runs once more, then the rest as it was.
  out.push([...before, preempted, ...threads.slice(j)]);
  return out;
}

/** Decision indices where the run preempted the thread that ran last, latest first. */
function preemptionPoints(x: Interleaving): number[] {
  const out: number[] = [];
  for (let j = x.decisions.length - 1; j >= 0; j--) {
    const d = x.decisions[j] as DecisionRecord;
    if (d.continuable && (x.choices[j] ?? 0) !== 0) out.push(j);
  }
  return out;
}

export function fewestPreemptions<P>(input: PreemptionSearchInput<P>): PreemptionSearchResult {
  const initialBudget = input.budget ?? PREEMPTION_SEARCH_EXECUTIONS;
  let budget = initialBudget;
  const { scenario, mutants, seed, params, faults, bug } = input;
  const sameBug = (r: RunReport) =>
    r.finding !== null && r.finding.kind === bug.kind && r.finding.property === bug.property;
  const run = (schedule: Schedule, replayChoices?: readonly number[]) => {
    budget--;
    input.beforeExecution?.();
    return executeRun(
      scenario,
      { seed, params, faults, schedule },
      { mutants, trace: 'hash', footprints: true, ...(replayChoices ? { replayChoices } : {}) },
    );
  };
  const start = run({ kind: 'choices', choices: input.choices }, input.choices);
  if (!sameBug(start)) {
    return { choices: input.choices, preemptions: start.result.preemptions, executions: 1, provedMinimal: false };
  }
  const initial = interleavingOf(start);

  /** Phase 1 from `from`: moves by thread identity, until no single move helps or `floor` is reached. */
  const moves = (from: Interleaving, floor: number): Interleaving => {
    let best = from;
    let improved = true;
    while (improved && budget > floor && best.preemptions > 0) {
      improved = false;
      for (const j of preemptionPoints(best)) {
        const preempted = best.decisions[j]?.options[0] as number;
        for (const threads of withoutPreemption(best.threads, j, preempted)) {
          if (budget <= floor) break;
          const r = run({ kind: 'follow', threads });
          if (sameBug(r) && r.result.preemptions < best.preemptions) {
            best = interleavingOf(r);
            improved = true;
            break;
          }
        }
        if (improved || budget <= floor) break;
      }
    }
    return best;
  };
  let best = moves(initial, initialBudget - Math.floor(initialBudget * MOVES_SHARE));

  // Phase 2: local search. Moves stop at a local minimum: every single move that keeps the bug
  // keeps or adds preemptions. Random moves of one decision or one block, accepted when the bug
  // stays and the preemptions do not grow, walk along such plateaus to schedules where moves
  // help again; from time to time the walk restarts from another failing schedule of the same
  // world, drawn like a search draws them.
  const searchEnd = budget - Math.floor(initialBudget * SEARCH_SHARE);
  const rng = new SplitMix32(hashString32(input.choices.join(',')));
  let current = best;
  let restarts = 0;
  // With one preemption left, the bounded search of phase 3 at bound 0 settles it at once.
  for (let stale = 0; budget > searchEnd && best.preemptions > 1; stale++) {
    if (stale >= RESTART_AFTER) {
      stale = 0;
      const r = run(restartSchedule(++restarts));
      if (sameBug(r)) current = moves(interleavingOf(r), searchEnd);
      if (current.preemptions < best.preemptions) best = current;
      continue;
    }
    const r = run({ kind: 'follow', threads: perturbed(current.threads, rng) });
    if (!sameBug(r) || r.result.preemptions > current.preemptions) continue;
    current = interleavingOf(r);
    if (current.preemptions < best.preemptions) {
      current = moves(current, searchEnd);
      best = current;
      stale = 0;
    }
  }

  // Phase 3: bounded search below the best so far.
  const bounds = Math.min(best.preemptions, PREEMPTION_SEARCH_BOUNDS);
  const passes: { preemptionBound: number; delayBound?: number }[] = [];
  for (let b = 0; b < bounds; b++) passes.push({ preemptionBound: b, delayBound: b }, { preemptionBound: b });
  let provedBelow = 0;
  for (const [i, pass] of passes.entries()) {
    if (budget <= 0) break;
    // Each pass gets a share of what is left: a space too large to finish at one bound must not
    // use up the budget before the next, whose depth-first search often fails within a few runs,
    // and what a pass that finishes early leaves goes to the passes after it.
    let share = Math.ceil(budget / (passes.length - i));
    const walk = new ScheduleWalk(scenario, { seed, params, faults }, mutants, { ...pass, reduction: true });
    let found: RunReport | null = null;
    // Another bug met on the way does not end the pass: the walk goes on past it.
    while (share > 0 && !walk.exhausted && found === null) {
      const step = walk.advance(share, undefined, input.beforeExecution);
      share -= step.executions;
      budget -= step.executions;
      if (step.failure && sameBug(step.failure)) found = step.failure;
    }
    if (found && found.result.preemptions < best.preemptions) {
      return {
        choices: found.result.choices,
        preemptions: found.result.preemptions,
        executions: initialBudget - budget,
        provedMinimal: provedBelow >= found.result.preemptions,
      };
    }
    // A preemption-bounded pass that ran out its space proves this bound too small.
    if (pass.delayBound === undefined && walk.exhausted && found === null && provedBelow === pass.preemptionBound) {
      provedBelow++;
    }
  }
  return {
    // The very list it was given when nothing better was found, so callers can tell.
    choices: best === initial ? input.choices : best.choices,
    preemptions: best.preemptions,
    executions: initialBudget - budget,
    provedMinimal: provedBelow >= best.preemptions,
  };
}

/** A random move: one decision, or the block of decisions around it, put somewhere else. */
function perturbed(threads: readonly number[], rng: SplitMix32): number[] {
  const out = threads.slice();
  if (out.length < 2) return out;
  const a = rng.below(out.length);
  let from = a;
  let to = a + 1;
  if (rng.below(2) === 0) {
    while (from > 0 && out[from - 1] === out[a]) from--;
    to = blockEnd(out, a);
  }
  const moved = out.splice(from, to - from);
  out.splice(rng.below(out.length + 1), 0, ...moved);
  return out;
}

/** A small deterministic generator for the local search (never `Math.random`). */
class SplitMix32 {
  constructor(private state: number) {}

  below(n: number): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z % n;
  }
}

/**
 * The k-th schedule phase 2 restarts from: PCT at depths 2-8 with guesses of the run length from
 * 4 to 256, and every eighth one uniformly random, each on its own schedule stream (salt).
 */
function restartSchedule(k: number): Schedule {
  if (k % 8 === 0) return { kind: 'random', salt: 1_000 + k };
  const depth = 2 + (k % 7);
  const kHint = 4 * 2 ** (Math.floor(k / 7) % 7);
  return { kind: 'pct', depth, kHint, salt: 1_000 + k };
}
