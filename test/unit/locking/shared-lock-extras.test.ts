/**
 * gnt-sim specifics of `SharedLock` beyond Ganeti's tests: timeouts on integer virtual time, the
 * trace events checkers rely on, and the identity-checked bookkeeping of shared batches.
 */
import { describe, expect, it } from 'vitest';
import { SharedLock } from '../../../src/locking/index.js';
import { Simulation } from '../../../src/sim/simulation.js';

describe('SharedLock on virtual time', () => {
  it('a fractional timeout ends at the next whole microsecond; below 1 ms it fails at once without queueing', () => {
    const sim = Simulation.create({ seed: 1 });
    const lock = new SharedLock(sim, 'l');
    const ends: Array<[boolean, number, number]> = [];
    sim.spawn('holder', function* () {
      yield* lock.acquire();
      yield* sim.sleep(10_000);
      lock.release();
    });
    sim.spawn('waiter', function* () {
      for (const t of [1500.5, 999.5, 0]) {
        const t0 = sim.now();
        const got = yield* lock.acquire({ timeoutUs: t });
        ends.push([got, sim.now() - t0, lock.countPending()]);
      }
    });
    expect(sim.run().outcome.kind).toBe('completed');
    expect(ends).toEqual([
      [false, 1501, 0],
      [false, 0, 0],
      [false, 0, 0],
    ]);
  });

  it('emits create, acquire, wait, acquired, release, downgrade, notify, delete and error events with mode and priority', () => {
    const sim = Simulation.create({ seed: 1 });
    const lock = new SharedLock(sim, 'l');
    sim.spawn('a', function* () {
      yield* lock.acquire();
      yield* sim.sleep(10);
      lock.downgrade();
      yield* sim.sleep(10);
      lock.release();
    });
    sim.spawn('b', function* () {
      yield* sim.sleep(1);
      yield* lock.acquire({ shared: true, priority: -5 });
      yield* sim.sleep(100);
      lock.release();
    });
    sim.spawn('c', function* () {
      yield* sim.sleep(2);
      try {
        yield* lock.acquire({ priority: 3 });
      } catch {
        // deleted while waiting
      }
    });
    sim.spawn('d', function* () {
      yield* sim.sleep(50);
      yield* lock.delete({ priority: 1 });
    });
    expect(sim.run().outcome.kind).toBe('completed');
    const names = new Map([...sim.trace.threadNames].map(([id, n]) => [id, n]));
    const events = sim.trace
      .snapshot()
      .filter((r) => r.kind.startsWith('lock.'))
      .map((r) => `${names.get(r.thread)} ${r.kind} ${r.fields.join(' ')}`.trim());
    expect(events).toEqual([
      'kernel lock.create',
      'a lock.acquire exclusive 0 -1',
      'a lock.acquired exclusive 0',
      'b lock.acquire shared -5 -1',
      'b lock.wait shared -5 1',
      'c lock.acquire exclusive 3 -1',
      'c lock.wait exclusive 3 2',
      'a lock.downgrade',
      'a lock.notify shared 1',
      'b lock.acquired shared -5',
      'a lock.release shared',
      'd lock.acquire exclusive 1 -1',
      'd lock.wait exclusive 1 3',
      'b lock.release shared',
      'b lock.notify exclusive 3',
      'd lock.acquired exclusive 1',
      'd lock.delete',
      'c lock.error exclusive 3',
    ]);
  });
});
