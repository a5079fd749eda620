/**
 * gnt-sim additions around Ganeti's lock monitor: nice sorting, the `gnt-debug locks` rendering,
 * extra providers (`job/<id>` rows of the dependency manager), and the wait-for graph with its
 * cycle finder.
 */
import { describe, expect, it } from 'vitest';
import { findWaitCycle, formatWaitCycle } from '../../../src/check/wait-for.js';
import {
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  type LockInfo,
  type LockInfoProvider,
  LockManager,
  LockMonitor,
  niceSort,
  SharedLock,
  type WaitForEdge,
} from '../../../src/locking/index.js';
import { Simulation } from '../../../src/sim/simulation.js';

describe('niceSort', () => {
  it('orders digit runs numerically and text runs as text, like utils.NiceSort', () => {
    expect(niceSort(['node10', 'node2', 'node1', 'node1a', 'node'])).toEqual([
      'node',
      'node1',
      'node1a',
      'node2',
      'node10',
    ]);
    expect(niceSort(['instance/inst10', 'cluster/BGL', 'instance/inst9', 'instance/[lockset]'])).toEqual([
      'cluster/BGL',
      'instance/[lockset]',
      'instance/inst9',
      'instance/inst10',
    ]);
    expect(niceSort(['Jq10/Job3', 'Jq2/Job30', 'Jq2/Job4'])).toEqual(['Jq2/Job4', 'Jq2/Job30', 'Jq10/Job3']);
  });
});

describe('LockMonitor.render (gnt-debug locks)', () => {
  it('prints name, mode, owner and pending, with "-" for none and pending as mode:threads', () => {
    const sim = Simulation.create({ seed: 1 });
    const gl = LockManager.create(sim, {
      nodes: ['node1', 'node2'],
      nodeGroups: [],
      instances: ['inst1'],
      networks: [],
    });
    let text = '';
    sim.spawn('Jq1/Job1/I_STARTUP', function* () {
      yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
      yield* gl.acquire(LEVEL_INSTANCE, ['inst1']);
      yield* sim.sleep(100);
      gl.release(LEVEL_INSTANCE);
      gl.release(LEVEL_CLUSTER);
    });
    for (const job of [2, 3]) {
      sim.spawn(`Jq${job}/Job${job}/I_SHUTDOWN`, function* () {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        yield* gl.acquire(LEVEL_INSTANCE, ['inst1'], { shared: true });
        gl.release(LEVEL_INSTANCE);
        gl.release(LEVEL_CLUSTER);
      });
    }
    sim.spawn('observer', function* () {
      yield* sim.sleep(10);
      text = gl.monitor.render();
    });
    expect(sim.run().outcome.kind).toBe('completed');
    expect(text.split('\n')).toEqual([
      'Name                 Mode      Owner                                                      Pending',
      'cluster/BGL          shared    Jq1/Job1/I_STARTUP,Jq2/Job2/I_SHUTDOWN,Jq3/Job3/I_SHUTDOWN -',
      'cluster/[lockset]    -         -                                                          -',
      'instance/[lockset]   -         -                                                          -',
      'instance/inst1       exclusive Jq1/Job1/I_STARTUP                                         shared:Jq2/Job2/I_SHUTDOWN,Jq3/Job3/I_SHUTDOWN',
      'network/[lockset]    -         -                                                          -',
      'node-alloc/NAL       -         -                                                          -',
      'node-alloc/[lockset] -         -                                                          -',
      'node-res/[lockset]   -         -                                                          -',
      'node-res/node1       -         -                                                          -',
      'node-res/node2       -         -                                                          -',
      'node/[lockset]       -         -                                                          -',
      'node/node1           -         -                                                          -',
      'node/node2           -         -                                                          -',
      'nodegroup/[lockset]  -         -                                                          -',
    ]);
  });
});

/** The job dependency manager's shape: `job/<id>` rows and job -> job wait edges. */
class FakeDependencies implements LockInfoProvider {
  constructor(private readonly waits: ReadonlyArray<[waiter: number, dependency: number]>) {}

  lockInfo(): readonly LockInfo[] {
    const byDep = new Map<number, string[]>();
    for (const [w, d] of this.waits) byDep.set(d, [...(byDep.get(d) ?? []), String(w)]);
    return [...byDep].map(([d, ws]) => ({
      name: `job/${d}`,
      mode: null,
      owners: null,
      pending: [{ mode: 'job', threads: ws }],
    }));
  }

  waitEdges(): readonly WaitForEdge[] {
    return this.waits.map(([w, d]) => ({
      waiter: { key: `job:${w}`, label: `job/${w}` },
      resource: `job/${d}`,
      mode: 'job',
      owners: [{ key: `job:${d}`, label: `job/${d}` }],
      ahead: [],
    }));
  }
}

describe('other providers', () => {
  it('job/<id> rows of a dependency manager are listed among the locks and their cycle is named', () => {
    const monitor = new LockMonitor();
    monitor.register(
      new FakeDependencies([
        [12, 10],
        [13, 10],
        [10, 12],
      ]),
    );
    expect(monitor.queryLocks(['name', 'pending']).data).toEqual([
      [
        [0, 'job/10'],
        [0, [['job', ['12', '13']]]],
      ],
      [
        [0, 'job/12'],
        [0, [['job', ['10']]]],
      ],
    ]);
    const cycle = findWaitCycle(monitor.waitForGraph());
    expect(cycle && formatWaitCycle(cycle)).toBe(
      'job/10 waits for job/12 (job) held by job/12; job/12 waits for job/10 (job) held by job/10',
    );
  });
});

describe('wait-for graph', () => {
  it('names a cycle that goes through a waiter queued ahead (no barging)', () => {
    // A holds x shared; B waits for x exclusively; C holds y and wants x shared, so it queues
    // behind B; A then waits for y.
    const sim = Simulation.create({ seed: 1 });
    const monitor = new LockMonitor();
    const x = new SharedLock(sim, 'x', { monitor });
    const y = new SharedLock(sim, 'y', { monitor });
    sim.spawn('A', function* () {
      yield* x.acquire({ shared: true });
      yield* sim.sleep(10);
      yield* y.acquire();
    });
    sim.spawn('B', function* () {
      yield* sim.sleep(1);
      yield* x.acquire();
    });
    sim.spawn('C', function* () {
      yield* y.acquire();
      yield* sim.sleep(2);
      yield* x.acquire({ shared: true });
    });
    const r = sim.run();
    expect(r.outcome.kind).toBe('deadlock');
    const cycle = findWaitCycle(monitor.waitForGraph());
    expect(cycle && formatWaitCycle(cycle)).toBe(
      'A waits for y (exclusive) held by C; C waits for x (shared) queued behind B; B waits for x (exclusive) held by A',
    );
  });

  it('has no edge for a waiter that was woken but has not run yet, and no cycle without one', () => {
    const sim = Simulation.create({ seed: 1 });
    const monitor = new LockMonitor();
    const x = new SharedLock(sim, 'x', { monitor });
    const seen: number[] = [];
    sim.spawn('holder', function* () {
      yield* x.acquire();
      yield* sim.sleep(10);
      seen.push(monitor.waitForGraph().edges.length);
      x.release(); // wakes the waiter, which has not run yet
      seen.push(monitor.waitForGraph().edges.length);
    });
    sim.spawn('waiter', function* () {
      yield* sim.sleep(1);
      yield* x.acquire();
      x.release();
    });
    expect(sim.run().outcome.kind).toBe('completed');
    expect(seen).toEqual([1, 0]);
    expect(findWaitCycle(monitor.waitForGraph())).toBeNull();
  });

  it('the manager refuses both ways of breaking the order: a second acquire at a level, and going down a level', () => {
    const sim = Simulation.create({ seed: 1 });
    const gl = LockManager.create(sim, { nodes: ['n1', 'n2'], nodeGroups: [], instances: [], networks: [] });
    const errors: string[] = [];
    sim.spawn('job', function* () {
      yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
      yield* gl.acquire(LEVEL_NODE, ['n2']);
      try {
        yield* gl.acquire(LEVEL_NODE, ['n1']);
      } catch (e) {
        errors.push((e as Error).name);
      }
      try {
        yield* gl.acquire(LEVEL_INSTANCE, []);
      } catch (e) {
        errors.push((e as Error).name);
      }
    });
    sim.run();
    expect(errors).toEqual(['LockUsageError', 'LockUsageError']);
  });
});
