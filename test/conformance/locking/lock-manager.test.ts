/**
 * Counterparts of Ganeti 2.10's `TestGanetiLockManager` (spec §9.1). The manager is built like in
 * Ganeti's `setUp`: nodes n1 n2, groups g1 g2, instances i1-i3, networks net1-net3.
 */
import { describe, expect, it } from 'vitest';
import {
  ALL_SET,
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NETWORK,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  LEVEL_NODEGROUP,
  LEVELS,
  type Level,
  LockError,
  LockManager,
  type LockManagerConfig,
  LockUsageError,
} from '../../../src/locking/index.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Done, expectError, repeat, type Sim, settle, simulate, thrown, thrownSync } from './harness.js';

const CONFIG: LockManagerConfig = {
  nodes: ['n1', 'n2'],
  nodeGroups: ['g1', 'g2'],
  instances: ['i1', 'i2', 'i3'],
  networks: ['net1', 'net2', 'net3'],
};

const set = (...xs: string[]) => new Set(xs);

function main(body: (sim: Sim, gl: LockManager, done: Done) => Proc<void>): (sim: Sim) => void {
  return (sim) => {
    const gl = LockManager.create(sim, CONFIG);
    const done = new Done();
    sim.spawn('main', () => body(sim, gl, done));
  };
}

function* doLock(gl: LockManager, done: Done, level: Level, names: string | string[], shared: boolean): Proc<void> {
  try {
    yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
    yield* gl.acquire(level, names, { shared });
    done.put('DONE');
    gl.release(level);
    gl.release(LEVEL_CLUSTER);
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

describe('Ganeti TestGanetiLockManager', () => {
  it('TestGanetiLockManager.testLockingConstants: LEVELS[i] === i', () => {
    LEVELS.forEach((level, i) => {
      expect(level).toBe(i);
    });
    expect(LEVELS).toEqual([
      LEVEL_CLUSTER,
      LEVEL_INSTANCE,
      LEVEL_NODE_ALLOC,
      LEVEL_NODEGROUP,
      LEVEL_NODE,
      LEVEL_NODE_RES,
      LEVEL_NETWORK,
    ]);
  });

  it('TestGanetiLockManager.testDoubleGLFails: a second manager is a usage error', () => {
    simulate((sim) => {
      LockManager.create(sim, CONFIG);
      expectError(
        thrownSync(() => LockManager.create(sim, { nodes: [], nodeGroups: [], instances: [], networks: [] })),
        LockUsageError,
        { rule: 'manager-singleton', message: 'double GanetiLockManager instance' },
      );
    });
  });

  it('TestGanetiLockManager.testLockNames: every level holds its names, including BGL and NAL', () => {
    simulate((sim) => {
      const gl = LockManager.create(sim, CONFIG);
      expect(gl.names(LEVEL_CLUSTER)).toEqual(set('BGL'));
      expect(gl.names(LEVEL_NODE_ALLOC)).toEqual(set('NAL'));
      expect(gl.names(LEVEL_NODE)).toEqual(set(...CONFIG.nodes));
      expect(gl.names(LEVEL_NODE_RES)).toEqual(set(...CONFIG.nodes));
      expect(gl.names(LEVEL_NODEGROUP)).toEqual(set(...CONFIG.nodeGroups));
      expect(gl.names(LEVEL_INSTANCE)).toEqual(set(...CONFIG.instances));
      expect(gl.names(LEVEL_NETWORK)).toEqual(set(...CONFIG.networks));
    });
  });

  it('TestGanetiLockManager.testInitAndResources: managers built from empty and partial configurations', () => {
    simulate((sim) => {
      const empty = { nodes: [], nodeGroups: [], instances: [], networks: [] };
      const cases: Array<[LockManagerConfig, Partial<Record<Level, string[]>>]> = [
        [empty, {}],
        [
          { ...empty, nodes: CONFIG.nodes, nodeGroups: CONFIG.nodeGroups },
          { [LEVEL_NODE]: [...CONFIG.nodes], [LEVEL_NODEGROUP]: [...CONFIG.nodeGroups] },
        ],
        [{ ...empty, instances: CONFIG.instances }, { [LEVEL_INSTANCE]: [...CONFIG.instances] }],
        [{ ...empty, networks: CONFIG.networks }, { [LEVEL_NETWORK]: [...CONFIG.networks] }],
      ];
      for (const [config, expected] of cases) {
        LockManager.resetSingleton(sim); // Ganeti: GanetiLockManager._instance = None
        const gl = LockManager.create(sim, config);
        expect(gl.names(LEVEL_CLUSTER)).toEqual(set('BGL'));
        expect(gl.names(LEVEL_NODE_ALLOC)).toEqual(set('NAL'));
        for (const level of [LEVEL_NODE, LEVEL_NODEGROUP, LEVEL_INSTANCE, LEVEL_NETWORK] as const) {
          expect(gl.names(level)).toEqual(set(...(expected[level] ?? [])));
        }
      }
    });
  });

  it('TestGanetiLockManager.testAcquireRelease: multi-level acquire and release; an unknown instance is a LockError', () => {
    simulate(
      main(function* (_sim, gl) {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        expect(gl.listOwned(LEVEL_CLUSTER)).toEqual(set('BGL'));
        yield* gl.acquire(LEVEL_INSTANCE, ['i1']);
        yield* gl.acquire(LEVEL_NODEGROUP, ['g2']);
        yield* gl.acquire(LEVEL_NODE, ['n1', 'n2'], { shared: true });
        expect(gl.checkOwned(LEVEL_NODE, ['n1', 'n2'], 'shared')).toBe(true);
        expect(gl.checkOwned(LEVEL_INSTANCE, ['i1', 'i3'])).toBe(false);
        gl.release(LEVEL_NODE, ['n2']);
        expect(gl.listOwned(LEVEL_NODE)).toEqual(set('n1'));
        expect(gl.listOwned(LEVEL_NODEGROUP)).toEqual(set('g2'));
        expect(gl.listOwned(LEVEL_INSTANCE)).toEqual(set('i1'));
        gl.release(LEVEL_NODE);
        expect(gl.listOwned(LEVEL_NODE)).toEqual(set());
        expect(gl.listOwned(LEVEL_NODEGROUP)).toEqual(set('g2'));
        expect(gl.listOwned(LEVEL_INSTANCE)).toEqual(set('i1'));
        gl.release(LEVEL_NODEGROUP);
        gl.release(LEVEL_INSTANCE);
        expectError(yield* thrown(() => gl.acquire(LEVEL_INSTANCE, ['i5'])), LockError, {
          message: "Lock 'i5' not found in set 'instance' (it may have been removed)",
        });
        yield* gl.acquire(LEVEL_INSTANCE, ['i3'], { shared: true });
        expect(gl.listOwned(LEVEL_INSTANCE)).toEqual(set('i3'));
      }),
    );
  });

  it('TestGanetiLockManager.testAcquireWholeSets: ALL_SET at each level returns and owns all its names', () => {
    simulate(
      main(function* (_sim, gl) {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        expect(yield* gl.acquire(LEVEL_INSTANCE, ALL_SET)).toEqual(set(...CONFIG.instances));
        expect(gl.listOwned(LEVEL_INSTANCE)).toEqual(set(...CONFIG.instances));
        expect(gl.owningAll(LEVEL_INSTANCE)).toBe(true);
        expect(yield* gl.acquire(LEVEL_NODEGROUP, ALL_SET)).toEqual(set(...CONFIG.nodeGroups));
        expect(gl.listOwned(LEVEL_NODEGROUP)).toEqual(set(...CONFIG.nodeGroups));
        expect(yield* gl.acquire(LEVEL_NODE, ALL_SET, { shared: true })).toEqual(set(...CONFIG.nodes));
        expect(gl.listOwned(LEVEL_NODE)).toEqual(set(...CONFIG.nodes));
        gl.release(LEVEL_NODE);
        gl.release(LEVEL_NODEGROUP);
        gl.release(LEVEL_INSTANCE);
        gl.release(LEVEL_CLUSTER);
      }),
    );
  });

  it('TestGanetiLockManager.testAcquireWholeAndPartial: ALL_SET at one level, named locks at the next', () => {
    simulate(
      main(function* (_sim, gl) {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        expect(yield* gl.acquire(LEVEL_INSTANCE, ALL_SET)).toEqual(set(...CONFIG.instances));
        expect(gl.listOwned(LEVEL_INSTANCE)).toEqual(set(...CONFIG.instances));
        expect(yield* gl.acquire(LEVEL_NODE, ['n2'], { shared: true })).toEqual(set('n2'));
        expect(gl.listOwned(LEVEL_NODE)).toEqual(set('n2'));
        expect(gl.owningAll(LEVEL_NODE)).toBe(false);
        gl.release(LEVEL_NODE);
        gl.release(LEVEL_INSTANCE);
        gl.release(LEVEL_CLUSTER);
      }),
    );
  });

  it('TestGanetiLockManager.testBGLDependency: other levels need the BGL; the BGL cannot be released while holding higher levels', () => {
    simulate(
      main(function* (_sim, gl) {
        const noBgl = { rule: 'bgl-not-owned', message: 'You must own the Big Ganeti Lock before acquiring any other' };
        expectError(yield* thrown(() => gl.acquire(LEVEL_NODE, ['n1', 'n2'])), LockUsageError, noBgl);
        expectError(yield* thrown(() => gl.acquire(LEVEL_INSTANCE, ['i3'])), LockUsageError, noBgl);
        expectError(yield* thrown(() => gl.acquire(LEVEL_NODEGROUP, ['g1'])), LockUsageError, noBgl);
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        yield* gl.acquire(LEVEL_NODE, ['n1']);
        const bglRelease = {
          rule: 'bgl-release',
          message: /^Cannot release the Big Ganeti Lock while holding something at upper levels \(/,
        };
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER, ['BGL'])),
          LockUsageError,
          bglRelease,
        );
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER)),
          LockUsageError,
          bglRelease,
        );
        gl.release(LEVEL_NODE);
        yield* gl.acquire(LEVEL_INSTANCE, ['i1', 'i2']);
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER, ['BGL'])),
          LockUsageError,
          bglRelease,
        );
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER)),
          LockUsageError,
          bglRelease,
        );
        gl.release(LEVEL_INSTANCE);
        yield* gl.acquire(LEVEL_NODEGROUP, ALL_SET);
        gl.release(LEVEL_NODEGROUP, ['g1']);
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER, ['BGL'])),
          LockUsageError,
          bglRelease,
        );
        expectError(
          thrownSync(() => gl.release(LEVEL_CLUSTER)),
          LockUsageError,
          bglRelease,
        );
        gl.release(LEVEL_NODEGROUP);
        gl.release(LEVEL_CLUSTER);
        expect(gl.isOwned(LEVEL_CLUSTER)).toBe(false);
      }),
    );
  });

  it('TestGanetiLockManager.testWrongOrder: acquiring at a lower level, or at the same level again, while holding a higher one is a usage error', () => {
    simulate(
      main(function* (_sim, gl) {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        yield* gl.acquire(LEVEL_NODE, ['n2']);
        expectError(yield* thrown(() => gl.acquire(LEVEL_NODE, ['n1'])), LockUsageError, {
          rule: 'lockset-double-acquire',
        });
        const order = {
          rule: 'level-order',
          message: 'Cannot acquire locks at a level while owning some at a greater one',
        };
        expectError(yield* thrown(() => gl.acquire(LEVEL_NODEGROUP, ['g1'])), LockUsageError, order);
        expectError(yield* thrown(() => gl.acquire(LEVEL_INSTANCE, ['i2'])), LockUsageError, order);
      }),
    );
  });

  it('TestGanetiLockManager.testModifiableLevels: add and remove only at LEVELS_MOD', () => {
    simulate(
      main(function* (_sim, gl) {
        expectError(yield* thrown(() => gl.add(LEVEL_CLUSTER, ['BGL2'])), LockUsageError, {
          rule: 'level-immutable',
          message: 'Invalid or immutable level 0',
        });
        expectError(yield* thrown(() => gl.add(LEVEL_NODE_ALLOC, ['NAL2'])), LockUsageError, {
          rule: 'level-immutable',
        });
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL']);
        yield* gl.add(LEVEL_INSTANCE, ['i4']);
        yield* gl.remove(LEVEL_INSTANCE, ['i3']);
        yield* gl.remove(LEVEL_INSTANCE, ['i1']);
        expect(gl.names(LEVEL_INSTANCE)).toEqual(set('i2', 'i4'));
        yield* gl.add(LEVEL_NODE, ['n3']);
        yield* gl.remove(LEVEL_NODE, ['n1']);
        expect(gl.names(LEVEL_NODE)).toEqual(set('n2', 'n3'));
        yield* gl.add(LEVEL_NODE_RES, ['n3']);
        yield* gl.remove(LEVEL_NODE_RES, ['n1']);
        expect(gl.names(LEVEL_NODE_RES)).toEqual(set('n2', 'n3'));
        yield* gl.add(LEVEL_NODEGROUP, ['g3']);
        yield* gl.remove(LEVEL_NODEGROUP, ['g2']);
        yield* gl.remove(LEVEL_NODEGROUP, ['g1']);
        expect(gl.names(LEVEL_NODEGROUP)).toEqual(set('g3'));
        yield* gl.add(LEVEL_NETWORK, ['net4']);
        yield* gl.remove(LEVEL_NETWORK, ['net1']);
        expect(gl.names(LEVEL_NETWORK)).toEqual(set('net2', 'net3', 'net4'));
        expectError(yield* thrown(() => gl.remove(LEVEL_CLUSTER, ['BGL2'])), LockUsageError, {
          rule: 'level-immutable',
        });
      }),
    );
  });

  it('TestGanetiLockManager.testConcurrency: instance locks are shared or exclusive across threads under a shared BGL (8 schedules)', () => {
    repeat(
      main(function* (sim, gl, done) {
        yield* gl.acquire(LEVEL_CLUSTER, ['BGL'], { shared: true });
        sim.spawn('a', () => doLock(gl, done, LEVEL_INSTANCE, 'i1', true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        yield* gl.acquire(LEVEL_INSTANCE, ['i3']);
        sim.spawn('b', () => doLock(gl, done, LEVEL_INSTANCE, 'i1', true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        sim.spawn('c', () => doLock(gl, done, LEVEL_INSTANCE, 'i3', true));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        gl.release(LEVEL_INSTANCE);
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        yield* gl.acquire(LEVEL_INSTANCE, ['i2'], { shared: true });
        sim.spawn('d', () => doLock(gl, done, LEVEL_INSTANCE, 'i2', true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        sim.spawn('e', () => doLock(gl, done, LEVEL_INSTANCE, 'i2', false));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        gl.release(LEVEL_INSTANCE);
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        gl.release(LEVEL_CLUSTER, ['BGL']);
      }),
    );
  });
});
