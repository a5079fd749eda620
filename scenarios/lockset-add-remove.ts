/**
 * Lock-set add/remove while whole-set acquirers run (Ganeti `locking`, seed 002).
 *
 * Jobs (simulated threads standing for logical units) take the BGL shared, then at most one
 * acquisition per level in level order (instance, then node): named members, or the whole set
 * (`ALL_SET`), shared or exclusive, with a priority and sometimes a timeout; they hold what
 * they got for a while and release in reverse order. Meanwhile adders put new instance locks
 * into the set and removers delete them.
 *
 * Named requests are drawn as callers write them, not as the lock set wants them: names in any
 * order, repeated, overlapping other jobs' requests, a lone name given as a string, and now and
 * then a name that is not in the set (never was, or was removed meanwhile). Ganeti's `LockSet`
 * de-duplicates and sorts the names and refuses an unknown one with a `LockError`, which fails
 * the logical unit (here: the job gives up this round).
 *
 * An adder sometimes asks to add while it still holds an instance lock of its own. Ganeti's
 * `LockSet.add` refuses that (an assertion: adding needs the set lock, which a partial owner
 * must not wait for); the adder then releases and adds the safe way. With the historical bug
 * switched back on (`lockset-add-partial`) the add goes ahead and can deadlock against a
 * whole-set acquirer.
 *
 * Instance locks are created in a generated, usually unsorted, order, which is what makes
 * `lockset-unsorted-all` deadlock against a named acquirer. Arrival times and hold times lie on
 * a coarse grid so that releases and arrivals coincide and the batching and priority rules are
 * exercised (`sharedlock-late-sharers-join`, `lock-wait-ignores-priority`).
 */
import fc from 'fast-check';
import { isLockUsageError } from '../src/locking/errors.js';
import {
  ALL_SET,
  BGL,
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  type Level,
  LockError,
  LockManager,
} from '../src/locking/index.js';
import type { Proc } from '../src/sim/ports.js';
import type { SimWorld } from '../src/sim/world.js';
import { FaultSpace } from './fault-space.js';
import { listOf } from './list-arbitrary.js';
import type { BuildInput, Scenario, ScenarioInstance } from './scenario.js';

export interface LockStep {
  readonly level: 'instance' | 'node';
  /**
   * Indices into the level's current members (an index past the last one names a lock that is
   * not there), or `all`. Order and repeats are kept: the lock set must cope.
   */
  readonly names: 'all' | readonly number[];
  /** A single name is passed as a string, as Ganeti callers may. */
  readonly single?: boolean;
  readonly shared: boolean;
  readonly timeoutUs: number | null;
}

export interface LockJob {
  readonly priority: number;
  readonly startUs: number;
  readonly holdUs: number;
  readonly steps: readonly LockStep[];
  /** How many times the job runs its steps (a logical unit retried, or several opcodes). */
  readonly rounds: number;
}

export interface LockAdder {
  readonly startUs: number;
  /** Index of an existing instance to hold while asking to add, or null. */
  readonly holding: number | null;
  readonly count: number;
  /** Remove the added locks again afterwards. */
  readonly thenRemove: boolean;
}

export interface LockSetParams {
  /** Instance names in the order their locks are created. */
  readonly instances: readonly string[];
  readonly nodes: readonly string[];
  readonly jobs: readonly LockJob[];
  readonly adders: readonly LockAdder[];
}

/**
 * No faults: the lock manager is memory of one process, and a crash of that process ends every
 * lock with it (what that does to jobs is the job queue scenarios' business). The empty space
 * still gives the vocabulary replay files and scenario files are checked against.
 */
const FAULTS = new FaultSpace<unknown>([], { at: fc.constant({ step: 0 }), maxFaults: 0 });

const FEATURES = ['job:named', 'job:all', 'job:shared', 'job:timeout', 'job:priority', 'adder', 'remover'] as const;

const GRID_US = 100;
const gridTime = (max: number) => fc.integer({ min: 0, max }).map((n) => n * GRID_US);

function stepArb(on: ReadonlySet<string>, level: 'instance' | 'node', members: number): fc.Arbitrary<LockStep> {
  // A member first (what shrinking goes back to); an unknown name (index `members`) now and then,
  // rarely: a request naming one fails at once and contends for nothing.
  const name = fc.oneof(
    { withCrossShrink: true },
    { weight: 24, arbitrary: fc.nat(members - 1) },
    { weight: 1, arbitrary: fc.constant(members) },
  );
  const named = fc.array(name, { minLength: 1, maxLength: 3 });
  const names: fc.Arbitrary<'all' | readonly number[]> =
    on.has('job:all') && on.has('job:named')
      ? fc.oneof(fc.constant('all' as const), named)
      : on.has('job:all')
        ? fc.constant('all' as const)
        : named;
  return fc.record({
    level: fc.constant(level),
    names,
    single: fc.boolean(),
    shared: on.has('job:shared') ? fc.boolean() : fc.constant(false),
    timeoutUs: on.has('job:timeout')
      ? fc.option(gridTime(20), { freq: 3 }).map((t) => (t === null ? null : t + GRID_US))
      : fc.constant(null),
  });
}

function paramsArb(on: ReadonlySet<string>): fc.Arbitrary<LockSetParams> {
  return fc
    .record({
      instanceCount: fc.integer({ min: 2, max: 4 }),
      nodeCount: fc.integer({ min: 1, max: 3 }),
      order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    })
    .chain(({ instanceCount, nodeCount, order }) => {
      // Creation order: a permutation of inst1..instN given by sorting on generated keys.
      const instances = Array.from({ length: instanceCount }, (_, i) => `inst${i + 1}`)
        .map((n, i) => ({ n, k: order[i] ?? 0 }))
        .sort((a, b) => a.k - b.k || a.n.localeCompare(b.n))
        .map((x) => x.n);
      const nodes = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
      const job = fc.record({
        priority: on.has('job:priority') ? fc.constantFrom(0, 0, -1, -5, 5) : fc.constant(0),
        startUs: gridTime(4),
        holdUs: gridTime(4),
        rounds: fc.integer({ min: 1, max: 3 }),
        steps: fc
          .record({
            instance: fc.option(stepArb(on, 'instance', instanceCount), { freq: 4 }),
            node: fc.option(stepArb(on, 'node', nodeCount), { freq: 2 }),
          })
          .map(({ instance, node }) => [instance, node].filter((s): s is LockStep => s !== null)),
      });
      const adder = fc.record({
        startUs: gridTime(10),
        holding: fc.option(fc.nat(instanceCount - 1), { freq: 2 }),
        count: fc.integer({ min: 1, max: 2 }),
        thenRemove: on.has('remover') ? fc.boolean() : fc.constant(false),
      });
      return fc.record({
        instances: fc.constant(instances),
        nodes: fc.constant(nodes),
        jobs: listOf(job, { minLength: 1, maxLength: 5 }),
        adders: on.has('adder') ? listOf(adder, { maxLength: 2 }) : fc.constant([]),
      });
    });
}

const LEVEL_OF: Record<LockStep['level'], Level> = { instance: LEVEL_INSTANCE, node: LEVEL_NODE };

/** The request as the caller writes it: members by index, unknown names past them, repeats kept. */
function resolveNames(lm: LockManager, step: LockStep): typeof ALL_SET | string | string[] {
  if (step.names === 'all') return ALL_SET;
  const members = [...lm.names(LEVEL_OF[step.level])].sort();
  const names = step.names.map((i) => members[i] ?? `ghost-${step.level}${i}`);
  return step.single && names.length === 1 ? (names[0] as string) : names;
}

/** Releases every level the calling thread owns, highest level first, the BGL last. */
function releaseAll(lm: LockManager): void {
  for (const level of [LEVEL_NODE, LEVEL_INSTANCE, LEVEL_CLUSTER] as const) if (lm.isOwned(level)) lm.release(level);
}

function* runJob(world: SimWorld, lm: LockManager, job: LockJob): Proc<void> {
  yield* world.sleep(job.startUs);
  for (let round = 0; round < job.rounds; round++) yield* runRound(world, lm, job);
}

function* runRound(world: SimWorld, lm: LockManager, job: LockJob): Proc<void> {
  yield* lm.acquire(LEVEL_CLUSTER, [BGL], { shared: true, priority: job.priority });
  try {
    for (const step of job.steps) {
      const got = yield* lm.acquire(LEVEL_OF[step.level], resolveNames(lm, step), {
        shared: step.shared,
        timeoutUs: step.timeoutUs,
        priority: job.priority,
      });
      if (got === null) return; // timed out: the logical unit gives up and releases
    }
    yield* world.sleep(job.holdUs);
  } catch (e) {
    // A named instance removed meanwhile: Ganeti's LU fails with this LockError.
    if (!(e instanceof LockError)) throw e;
  } finally {
    releaseAll(lm);
  }
}

function* runAdder(world: SimWorld, lm: LockManager, a: LockAdder, index: number): Proc<void> {
  yield* world.sleep(a.startUs);
  const names = Array.from({ length: a.count }, (_, i) => `new${index + 1}-${i + 1}`);
  yield* lm.acquire(LEVEL_CLUSTER, [BGL], { shared: true });
  try {
    if (a.holding !== null) {
      const members = [...lm.names(LEVEL_INSTANCE)].sort();
      const held = members[a.holding % Math.max(1, members.length)];
      if (held !== undefined) yield* lm.acquire(LEVEL_INSTANCE, [held], {});
      try {
        yield* lm.add(LEVEL_INSTANCE, names);
      } catch (e) {
        // Ganeti refuses an add from a partial owner; release and add the safe way.
        if (!isLockUsageError(e)) throw e;
        lm.release(LEVEL_INSTANCE);
        yield* lm.add(LEVEL_INSTANCE, names);
      }
    } else {
      yield* lm.add(LEVEL_INSTANCE, names);
    }
    if (lm.isOwned(LEVEL_INSTANCE)) lm.release(LEVEL_INSTANCE);
    yield* world.sleep(GRID_US);
    if (a.thenRemove) yield* lm.remove(LEVEL_INSTANCE, names);
  } finally {
    releaseAll(lm);
  }
}

export const scenario: Scenario<LockSetParams> = {
  id: 'lockset-add-remove',
  title: 'Lock-set add/remove while whole-set acquirers run',
  description:
    'Jobs take instance and node locks (named, whole set, shared, exclusive, priorities, timeouts) in level order ' +
    'while adders and removers change the instance lock set',
  seeds: ['002'],
  mutants: [
    'lockset-unsorted-all',
    'lockset-add-partial',
    'sharedlock-late-sharers-join',
    'lock-wait-ignores-priority',
  ],
  features: FEATURES,
  budget: { maxSteps: 50_000, maxTimeUs: 60_000_000 },
  source: import.meta.url,
  params: paramsArb,
  faults: (on) => FAULTS.arbitrary(on),
  faultVocabulary: FAULTS.vocabulary,
  size: (input: BuildInput<LockSetParams>) => ({
    jobs: input.params.jobs.length + input.params.adders.length,
    faults: FAULTS.vocabulary.weight(input.faults),
  }),
  build(world, { params, faults, mutants }): ScenarioInstance {
    const lm = LockManager.create(
      world,
      { nodes: params.nodes, nodeGroups: [], instances: params.instances, networks: [] },
      { mutants },
    );
    params.jobs.forEach((job, i) => {
      world.spawn(`job${i + 1}`, () => runJob(world, lm, job));
    });
    params.adders.forEach((a, i) => {
      world.spawn(`adder${i + 1}`, () => runAdder(world, lm, a, i));
    });
    FAULTS.vocabulary.apply(world, faults, undefined);
    return {
      waitFor: () => lm.monitor.waitForGraph(),
      lockMonitor: () => lm.monitor.render(),
    };
  },
};
