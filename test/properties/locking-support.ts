/**
 * Oracles and random lock programs for the locking property and mutant tests.
 *
 * Oracles read the trace only (`lock.*` events), so they judge what the lock manager did, not what
 * it believes about itself.
 */
import fc from 'fast-check';
import {
  ALL_SET,
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NETWORK,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  LEVEL_NODEGROUP,
  type Level,
  LockError,
  LockManager,
  type LockManagerConfig,
  LockMonitor,
  SharedLock,
} from '../../src/locking/index.js';
import type { MutantSet } from '../../src/mutants/registry.js';
import { isEvent } from '../../src/sim/events.js';
import type { RunResult } from '../../src/sim/kernel.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation, type StrategySpec } from '../../src/sim/simulation.js';
import type { TraceRecord } from '../../src/sim/trace.js';

// ---------------------------------------------------------------------------------------------
// Oracles

/**
 * Mutual exclusion, checked at every grant: an exclusive grant needs a free lock, a shared grant no
 * exclusive holder, and a deleted lock is never granted. Returns the violations (empty when none).
 */
export function mutualExclusionViolations(records: readonly TraceRecord[]): string[] {
  const state = new Map<string, { exc: number | null; shr: Set<number>; deleted: boolean }>();
  const out: string[] = [];
  for (const r of records) {
    if (!r.kind.startsWith('lock.')) continue;
    let s = state.get(r.subject);
    if (!s) state.set(r.subject, (s = { exc: null, shr: new Set(), deleted: false }));
    const at = `step ${r.step} thread ${r.thread} ${r.kind} ${r.subject}`;
    if (isEvent(r, 'lock.create')) {
      if (s.exc !== null || s.shr.size > 0) out.push(`${at}: re-created while held`);
      state.set(r.subject, { exc: null, shr: new Set(), deleted: false });
    } else if (isEvent(r, 'lock.acquired')) {
      if (s.deleted) out.push(`${at}: granted after deletion`);
      const [mode] = r.fields;
      if (mode === 'exclusive') {
        if (s.exc !== null || s.shr.size > 0) out.push(`${at}: exclusive grant while held`);
        s.exc = r.thread;
      } else {
        if (s.exc !== null) out.push(`${at}: shared grant while held exclusively`);
        s.shr.add(r.thread);
      }
    } else if (isEvent(r, 'lock.release')) {
      if (s.exc === r.thread) s.exc = null;
      else if (!s.shr.delete(r.thread)) out.push(`${at}: release by a non-holder`);
    } else if (isEvent(r, 'lock.downgrade')) {
      if (s.exc !== r.thread) out.push(`${at}: downgrade by a non-exclusive holder`);
      s.exc = null;
      s.shr.add(r.thread);
    } else if (isEvent(r, 'lock.delete')) {
      if (s.exc !== r.thread || s.shr.size > 0) out.push(`${at}: deleted without exclusive ownership`);
      s.exc = null;
      s.deleted = true;
    }
  }
  return out;
}

/** One grant to a thread that had queued: requested priority and queue entry (batch) number. */
export interface QueuedGrant {
  readonly thread: number;
  readonly priority: number;
  readonly entry: number;
}

/** Grants of `lock` to threads that waited in its queue, in the order they were granted. */
export function queuedGrants(records: readonly TraceRecord[], lock: string): QueuedGrant[] {
  const waiting = new Map<number, { priority: number; entry: number }>();
  const grants: QueuedGrant[] = [];
  for (const r of records) {
    if (r.subject !== lock) continue;
    if (isEvent(r, 'lock.wait')) {
      const [, priority, entry] = r.fields;
      waiting.set(r.thread, { priority, entry });
    }
    if (isEvent(r, 'lock.acquired')) {
      const w = waiting.get(r.thread);
      if (w) grants.push({ thread: r.thread, ...w });
      waiting.delete(r.thread);
    }
  }
  return grants;
}

/**
 * Waiters that all queued before the holder released are served by priority (lower first), FIFO
 * within a priority, a batch of sharers at the place of its first member: the (priority, entry)
 * pairs of the grants never decrease. Returns the first inversion, or null.
 */
export function priorityInversion(grants: readonly QueuedGrant[]): string | null {
  for (let i = 1; i < grants.length; i++) {
    const a = grants[i - 1] as QueuedGrant;
    const b = grants[i] as QueuedGrant;
    if (b.priority < a.priority || (b.priority === a.priority && b.entry < a.entry)) {
      return `thread ${b.thread} (prio ${b.priority}, entry ${b.entry}) served after thread ${a.thread} (prio ${a.priority}, entry ${a.entry})`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Schedules

export const strategyArb: fc.Arbitrary<StrategySpec> = fc.oneof(
  fc.constant<StrategySpec>({ kind: 'random' }),
  fc.integer({ min: 1, max: 4 }).map((depth): StrategySpec => ({ kind: 'pct', depth })),
);

// ---------------------------------------------------------------------------------------------
// Programs that respect the lock order (through the LockManager)

export const CLUSTER: LockManagerConfig = {
  nodes: ['node1', 'node2', 'node10'],
  nodeGroups: ['g1', 'g2'],
  instances: ['inst1', 'inst2', 'inst3', 'inst4'],
  networks: ['net1', 'net2'],
};

const LEVEL_MEMBERS: Record<Level, readonly string[]> = {
  [LEVEL_CLUSTER]: ['BGL'],
  [LEVEL_INSTANCE]: [...CLUSTER.instances, 'inst9'],
  [LEVEL_NODE_ALLOC]: ['NAL'],
  [LEVEL_NODEGROUP]: CLUSTER.nodeGroups,
  [LEVEL_NODE]: CLUSTER.nodes,
  [LEVEL_NODE_RES]: CLUSTER.nodes,
  [LEVEL_NETWORK]: CLUSTER.networks,
};

export interface LevelStep {
  readonly level: Level;
  /** `null`: ALL_SET. */
  readonly names: readonly string[] | null;
  readonly shared: boolean;
  readonly opportunistic: boolean;
  readonly timeoutUs: number | null;
  readonly priority: number;
  /** Virtual microseconds to hold before the next step (0: a plain yield). */
  readonly holdUs: number;
  readonly downgrade: boolean;
  /** Release part of the level right after acquiring it. */
  readonly releaseSome: boolean;
}

export interface OrderedThread {
  readonly bglShared: boolean;
  readonly steps: readonly LevelStep[];
  /** Permutation seed for the release order of the levels (the BGL always last). */
  readonly releaseOrder: number;
  /** This thread adds `inst9`, locks it, and removes it again. */
  readonly addsAndRemoves: boolean;
}

const stepArb = (level: Level): fc.Arbitrary<LevelStep> =>
  fc
    .record({
      all: fc.boolean(),
      names: fc.subarray([...LEVEL_MEMBERS[level]], { minLength: 1 }),
      shared: fc.boolean(),
      opportunistic: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      timed: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      timeoutUs: fc.integer({ min: 0, max: 3000 }),
      priority: fc.integer({ min: -3, max: 3 }),
      holdUs: fc.integer({ min: 0, max: 4 }).map((n) => n * 500),
      downgrade: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      releaseSome: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    })
    .map((r) => ({
      level,
      names: r.all && level !== LEVEL_CLUSTER ? null : r.names,
      shared: r.shared,
      opportunistic: r.opportunistic,
      // Named opportunistic acquires take no timeout (Ganeti asserts it).
      timeoutUs: r.timed && !(r.opportunistic && !r.all) ? r.timeoutUs : null,
      priority: r.priority,
      holdUs: r.holdUs,
      downgrade: r.downgrade,
      releaseSome: r.releaseSome,
    }));

const UPPER_LEVELS: readonly Level[] = [
  LEVEL_INSTANCE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODEGROUP,
  LEVEL_NODE,
  LEVEL_NODE_RES,
  LEVEL_NETWORK,
];

export const orderedThreadArb: fc.Arbitrary<OrderedThread> = fc
  .record({
    bglShared: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
    levels: fc.subarray([...UPPER_LEVELS], { minLength: 1, maxLength: 5 }),
    releaseOrder: fc.nat(),
    addsAndRemoves: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
  })
  .chain((t) =>
    fc.tuple(...t.levels.map(stepArb)).map((steps) => ({
      bglShared: t.bglShared,
      steps,
      releaseOrder: t.releaseOrder,
      addsAndRemoves: t.addsAndRemoves,
    })),
  );

export const orderedProgramArb = fc.array(orderedThreadArb, { minLength: 2, maxLength: 6 });

function* runOrderedThread(
  gl: LockManager,
  t: OrderedThread,
  yieldNow: () => Proc<void>,
  sleep: (us: number) => Proc<void>,
): Proc<void> {
  yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: t.bglShared });
  const held: Level[] = [];
  try {
    if (t.addsAndRemoves) {
      // Add a lock, take it, remove it (while holding it: remove does not block).
      try {
        yield* gl.add(LEVEL_INSTANCE, ['inst9'], { acquired: true });
        yield* yieldNow();
        yield* gl.remove(LEVEL_INSTANCE, ['inst9']);
        if (gl.isOwned(LEVEL_INSTANCE)) gl.release(LEVEL_INSTANCE);
      } catch (e) {
        if (!(e instanceof LockError)) throw e; // duplicate add by a concurrent adder
      }
    }
    for (const s of t.steps) {
      let got: Set<string> | null;
      try {
        got = yield* gl.acquire(s.level, s.names ?? ALL_SET, {
          shared: s.shared,
          timeoutUs: s.timeoutUs,
          priority: s.priority,
          opportunistic: s.opportunistic,
        });
      } catch (e) {
        if (!(e instanceof LockError)) throw e; // a named lock was removed under us
        continue;
      }
      if (got === null || !gl.isOwned(s.level)) continue;
      held.push(s.level);
      for (const n of got) {
        if (!gl.checkOwned(s.level, n, s.shared ? 'shared' : 'exclusive')) throw new Error(`not owning ${n}`);
      }
      if (s.downgrade) gl.downgrade(s.level);
      if (s.releaseSome && got.size > 1) gl.release(s.level, [...got].slice(0, 1));
      if (s.holdUs > 0) yield* sleep(s.holdUs);
      else yield* yieldNow();
    }
  } finally {
    // Release the upper levels in a scrambled order, the BGL last.
    const order = [...held];
    let seed = t.releaseOrder;
    for (let i = order.length - 1; i > 0; i--) {
      const j = seed % (i + 1);
      seed = Math.floor(seed / (i + 1)) + 7;
      [order[i], order[j]] = [order[j] as Level, order[i] as Level];
    }
    for (const level of order) if (gl.isOwned(level)) gl.release(level);
    if (gl.isOwned(LEVEL_CLUSTER)) gl.release(LEVEL_CLUSTER);
  }
}

export function runOrderedProgram(
  program: readonly OrderedThread[],
  seed: number,
  strategy: StrategySpec,
  mutants?: MutantSet,
): { result: RunResult; gl: LockManager } {
  const sim = Simulation.create({ seed, strategy, budget: { maxSteps: 200_000 } });
  const gl = LockManager.create(sim, CLUSTER, { mutants });
  program.forEach((t, i) => {
    sim.spawn(`job${i}`, () =>
      runOrderedThread(
        gl,
        t,
        () => sim.yieldNow(),
        (us) => sim.sleep(us),
      ),
    );
  });
  return { result: sim.run(), gl };
}

// ---------------------------------------------------------------------------------------------
// Programs that may break the order (raw SharedLocks taken one at a time)

export interface UnorderedThread {
  /** Locks (indices) in the order this thread takes them. */
  readonly order: readonly number[];
  readonly shared: readonly boolean[];
}

export const unorderedProgramArb = fc.integer({ min: 2, max: 4 }).chain((locks) =>
  fc
    .array(
      fc
        .shuffledSubarray(
          Array.from({ length: locks }, (_, i) => i),
          { minLength: 1 },
        )
        .chain((order) =>
          fc
            .array(
              fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
              { minLength: order.length, maxLength: order.length },
            )
            .map((shared) => ({ order, shared })),
        ),
      { minLength: 2, maxLength: 4 },
    )
    .map((threads) => ({ locks, threads })),
);

export function runUnorderedProgram(
  program: { locks: number; threads: readonly UnorderedThread[] },
  seed: number,
  strategy: StrategySpec,
): { result: RunResult; monitor: LockMonitor; locks: SharedLock[] } {
  const sim = Simulation.create({ seed, strategy, budget: { maxSteps: 100_000 } });
  const monitor = new LockMonitor();
  const locks = Array.from({ length: program.locks }, (_, i) => new SharedLock(sim, `lock/${i}`, { monitor }));
  program.threads.forEach((t, i) => {
    sim.spawn(`t${i}`, function* () {
      for (const [k, li] of t.order.entries()) {
        yield* (locks[li] as SharedLock).acquire({ shared: t.shared[k] ?? false });
        yield* sim.yieldNow();
      }
      for (const li of [...t.order].reverse()) (locks[li] as SharedLock).release();
    });
  });
  return { result: sim.run(), monitor, locks };
}
