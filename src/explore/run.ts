/**
 * One run of a scenario: parameters + fault plan + schedule, executed in a fresh simulated
 * world with the generic checkers and the scenario's own, turned into a finding or none.
 */
import type { CheckContext, Checker, ModelCoverage, Scenario, ScenarioInstance } from '../../scenarios/scenario.js';
import { type Finding, findingOf } from '../check/finding.js';
import { genericCheckers } from '../check/generic.js';
import type { MutantSet } from '../mutants/registry.js';
import type { FaultPlan } from '../sim/faults.js';
import { installGuard } from '../sim/guard.js';
import type { RunResult } from '../sim/kernel.js';
import { type StrategySpec, strategyFromSpec } from '../sim/simulation.js';
import { withFairSuffix } from '../sim/strategy.js';
import type { TraceMode, TraceRecord } from '../sim/trace.js';
import { createWorld, type SimWorld } from '../sim/world.js';
import { type Schedule, scheduleToStrategy } from './schedule.js';
import { callScenario, ScenarioCodeError, type ScenarioHook, scenarioCodeError, userFrame } from './user-code.js';

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
  // Scenario code called from inside the kernel (its checkers observe trace events while a
  // simulated thread runs; `onLiveness` runs from a timer) must not look like the system's own
  // exception, nor be swallowed by the system's catch blocks: its first error is kept, the run
  // is stopped, and the error is thrown once the kernel has returned.
  let userError: ScenarioCodeError | null = null;
  const guarded = (hook: ScenarioHook, fn: () => void) => {
    if (userError) return;
    try {
      fn();
    } catch (e) {
      userError = scenarioCodeError(scenario.id, hook, e);
      world.violation('scenario-error', userError.message);
    }
  };
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
  let own: readonly Checker[] = [];
  world.kernel.trace.observe((r) => {
    buildEvents?.push(r);
    for (const c of checkers) c.onEvent?.(r, ctx);
    for (const c of own) if (c.onEvent) guarded('checker onEvent', () => c.onEvent?.(r, ctx));
  });
  const instance = buildGuarded(scenario, world, input, opts.mutants);
  if (userError) throw userError;
  checkInstance(scenario.id, instance);
  if (instance.livenessFromUs !== undefined) {
    fairFromUs = instance.livenessFromUs;
    world.kernel.atTime(instance.livenessFromUs, () => {
      world.calm();
      guarded('onLiveness', () => instance.onLiveness?.());
    });
  }
  const ownCheckers = instance.checkers ?? [];
  for (const r of buildEvents) for (const c of ownCheckers) guarded('checker onEvent', () => c.onEvent?.(r, ctx));
  buildEvents = null;
  own = ownCheckers;
  const result = world.run();
  running = false;
  if (userError) throw userError;
  for (const c of checkers) c.atEnd?.(result, ctx);
  for (const c of own) callScenario(scenario.id, 'checker atEnd', () => c.atEnd?.(result, ctx));

  const waitFor = instance.waitFor ? callScenario(scenario.id, 'waitFor', () => instance.waitFor?.()) : undefined;
  let finding = findingOf(result, waitFor);
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
  const coverage = [
    ...checkers.flatMap((c) => (c.coverage ? [c.coverage()] : [])),
    ...own.flatMap((c) => (c.coverage ? [callScenario(scenario.id, 'checker coverage', () => c.coverage?.())] : [])),
  ].filter((c): c is ModelCoverage => c !== undefined);
  return { result, finding, coverage, instance, world };
}

/** What `build` returned must be a scenario instance: checked here so a mistake is named, not a TypeError later. */
function checkInstance(scenario: string, instance: unknown): asserts instance is ScenarioInstance {
  const fail = (what: string) => {
    throw new ScenarioCodeError(scenario, 'build', `returned ${what}`, null);
  };
  if (typeof instance !== 'object' || instance === null)
    fail(`${instance === null ? 'null' : typeof instance}, not an object`);
  const i = instance as Record<string, unknown>;
  if (i.checkers !== undefined && !Array.isArray(i.checkers)) fail('checkers that are not a list');
  for (const k of ['waitFor', 'lockMonitor', 'onLiveness'] as const) {
    if (i[k] !== undefined && typeof i[k] !== 'function') fail(`a ${k} that is not a function`);
  }
  const t = i.livenessFromUs;
  if (t !== undefined && !(typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)) {
    fail('a livenessFromUs that is not a whole number of microseconds >= 0');
  }
  for (const c of (i.checkers as unknown[] | undefined) ?? []) {
    if (typeof c !== 'object' || c === null) fail('a checker that is not an object');
  }
}

/**
 * `build` under the determinism guard: a build that reads real time or randomness (or tries to
 * end the process) would make runs unrepeatable, and that is the scenario's error.
 */
function buildGuarded<P>(scenario: Scenario<P>, world: SimWorld, input: RunInput<P>, mutants: MutantSet) {
  let hit: { api: string; caller: string } | null = null;
  const restore = installGuard((api, caller) => {
    hit ??= { api, caller };
  });
  let instance: ScenarioInstance | undefined;
  let error: unknown = null;
  try {
    instance = callScenario(scenario.id, 'build', () =>
      scenario.build(world, { params: input.params, faults: input.faults, mutants }),
    );
  } catch (e) {
    error = e;
  } finally {
    restore();
  }
  // The forbidden call is the cause, whether or not the build let its error through.
  const h = hit as { api: string; caller: string } | null;
  if (h) {
    const where = userFrame(`\n    at ${h.caller}`) ?? h.caller;
    throw new ScenarioCodeError(scenario.id, 'build', `called ${h.api}, which is not deterministic`, where);
  }
  if (error !== null) throw error;
  // Whatever it returned, `checkInstance` says what is wrong with it.
  return instance as ScenarioInstance;
}
