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
 */
import fc from 'fast-check';
import type { StrategySpec } from '../sim/simulation.js';

export interface Schedule {
  readonly kind: 'random' | 'pct' | 'choices' | 'round-robin' | 'fifo';
  /** PCT depth (kind `pct`). */
  readonly depth?: number;
  /** Another schedule stream under the same kernel seed (kinds `random`, `pct`). */
  readonly salt?: number;
  /** The supplied list (kind `choices`). */
  readonly choices?: readonly number[];
  /**
   * Choices taken by the last failing run with this schedule; written by the explorer, read by
   * the shrinker. Not part of the schedule's identity.
   */
  recorded?: readonly number[];
}

export function scheduleToStrategy(s: Schedule): StrategySpec {
  switch (s.kind) {
    case 'pct':
      return { kind: 'pct', depth: s.depth ?? 2, salt: s.salt };
    case 'random':
      return { kind: 'random', salt: s.salt };
    case 'choices':
      return { kind: 'choices', choices: s.choices ?? [] };
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

export interface ScheduleArbitraryOptions {
  /** `choices` generates the empty list (no preemption): a start for exhaustive exploration. */
  readonly kind: 'random' | 'pct' | 'choices';
  /** PCT depths to draw from (1-3 by default). */
  readonly depths?: readonly number[];
}

class ScheduleArbitrary extends fc.Arbitrary<Schedule> {
  constructor(private readonly opts: ScheduleArbitraryOptions) {
    super();
  }

  generate(mrng: fc.Random): fc.Value<Schedule> {
    if (this.opts.kind === 'random') return new fc.Value<Schedule>({ kind: 'random' }, undefined);
    if (this.opts.kind === 'choices') return new fc.Value<Schedule>({ kind: 'choices', choices: [] }, undefined);
    const depths = this.opts.depths ?? [1, 2, 3];
    const depth = depths[mrng.nextInt(0, depths.length - 1)] ?? 2;
    return new fc.Value<Schedule>({ kind: 'pct', depth }, undefined);
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
