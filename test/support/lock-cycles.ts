/**
 * Lock-order workloads of known depth: the ABBA workload of issue 15 and lock cycles whose
 * deadlock needs exactly 1 to 4 preemptions. A workload is data, run by two interpreters: a
 * minimal lock written over the kernel's conditions, and the real `LockManager` (BGL shared, one
 * `LockSet` call per level) as a scenario uses it. The comparison bench
 * (`scripts/bench/vs-fc-scheduler.ts`) also runs them under fast-check's `fc.scheduler()`.
 *
 * Why probes. A plain lock cycle needs one preemption however many jobs it has: preempt one job
 * right after its first lock, and the others, run in reverse cycle order, each take their first
 * lock and block on their second (a thread that blocks hands over without a preemption). A job
 * that first takes and releases (probes) the first lock of its cycle successor must do so before
 * the successor takes it, which rules reverse orders out: with p probing jobs the cheapest
 * deadlock of a three-job cycle needs p preemptions (p = 1..3), and a four-job cycle where every
 * job probes needs four. These depths are measured by bounded exhaustive search without
 * reduction (the ground truth) and checked by `test/unit/explore/deep-bugs.test.ts`.
 *
 * The real lock manager takes named locks of a level in sorted order, in one call per level, and
 * levels in order, so a lock cycle needs the `lockset-unsorted-all` mutant: a whole-set acquire
 * that takes the members in insertion order. Such an acquire takes every member, so the job that
 * closes a three-job cycle also takes the third node, which makes a two-job cycle with its
 * predecessor: with the real lock manager these cycles are one preemption deep whatever the
 * probes (measured), and only the minimal lock keeps their depth.
 */
import fc from 'fast-check';
import type { BuildInput, Scenario, ScenarioInstance } from '../../scenarios/scenario.js';
import type { WaitForEdge } from '../../src/check/wait-for.js';
import {
  ALL_SET,
  BGL,
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  type Level,
  LockManager,
} from '../../src/locking/index.js';
import type { MutantName } from '../../src/mutants/registry.js';
import type { FaultPlan } from '../../src/sim/faults.js';
import type { Condition, Proc } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';

export interface Acquisition {
  readonly level: 'instance' | 'node';
  readonly names: readonly string[];
  /**
   * Sorted: the names are taken in sorted order, as a `LockSet` takes named members. Unsorted:
   * in the order given; the real lock manager can only do that as a whole-set acquire with the
   * `lockset-unsorted-all` mutant, which takes every member of the level in insertion order (the
   * workload lists its members so that the given names come first).
   */
  readonly sorted: boolean;
  readonly shared: boolean;
}

export interface WorkloadJob {
  readonly name: string;
  /** Work steps (scheduling points) before anything else. */
  readonly extraSteps: number;
  /** Node locks each taken and released at once, in this order, before the job's acquisitions. */
  readonly probes: readonly string[];
  readonly acquisitions: readonly Acquisition[];
  /** Work steps while holding everything (the "one work step each"). */
  readonly workSteps: number;
}

export interface LockWorkload {
  readonly id: string;
  readonly description: string;
  /** Node locks in insertion order (the order an unsorted "all" acquire takes them in). */
  readonly nodes: readonly string[];
  readonly instances: readonly string[];
  /** `['lockset-unsorted-all']` for the buggy variants: "all" acquires keep insertion order. */
  readonly mutants: readonly MutantName[];
  readonly jobs: readonly WorkloadJob[];
  /**
   * Fewest preemptions a deadlock needs with the minimal lock (and fast-check's workload); 0 for
   * a workload that never deadlocks. The real lock manager may need fewer (see the header).
   */
  readonly depth: number;
}

/** The order in which the minimal lock (and fast-check's workload) takes an acquisition's locks. */
export function lockOrder(a: Acquisition): readonly string[] {
  return a.sorted ? [...a.names].sort() : a.names;
}

const job = (
  name: string,
  acquisitions: readonly Acquisition[],
  opts: { probes?: readonly string[]; extraSteps?: number } = {},
): WorkloadJob => ({ name, extraSteps: opts.extraSteps ?? 0, probes: opts.probes ?? [], acquisitions, workSteps: 1 });
const nodes = (names: readonly string[], sorted = true): Acquisition => ({
  level: 'node',
  names,
  sorted,
  shared: false,
});

/**
 * Issue 15's ABBA workload: J1 takes node1 then node2; J2 takes node2 then node1 (buggy: an
 * unsorted "all" acquire) or node1 then node2 (correct); J3 takes inst1, then node1 shared.
 */
export function abba(buggy: boolean): LockWorkload {
  return {
    id: buggy ? 'abba-buggy' : 'abba-correct',
    description: buggy
      ? 'J1 takes node1 then node2, J2 node2 then node1, J3 inst1 then node1 shared'
      : 'J1 and J2 take node1 then node2, J3 inst1 then node1 shared',
    nodes: ['node2', 'node1'],
    instances: ['inst1'],
    mutants: buggy ? ['lockset-unsorted-all'] : [],
    jobs: [
      job('J1', [nodes(['node1', 'node2'])]),
      job('J2', [nodes(['node2', 'node1'], !buggy)]),
      job('J3', [
        { level: 'instance', names: ['inst1'], sorted: true, shared: false },
        { level: 'node', names: ['node1'], sorted: true, shared: true },
      ]),
    ],
    depth: buggy ? 1 : 0,
  };
}

/**
 * A lock cycle over `jobs` jobs (3 or 4): job k takes node k then node k+1, and the last job
 * takes its own node, then node1 (an unsorted acquire). `probes` jobs (the last one, then job 1,
 * 2, ...) first take and release the first lock of their cycle successor. `extraSteps` are work
 * steps before anything else, per job or for every job.
 */
export function lockCycle(opts: {
  jobs: number;
  probes: number;
  extraSteps: number | readonly number[];
  depth: number;
  /** Work steps while holding both locks (default 1). */
  workSteps?: number;
}): LockWorkload {
  const n = opts.jobs;
  const node = (k: number) => `node${((k - 1 + n) % n) + 1}`;
  const jobs: WorkloadJob[] = [];
  for (let k = 1; k <= n; k++) {
    const probing = (k === n && opts.probes >= 1) || k <= opts.probes - 1;
    const acquisitions = [nodes([node(k), node(k + 1)], k < n)];
    const extraSteps = typeof opts.extraSteps === 'number' ? opts.extraSteps : (opts.extraSteps[k - 1] ?? 0);
    const probes = probing ? [node(k + 1)] : [];
    jobs.push({ ...job(`J${k}`, acquisitions, { probes, extraSteps }), workSteps: opts.workSteps ?? 1 });
  }
  const extras = [opts.extraSteps].flat();
  return {
    id: `cycle${n}-probes${opts.probes}-extra${extras.join('.')}${opts.workSteps === 0 ? '-nowork' : ''}`,
    description:
      `${n}-job lock cycle (job k takes node k then node k+1, the last one node${n} then node1), ` +
      `${opts.probes} jobs first take and release their successor's first lock` +
      (extras.some((e) => e > 0) ? `, extra work steps ${extras.join('/')}` : ''),
    // Insertion order for the real lock manager's unsorted whole-set acquire: node`n` first.
    nodes: [node(n), ...Array.from({ length: n - 1 }, (_, k) => node(k + 1))],
    instances: [],
    mutants: ['lockset-unsorted-all'],
    jobs,
    depth: opts.depth,
  };
}

/**
 * Three-job cycles needing 1, 2 and 3 preemptions, and a four-job cycle needing 4 (without its
 * work step, which keeps the proof that three preemptions never deadlock it at 16,000 executions).
 */
export const cycleOfDepth = (depth: 1 | 2 | 3 | 4, extraSteps: number | readonly number[] = 0): LockWorkload =>
  depth === 4
    ? lockCycle({ jobs: 4, probes: 4, extraSteps, depth, workSteps: 0 })
    : lockCycle({ jobs: 3, probes: depth, extraSteps, depth });

/**
 * Work steps in front of J1 in the bench's rare variants. J1's probe must come before J2 (which
 * has none) takes that lock: a random schedule rarely runs twelve steps of one job before one of
 * another (0 deadlocks in 7,000 uniformly random runs), while PCT does it whenever J1 has the
 * highest priority.
 */
export const RARE_EXTRA_STEPS: readonly number[] = [12, 0, 0];
/** The bench's first rare variant: a three-job cycle behind extra steps, two preemptions deep. */
export const rareTwo = (): LockWorkload => cycleOfDepth(2, RARE_EXTRA_STEPS);
/** The same with one more take-and-release probe: three preemptions deep. */
export const rareThree = (): LockWorkload => cycleOfDepth(3, RARE_EXTRA_STEPS);

// ---------------------------------------------------------------------------------------------
// The minimal lock: a readers-writer lock over one kernel condition.

class MiniLock {
  private readonly holders = new Set<string>();
  private exclusive = false;
  private readonly freed: Condition;

  constructor(
    private readonly world: SimWorld,
    readonly name: string,
  ) {
    // The condition carries the lock's name, so that every event of an acquire (the take, or the
    // wait when the lock is busy) names the lock and exhaustive search's reduction sees the conflict.
    this.freed = world.condition(name);
  }

  private free(shared: boolean): boolean {
    return this.holders.size === 0 || (shared && !this.exclusive);
  }

  /** Holders of the lock (for the wait-for graph). */
  owners(): readonly string[] {
    return [...this.holders];
  }

  *acquire(who: string, shared: boolean): Proc<void> {
    // An acquire is a scheduling point, as in any real lock: the caller may be preempted here.
    yield* this.world.yieldNow();
    while (!this.free(shared)) yield* this.freed.wait();
    this.holders.add(who);
    this.exclusive = !shared;
    this.world.emit('mini.take', this.name, who, shared ? 'shared' : 'exclusive');
  }

  release(who: string): void {
    this.holders.delete(who);
    if (this.holders.size === 0) this.exclusive = false;
    this.world.emit('mini.release', this.name, who);
    this.freed.notifyAll();
  }
}

function buildWithMiniLocks(world: SimWorld, w: LockWorkload): ScenarioInstance {
  const locks = new Map<string, MiniLock>();
  for (const n of [...w.instances, ...w.nodes]) locks.set(n, new MiniLock(world, n));
  const lock = (n: string) => locks.get(n) as MiniLock;
  for (const j of w.jobs) {
    world.spawn(j.name, function* () {
      for (let s = 0; s < j.extraSteps; s++) yield* world.yieldNow();
      for (const p of j.probes) {
        yield* lock(p).acquire(j.name, false);
        lock(p).release(j.name);
      }
      const held: string[] = [];
      for (const a of j.acquisitions) {
        for (const n of lockOrder(a)) {
          yield* lock(n).acquire(j.name, a.shared);
          held.push(n);
        }
      }
      for (let s = 0; s < j.workSteps; s++) yield* world.yieldNow();
      for (const n of held.reverse()) lock(n).release(j.name);
    });
  }
  return {
    waitFor: () => ({
      edges: world.kernel.blockedThreads().flatMap((t): WaitForEdge[] => {
        const l = locks.get(t.waitsOn);
        if (!l) return [];
        const node = (name: string) => ({ key: name, label: name });
        return [{ waiter: node(t.name), resource: l.name, mode: 'exclusive', owners: l.owners().map(node), ahead: [] }];
      }),
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The real lock manager.

const LEVEL_OF: Record<Acquisition['level'], Level> = { instance: LEVEL_INSTANCE, node: LEVEL_NODE };

function* runJobWithLockManager(world: SimWorld, lm: LockManager, j: WorkloadJob): Proc<void> {
  for (let s = 0; s < j.extraSteps; s++) yield* world.yieldNow();
  yield* lm.acquire(LEVEL_CLUSTER, [BGL], { shared: true });
  try {
    for (const p of j.probes) {
      yield* lm.acquire(LEVEL_NODE, [p]);
      lm.release(LEVEL_NODE);
    }
    for (const a of j.acquisitions) {
      yield* lm.acquire(LEVEL_OF[a.level], a.sorted ? a.names : ALL_SET, { shared: a.shared });
    }
    for (let s = 0; s < j.workSteps; s++) yield* world.yieldNow();
  } finally {
    for (const level of [LEVEL_NODE, LEVEL_INSTANCE, LEVEL_CLUSTER] as const) if (lm.isOwned(level)) lm.release(level);
  }
}

function buildWithLockManager(world: SimWorld, w: LockWorkload, input: BuildInput<unknown>): ScenarioInstance {
  const lm = LockManager.create(
    world,
    { nodes: w.nodes, nodeGroups: [], instances: w.instances, networks: [] },
    { mutants: input.mutants },
  );
  for (const j of w.jobs) world.spawn(j.name, () => runJobWithLockManager(world, lm, j));
  return { waitFor: () => lm.monitor.waitForGraph(), lockMonitor: () => lm.monitor.render() };
}

export type LockKind = 'mini' | 'lock-manager';

/**
 * The workload as a scenario without parameters or faults: every run is the same world, so a
 * search varies only the schedule. With the real lock manager the search must switch the
 * workload's mutants on (`MutantSet`); the minimal lock follows the workload's own order.
 */
export function lockWorkloadScenario(w: LockWorkload, kind: LockKind): Scenario<null> {
  return {
    id: `${w.id}-${kind}`,
    title: `${w.id} (${kind === 'mini' ? 'minimal lock' : 'LockManager'})`,
    description: w.description,
    seeds: [],
    mutants: [],
    features: [],
    budget: { maxSteps: 10_000, maxTimeUs: 1_000_000 },
    source: import.meta.url,
    params: () => fc.constant(null),
    faults: () => fc.constant<FaultPlan>({}),
    size: () => ({ jobs: w.jobs.length, faults: 0 }),
    build: (world, input) => (kind === 'mini' ? buildWithMiniLocks(world, w) : buildWithLockManager(world, w, input)),
  };
}

/** Every workload of this module, for the minimal lock and the real lock manager. */
export const workloads: readonly LockWorkload[] = [
  abba(true),
  abba(false),
  cycleOfDepth(1),
  cycleOfDepth(2),
  cycleOfDepth(3),
  cycleOfDepth(4),
  rareTwo(),
  rareThree(),
];

/** The workloads as scenarios, so that worker threads can load them by id (`--workers`). */
export const scenarios: readonly Scenario<null>[] = workloads.flatMap((w) => [
  lockWorkloadScenario(w, 'mini'),
  lockWorkloadScenario(w, 'lock-manager'),
]);

/** The scenario of a workload, as `scenarios` lists it. */
export function scenarioOf(w: LockWorkload, kind: LockKind): Scenario<null> {
  const id = `${w.id}-${kind}`;
  const s = scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} in lock-cycles.ts`);
  return s;
}
