/**
 * The schedule part of a run, as a fast-check arbitrary that shrinks toward fewer preemptions.
 *
 * A search generates schedules of kind `random` or `pct` (cheap: a seed, drawn inside the run)
 * and, when a run fails, the run stores the choices it actually took in `recorded`. Shrinking
 * then switches to kind `choices`: the first candidate is the very same interleaving written as
 * a choice list; later candidates cut the list short (after its end the kernel's fallback is
 * choice 0, "no preemption") or zero single choices (one preemption fewer). Because a choice is
 * taken modulo the number of runnable threads, every candidate is a valid schedule for any
 * parameters, so parameters and faults shrink together with the schedule.
 *
 * PCT deepens over the runs of a search (`pctPlanForRun`). Runs 0-49 draw their depth from the
 * scenario's list (1-3 by default) exactly as before deepening existed. From then on, every time
 * the run index doubles (level 1 from run 50, 2 from 150, 3 from 350, 4 from 750, 5 from 1,550,
 * ...), one more depth joins the list (4, 5, 6, ... up to `PCT_MAX_DEPTH`). The shallow depths
 * stay: dropping them cost a rare shallow bug (`sharedlock-late-sharers-join`, a priority
 * inversion PCT finds at depths 1-3 in about 1 run of 1,000) more than it gained deep ones.
 * A deepened run also draws PCT's first guess of the run length (`kHint`) from a spread of
 * scales, and one more share of the runs is scheduled uniformly at random: PCT with a change
 * point at every decision, its unbounded depth. The plan of run i is a function of i alone, never
 * of what earlier runs found, so any number of workers or shards runs the same runs.
 *
 * Why these. Measured on three-job lock cycles of about 10 decisions (test/support/lock-cycles.ts):
 * PCT with the fixed guess k = 64 finds a deadlock that needs three preemptions in about 1 run of
 * 3,000-10,000 at depths 4-8, because most change points fall after the run has ended; guesses of
 * 8-16 find it in 1 of 25-250 at depths 4-8; uniform random scheduling in 1 of 16. Put twelve
 * steps of one job in front (the bench's rare variants), and random scheduling finds nothing in
 * 7,000 runs while PCT still does in about 1 of 2,000: on long runs with few preemptions needed,
 * PCT wins, which is why both are in the portfolio and PCT keeps most of the runs.
 */
import fc from 'fast-check';
import type { StrategySpec } from '../sim/simulation.js';

export interface Schedule {
  readonly kind: 'random' | 'pct' | 'choices' | 'follow' | 'round-robin' | 'fifo';
  /** PCT depth (kind `pct`). */
  readonly depth?: number;
  /** PCT's first guess of the number of decisions (kind `pct`; the kernel's default when absent). */
  readonly kHint?: number;
  /** Another schedule stream under the same kernel seed (kinds `random`, `pct`). */
  readonly salt?: number;
  /** The supplied list (kind `choices`). */
  readonly choices?: readonly number[];
  /** Thread ids to follow, one per decision (kind `follow`, used while shrinking). */
  readonly threads?: readonly number[];
  /**
   * Choices taken by the last failing run with this schedule; written by the explorer, read by
   * the shrinker. Not part of the schedule's identity.
   */
  recorded?: readonly number[];
}

export function scheduleToStrategy(s: Schedule): StrategySpec {
  switch (s.kind) {
    case 'pct':
      return { kind: 'pct', depth: s.depth ?? 2, salt: s.salt, ...(s.kHint !== undefined ? { kHint: s.kHint } : {}) };
    case 'random':
      return { kind: 'random', salt: s.salt };
    case 'choices':
      return { kind: 'choices', choices: s.choices ?? [] };
    case 'follow':
      return { kind: 'follow', threads: s.threads ?? [] };
    default:
      return { kind: s.kind };
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Number of non-zero choices: an upper bound on the preemptions a choice list asks for. */
export function nonZeroChoices(list: readonly number[]): number {
  let n = 0;
  for (const c of list) if (c !== 0) n++;
  return n;
}

/**
 * Candidate choice lists, most aggressive first. Each is strictly smaller than `list` without
 * its trailing zeros (fewer non-zero choices, or the same with a smaller one), so shrinking
 * terminates: a run records `c mod n` for every listed choice and 0 after the list, never more.
 */
export function* shrinkChoices(list: readonly number[]): Generator<number[]> {
  let end = list.length;
  while (end > 0 && list[end - 1] === 0) end--;
  const trimmed = list.slice(0, end);
  // Prefixes cut whole tails of preemptions at once (the fallback after them is choice 0).
  for (let keep = 0; keep < end; keep = keep === 0 ? 1 : keep * 2) {
    if (nonZeroChoices(trimmed.slice(keep)) > 0) yield trimmed.slice(0, keep);
  }
  // One preemption fewer, latest first (late preemptions are most often incidental).
  for (let i = end - 1; i >= 0; i--) {
    if (trimmed[i] !== 0) {
      const c = trimmed.slice();
      c[i] = 0;
      yield c;
    }
  }
  // Prefer lower-numbered alternatives: the longest-waiting thread rather than a later one.
  for (let i = end - 1; i >= 0; i--) {
    const v = trimmed[i] ?? 0;
    if (v > 1) {
      const c = trimmed.slice();
      c[i] = v - 1;
      yield c;
    }
  }
}

/** PCT depths when the scenario names none. */
export const PCT_BASE_DEPTHS: readonly number[] = [1, 2, 3];
/** Runs before the first deepening; each later level starts when the run index doubles. */
export const PCT_DEEPENING_RUNS = 50;
/** Deepest PCT depth a search reaches (9 change points). */
export const PCT_MAX_DEPTH = 10;
/** First guesses of the run length a deepened PCT run draws from (see the module header). */
export const PCT_K_HINTS: readonly number[] = [4, 8, 16, 32, 64, 128, 256];

/** What a `pct` search draws a run's schedule from. */
export interface PctPlan {
  readonly depths: readonly number[];
  /** First guesses of the run length; absent: the kernel's default, with no draw. */
  readonly kHints?: readonly number[];
  /** One more share of the runs, as large as each depth's, is scheduled uniformly at random. */
  readonly unbounded?: boolean;
}

/** The deepening level of run `run`: 0 before run 50, then one more each time the index doubles. */
export function deepeningLevel(run: number): number {
  let level = 0;
  while (run >= PCT_DEEPENING_RUNS * (2 ** (level + 1) - 1)) level++;
  return level;
}

/** The PCT plan of run `run` of a search, for a scenario's base depths (1-3 by default). */
export function pctPlanForRun(base: readonly number[] | undefined, run: number): PctPlan {
  const listed = base && base.length > 0 ? [...base] : [...PCT_BASE_DEPTHS];
  const level = deepeningLevel(run);
  if (level === 0) return { depths: listed };
  const deepest = Math.max(...listed);
  for (let d = deepest + 1; d <= Math.min(PCT_MAX_DEPTH, deepest + level); d++) listed.push(d);
  return { depths: listed, kHints: PCT_K_HINTS, unbounded: true };
}

export interface ScheduleArbitraryOptions extends Partial<PctPlan> {
  /** `choices` generates the empty list (no preemption): a start for exhaustive exploration. */
  readonly kind: 'random' | 'pct' | 'choices';
}

class ScheduleArbitrary extends fc.Arbitrary<Schedule> {
  constructor(private readonly opts: ScheduleArbitraryOptions) {
    super();
  }

  generate(mrng: fc.Random): fc.Value<Schedule> {
    if (this.opts.kind === 'random') return new fc.Value<Schedule>({ kind: 'random' }, undefined);
    if (this.opts.kind === 'choices') return new fc.Value<Schedule>({ kind: 'choices', choices: [] }, undefined);
    const depths = this.opts.depths ?? PCT_BASE_DEPTHS;
    const slots = depths.length + (this.opts.unbounded ? 1 : 0);
    const slot = mrng.nextInt(0, slots - 1);
    if (slot >= depths.length) return new fc.Value<Schedule>({ kind: 'random' }, undefined);
    const depth = depths[slot] ?? 2;
    // No draw without a choice, so the runs before the first deepening generate what they did
    // before deepening existed.
    const kHints = this.opts.kHints ?? [];
    if (kHints.length === 0) return new fc.Value<Schedule>({ kind: 'pct', depth }, undefined);
    const kHint = kHints.length === 1 ? kHints[0] : kHints[mrng.nextInt(0, kHints.length - 1)];
    return new fc.Value<Schedule>({ kind: 'pct', depth, kHint }, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is Schedule {
    return typeof value === 'object' && value !== null && 'kind' in value;
  }

  shrink(value: Schedule): fc.Stream<fc.Value<Schedule>> {
    const recorded = value.recorded;
    if (!recorded) return fc.Stream.nil();
    const asChoices = (l: readonly number[]) => new fc.Value<Schedule>({ kind: 'choices', choices: l }, undefined);
    function* candidates(): Generator<fc.Value<Schedule>> {
      // First the very interleaving that failed, written as a list: it fails again for sure.
      // (A generated choice list, as exhaustive exploration starts from, is not the list that failed.)
      const same = value.kind === 'choices' && sameList(value.choices ?? [], recorded as readonly number[]);
      if (!same) yield asChoices(recorded as readonly number[]);
      for (const l of shrinkChoices(recorded as readonly number[])) yield asChoices(l);
    }
    return new fc.Stream(candidates());
  }
}

/** Schedules of the given kind that shrink into choice lists with fewer preemptions. */
export function scheduleArbitrary(opts: ScheduleArbitraryOptions): fc.Arbitrary<Schedule> {
  return new ScheduleArbitrary(opts);
}
