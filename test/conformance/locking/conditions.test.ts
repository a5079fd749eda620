/**
 * Counterparts of Ganeti 2.10's condition and decorator tests: `TestSingleNotifyPipeCondition`,
 * `TestPipeCondition`, `TestSharedLockInCondition`, `TestSharedLockInPipeCondition` and
 * `TestSSynchronizedDecorator` (spec §9.1).
 *
 * Ganeti's pipe conditions are its timed-wait building block; here that role is played by the
 * kernel `Condition`, and a condition bound to a lock (Python's `threading.Condition(lock)` /
 * `PipeCondition(lock)`) is `LockedCondition`. Timeouts are virtual time.
 */
import { describe, expect, it } from 'vitest';
import { LockedCondition, LockUsageError, SharedLock, synchronized } from '../../../src/locking/index.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Done, expectError, repeat, type Sim, sec, settle, simulate, thrown, thrownSync } from './harness.js';

function setup(body: (sim: Sim, cond: LockedCondition, lock: SharedLock, done: Done) => Proc<void>) {
  return (sim: Sim) => {
    const lock = new SharedLock(sim, 'condlock');
    const cond = new LockedCondition(sim, lock);
    const done = new Done();
    sim.spawn('main', () => body(sim, cond, lock, done));
  };
}

function* testAcquireRelease(cond: LockedCondition, lock: SharedLock): Proc<void> {
  expect(lock.isOwned()).toBe(false);
  expectError(yield* thrown(() => cond.wait(null)), LockUsageError, { rule: 'condition-unowned' });
  expectError(
    thrownSync(() => cond.notifyAll()),
    LockUsageError,
    { rule: 'condition-unowned' },
  );
  yield* lock.acquire();
  expect(lock.isOwned()).toBe(true);
  cond.notifyAll();
  expect(lock.isOwned()).toBe(true);
  lock.release();
  expect(lock.isOwned()).toBe(false);
  expectError(yield* thrown(() => cond.wait(null)), LockUsageError, { rule: 'condition-unowned' });
  expectError(
    thrownSync(() => cond.notifyAll()),
    LockUsageError,
    { rule: 'condition-unowned' },
  );
}

function testNotification(sim: Sim, cond: LockedCondition, lock: SharedLock, done: Done): Proc<void> {
  return (function* () {
    yield* lock.acquire();
    sim.spawn('notifier', function* () {
      done.put('NE');
      yield* lock.acquire();
      done.put('NA');
      cond.notifyAll();
      done.put('NN');
      lock.release();
    });
    yield* settle(sim);
    expect(done.get()).toBe('NE');
    expect(done.empty).toBe(true);
    expect(yield* cond.wait(null)).toBe(true);
    expect(done.get()).toBe('NA');
    expect(done.get()).toBe('NN');
    expect(lock.isOwned()).toBe(true);
    lock.release();
    expect(lock.isOwned()).toBe(false);
  })();
}

/** Ganeti's `_TestWait`: 3 waiters are woken by one notifyAll; a 4th that arrives later waits for the next. */
function testWait(timeoutUs: number | null) {
  return setup(function* (sim, cond, lock, done) {
    const waiter = (name: string) =>
      sim.spawn(name, function* () {
        yield* lock.acquire();
        done.put('A');
        yield* cond.wait(timeoutUs);
        lock.release();
        done.put('W');
      });
    for (const n of ['w1', 'w2', 'w3']) waiter(n);
    yield* settle(sim);
    expect(done.items).toEqual(['A', 'A', 'A']);
    done.items.length = 0;
    yield* lock.acquire();
    expect(cond.waiters()).toBe(3);
    // The new thread cannot acquire the lock, and so cannot wait, before we release it.
    waiter('w4');
    yield* settle(sim);
    cond.notifyAll();
    expect(done.empty).toBe(true);
    lock.release();
    yield* settle(sim);
    expect([...done.items].sort()).toEqual(['A', 'W', 'W', 'W']);
    done.items.length = 0;
    yield* lock.acquire();
    cond.notifyAll();
    lock.release();
    yield* settle(sim);
    expect(done.items).toEqual(['W']);
  });
}

function timeoutWaiters(count: number, timeoutUs: number, tag: string) {
  return setup(function* (sim, cond, lock, done) {
    const t0 = sim.now();
    const ends: number[] = [];
    for (let i = 0; i < count; i++) {
      sim.spawn(`t${i}`, function* () {
        yield* lock.acquire();
        expect(yield* cond.wait(timeoutUs)).toBe(false);
        lock.release();
        ends.push(sim.now() - t0);
        done.put(tag);
      });
    }
    yield* sim.sleep(timeoutUs + sec(1));
    expect(done.items).toEqual(Array(count).fill(tag));
    expect(ends).toEqual(Array(count).fill(timeoutUs));
  });
}

describe('Ganeti TestSingleNotifyPipeCondition (kernel Condition bound to a lock)', () => {
  it('TestSingleNotifyPipeCondition.testAcquireRelease: wait and notify without holding the lock are errors', () => {
    simulate(setup((_sim, cond, lock) => testAcquireRelease(cond, lock)));
  });

  it('TestSingleNotifyPipeCondition.testNotification: notifyAll from another thread wakes the waiter', () => {
    simulate(setup(testNotification));
  });

  it('TestSingleNotifyPipeCondition.testWaitReuse: several timed waits on an un-notified condition time out', () => {
    simulate(
      setup(function* (sim, cond, lock) {
        yield* lock.acquire();
        const t0 = sim.now();
        expect(yield* cond.wait(0)).toBe(false);
        expect(sim.now()).toBe(t0);
        expect(yield* cond.wait(sec(0.1))).toBe(false);
        expect(sim.now()).toBe(t0 + sec(0.1));
        lock.release();
      }),
    );
  });
});

describe('Ganeti TestPipeCondition (kernel Condition bound to a lock)', () => {
  it('TestPipeCondition.testAcquireRelease: wait and notify without holding the lock are errors', () => {
    simulate(setup((_sim, cond, lock) => testAcquireRelease(cond, lock)));
  });

  it('TestPipeCondition.testNotification: notifyAll from another thread wakes the waiter', () => {
    simulate(setup(testNotification));
  });

  it('TestPipeCondition.testBlockingWait: 3 waiters all woken by one notifyAll; a 4th arriving later waits for the next', () => {
    repeat(testWait(null));
  });

  it('TestPipeCondition.testLongTimeoutWait: the same with 15 s timeouts', () => {
    repeat(testWait(sec(15)));
  });

  it('TestPipeCondition.testShortTimeoutWait: two 0.1 s waits expire without notification', () => {
    simulate(timeoutWaiters(2, sec(0.1), 'T1'));
  });

  it('TestPipeCondition.testZeroTimeoutWait: three zero-timeout waits return at once', () => {
    simulate(timeoutWaiters(3, 0, 'T0'));
  });
});

describe('Ganeti TestSharedLockInCondition / TestSharedLockInPipeCondition', () => {
  for (const cls of ['TestSharedLockInCondition', 'TestSharedLockInPipeCondition']) {
    it(`${cls}.testKeepMode: waiting on a condition keeps the shared or exclusive mode`, () => {
      simulate(
        setup(function* (_sim, cond, lock) {
          yield* lock.acquire({ shared: true });
          expect(lock.isOwned('shared')).toBe(true);
          yield* cond.wait(0);
          expect(lock.isOwned('shared')).toBe(true);
          lock.release();
          yield* lock.acquire({ shared: false });
          expect(lock.isOwned('exclusive')).toBe(true);
          yield* cond.wait(0);
          expect(lock.isOwned('exclusive')).toBe(true);
          lock.release();
        }),
      );
    });
  }
});

describe('Ganeti TestSSynchronizedDecorator (synchronized)', () => {
  const decorated = (lock: SharedLock, done: Done, shared: boolean) =>
    // biome-ignore lint/correctness/useYield: the body never blocks; synchronized() wants a Proc
    synchronized(lock, { shared }, function* () {
      expect(lock.isOwned(shared ? 'shared' : 'exclusive')).toBe(true);
      done.put(shared ? 'SHR' : 'EXC');
    });

  function scenario(holderShared: boolean, callerShared: boolean, expected: string) {
    return (sim: Sim) => {
      const lock = new SharedLock(sim, 'decorator lock');
      const done = new Done();
      sim.spawn('main', function* () {
        yield* lock.acquire({ shared: holderShared });
        sim.spawn('caller', () => decorated(lock, done, callerShared));
        yield* settle(sim);
        if (holderShared && callerShared) {
          expect(done.get()).toBe(expected);
          lock.release();
          return;
        }
        expect(done.empty).toBe(true);
        lock.release();
        yield* settle(sim);
        expect(done.get()).toBe(expected);
      });
    };
  }

  it('TestSSynchronizedDecorator.testDecoratedFunctions: the body runs holding the lock, which is free afterwards', () => {
    simulate((sim) => {
      const lock = new SharedLock(sim, 'decorator lock');
      const done = new Done();
      sim.spawn('main', function* () {
        yield* decorated(lock, done, false);
        expect(lock.isOwned()).toBe(false);
        yield* decorated(lock, done, true);
        expect(lock.isOwned()).toBe(false);
        expect(done.items).toEqual(['EXC', 'SHR']);
      });
    });
  });

  it('TestSSynchronizedDecorator.testSharersCanCoexist: a shared body runs while another thread shares the lock', () => {
    simulate(scenario(true, true, 'SHR'));
  });

  it('TestSSynchronizedDecorator.testExclusiveBlocksExclusive: an exclusive body waits for the exclusive holder (8 schedules)', () => {
    repeat(scenario(false, false, 'EXC'));
  });

  it('TestSSynchronizedDecorator.testExclusiveBlocksSharer: a shared body waits for the exclusive holder (8 schedules)', () => {
    repeat(scenario(false, true, 'SHR'));
  });

  it('TestSSynchronizedDecorator.testSharerBlocksExclusive: an exclusive body waits for the sharer (8 schedules)', () => {
    repeat(scenario(true, false, 'EXC'));
  });
});
