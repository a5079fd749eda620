/**
 * The one mutex (`src/lib/mutex.ts`) on virtual time: it excludes, it is not re-entrant, only its
 * owner releases it, and it serves waiters in either order it offers.
 */
import { describe, expect, it } from 'vitest';
import { Mutex, type MutexOrder } from '../../../src/lib/mutex.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import { Simulation } from '../../../src/sim/simulation.js';

describe('Mutex', () => {
  it('excludes a second thread until released and is not re-entrant', () => {
    const sim = Simulation.create({ seed: 1 });
    const log: string[] = [];
    const m = new Mutex(sim, 'job/1/processor');
    for (const name of ['a', 'b']) {
      sim.spawn(name, function* () {
        yield* m.acquire();
        log.push(`${name}+${sim.now()}`);
        yield* sim.sleep(10);
        log.push(`${name}-${sim.now()}`);
        m.release();
      });
    }
    sim.spawn('c', function* () {
      yield* m.acquire();
      let err = '';
      try {
        yield* m.acquire();
      } catch (e) {
        err = (e as Error).name;
      }
      log.push(`c:${err}`);
      m.release();
    });
    expect(sim.run().outcome.kind).toBe('completed');
    expect(log).toEqual(['a+0', 'a-10', 'b+10', 'b-20', 'c:AssertionError']);
  });

  it('only its owner releases it', () => {
    const sim = Simulation.create({ seed: 1 });
    const m = new Mutex(sim, 'm', { order: 'fifo' });
    let err = '';
    sim.spawn('holder', function* () {
      yield* m.acquire();
      yield* sim.sleep(10);
    });
    sim.spawn('stranger', function* () {
      yield* sim.yieldNow();
      try {
        m.release();
      } catch (e) {
        err = (e as Error).message;
      }
    });
    sim.run();
    expect(err).toBe('m: released by a thread that does not own it');
    expect(m.locked).toBe(true);
  });

  /**
   * A holder releases and at once acquires again while two threads wait: in `fifo` order it queues
   * behind them; in `any` order it takes the free mutex before the woken waiter runs.
   */
  function serviceOrder(order: MutexOrder): string[] {
    const sim: Kernel = Simulation.create({ seed: 1, strategy: { kind: 'fifo' } });
    const m = new Mutex(sim, 'm', { order });
    const served: string[] = [];
    sim.spawn('holder', function* () {
      yield* m.acquire();
      served.push('holder');
      yield* sim.sleep(5);
      m.release();
      yield* m.acquire();
      served.push('holder again');
      m.release();
    });
    for (const name of ['first', 'second']) {
      sim.spawn(name, function* () {
        yield* m.acquire();
        served.push(name);
        m.release();
      });
    }
    expect(sim.run().outcome.kind).toBe('completed');
    return served;
  }

  it('fifo serves waiters in arrival order; any lets a thread finding the mutex free take it first', () => {
    expect(serviceOrder('fifo')).toEqual(['holder', 'first', 'second', 'holder again']);
    expect(serviceOrder('any')).toEqual(['holder', 'holder again', 'first', 'second']);
  });
});
