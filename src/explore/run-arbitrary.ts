/**
 * The arbitrary of one run: a schedule, a kernel seed and a world (enabled features, parameters,
 * fault plan), generated like `fc.tuple(schedule, seed, world)` (the same draws in the same
 * order) but shrunk in two phases:
 *
 * 1. the world, with the schedule object kept: the explorer gives each smaller world a few fresh
 *    schedules before rejecting it, and records on the schedule object the choices that failed;
 * 2. once no smaller world fails, the schedule alone (toward fewer preemptions).
 *
 * A tuple shrinks its first component first and starts over after every accepted step, so a
 * schedule shrunk against a large world was shrunk again after every smaller world, and each
 * rejected world candidate in between cost a dozen executions. World first, schedule last, does
 * each once.
 */
import fc from 'fast-check';

export type RunValue<S, W> = [schedule: S, seed: number, world: W];

interface RunContext {
  readonly schedule: unknown;
  readonly seed: unknown;
  readonly world: unknown;
  /** The world is final: only the schedule shrinks from here on. */
  readonly scheduleOnly: boolean;
}

class RunArbitrary<S, W> extends fc.Arbitrary<RunValue<S, W>> {
  constructor(
    private readonly schedule: fc.Arbitrary<S>,
    private readonly seed: fc.Arbitrary<number>,
    private readonly world: fc.Arbitrary<W>,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<RunValue<S, W>> {
    const s = this.schedule.generate(mrng, biasFactor);
    const n = this.seed.generate(mrng, biasFactor);
    const w = this.world.generate(mrng, biasFactor);
    const ctx: RunContext = { schedule: s.context, seed: n.context, world: w.context, scheduleOnly: false };
    return new fc.Value<RunValue<S, W>>([s.value_, n.value_, w.value_], ctx);
  }

  canShrinkWithoutContext(value: unknown): value is RunValue<S, W> {
    return false;
  }

  shrink(value: RunValue<S, W>, context: unknown): fc.Stream<fc.Value<RunValue<S, W>>> {
    const ctx = context as RunContext | undefined;
    if (!ctx) return fc.Stream.nil();
    const [schedule, seed, world] = value;
    const schedules = (): fc.Stream<fc.Value<RunValue<S, W>>> =>
      this.schedule
        .shrink(schedule, ctx.schedule)
        .map(
          (s) =>
            new fc.Value<RunValue<S, W>>([s.value_, seed, world], { ...ctx, schedule: s.context, scheduleOnly: true }),
        );
    if (ctx.scheduleOnly) return schedules();
    const worlds = this.world
      .shrink(world, ctx.world)
      .map((w) => new fc.Value<RunValue<S, W>>([schedule, seed, w.value_], { ...ctx, world: w.context }));
    return worlds.join(schedules());
  }
}

/** A run of `schedule`, `seed` and `world` that shrinks the world first and the schedule last. */
export function runArbitrary<S, W>(
  schedule: fc.Arbitrary<S>,
  seed: fc.Arbitrary<number>,
  world: fc.Arbitrary<W>,
): fc.Arbitrary<RunValue<S, W>> {
  return new RunArbitrary(schedule, seed, world);
}
