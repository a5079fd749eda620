/**
 * One run of a scenario: parameters + fault plan + schedule, executed in a fresh simulated
 * world with the generic checkers and the scenario's own, turned into a finding or none.
 */
import type { CheckContext, Checker, ModelCoverage, Scenario, ScenarioInstance } from '../../scenarios/scenario.js';
import { type Finding, findingOf } from '../check/finding.js';
import { genericCheckers } from '../check/generic.js';
import type { MutantSet } from '../mutants/registry.js';
import type { FaultPlan } from '../sim/faults.js';
import type { RunResult } from '../sim/kernel.js';
import { type StrategySpec, strategyFromSpec } from '../sim/simulation.js';
import { withFairSuffix } from '../sim/strategy.js';
import type { TraceMode, TraceRecord } from '../sim/trace.js';
import { createWorld, type SimWorld } from '../sim/world.js';
import { type Schedule, scheduleToStrategy } from './schedule.js';

export interface RunInput<P = unknown> {
  readonly seed: number;
  readonly params: P;
  readonly faults: FaultPlan;
  readonly schedule: Schedule;
}

export interface RunOptions {
  readonly mutants: MutantSet;
  readonly trace: TraceMode;
  /** Replay exactly these choices (strict) instead of the input's schedule. */
  readonly replayChoices?: readonly number[];
  /** Record decision footprints (exhaustive exploration). */
  readonly footprints?: boolean;
}

export interface RunReport {
  readonly result: RunResult;
  readonly finding: Finding | null;
  /** Transition counts of every model monitored in this run. */
  readonly coverage: readonly ModelCoverage[];
  readonly instance: ScenarioInstance;
  readonly world: SimWorld;
}

export function executeRun<P>(scenario: Scenario<P>, input: RunInput<P>, opts: RunOptions): RunReport {
  const spec: StrategySpec = opts.replayChoices
    ? { kind: 'replay', choices: opts.replayChoices }
    : scheduleToStrategy(input.schedule);
  // The liveness phase is known only once the scenario is built; the strategy reads it lazily.
  let fairFromUs = Number.POSITIVE_INFINITY;
  const world = createWorld({
    seed: input.seed,
    budget: scenario.budget,
    trace: opts.trace,
    footprints: opts.footprints,
    strategy: (rng) => {
      const inner = strategyFromSpec(spec, rng);
      // A strict replay reproduces the recorded choices, which already include the fair suffix.
      return spec.kind === 'replay' ? inner : withFairSuffix(inner, () => fairFromUs);
    },
  });
  // Checkers observe from the very first event (the spawns made while building), so the
  // scenario's own checkers join the list once it is built.
  const checkers: Checker[] = genericCheckers();
  const lateViolations: Array<{ property: string; message: string; objects: readonly string[] }> = [];
  let running = true;
  // The first violation ends the run; the trace record it makes must not raise another.
  let violated = false;
  const ctx: CheckContext = {
    now: () => world.now(),
    violation: (property, message, objects = []) => {
      if (violated) return;
      violated = true;
      if (running) world.violation(property, message, objects);
      else lateViolations.push({ property, message, objects });
    },
  };
  // Events of the build (spawns, process starts) are kept for the scenario's own checkers,
  // which exist only once it is built, so they see the run from its first event too.
  let buildEvents: TraceRecord[] | null = [];
  world.kernel.trace.observe((r) => {
    buildEvents?.push(r);
    for (const c of checkers) c.onEvent?.(r, ctx);
  });
  const instance = scenario.build(world, { params: input.params, faults: input.faults, mutants: opts.mutants });
  if (instance.livenessFromUs !== undefined) {
    fairFromUs = instance.livenessFromUs;
    world.kernel.atTime(instance.livenessFromUs, () => {
      world.calm();
      instance.onLiveness?.();
    });
  }
  const own = instance.checkers ?? [];
  for (const r of buildEvents) for (const c of own) c.onEvent?.(r, ctx);
  buildEvents = null;
  checkers.push(...own);
  const result = world.run();
  running = false;
  for (const c of checkers) c.atEnd?.(result, ctx);

  let finding = findingOf(result, instance.waitFor?.());
  const late = lateViolations[0];
  if (!finding && late) {
    finding = findingOf(
      {
        ...result,
        outcome: { kind: 'violation', violation: late.property, message: late.message, objects: late.objects },
      },
      undefined,
    );
  }
  const coverage = checkers.flatMap((c) => (c.coverage ? [c.coverage()] : []));
  return { result, finding, coverage, instance, world };
}
