/**
 * Counterparts of Ganeti 2.10's `TestSharedLock` (spec §9.1). Threads are simulated threads;
 * Ganeti's events and sleeps become `settle` (every other thread runs until it blocks) and virtual
 * time. Tests that Ganeti repeats 8 times (`@_Repeat`) run under 8 schedules (`repeat`).
 */
import { describe, expect, it } from 'vitest';
import { LockError, LockUsageError, SharedLock } from '../../../src/locking/index.js';
import type { Proc } from '../../../src/sim/ports.js';
import {
  Done,
  Event,
  expectError,
  repeat,
  type Sim,
  sec,
  settle,
  simulate,
  TestRandom,
  thrown,
  thrownSync,
} from './harness.js';

const NAME = 'TestSharedLock';

function* doItSharer(sl: SharedLock, done: Done): Proc<void> {
  try {
    yield* sl.acquire({ shared: true });
    done.put('SHR');
    sl.release();
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

function* doItExclusive(sl: SharedLock, done: Done): Proc<void> {
  try {
    yield* sl.acquire();
    done.put('EXC');
    sl.release();
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

function* doItDelete(sl: SharedLock, done: Done): Proc<void> {
  try {
    yield* sl.delete();
    done.put('DEL');
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

/** A scenario with one lock, one done queue and a main thread. */
function main(body: (sim: Sim, sl: SharedLock, done: Done) => Proc<void>): (sim: Sim) => void {
  return (sim) => {
    const sl = new SharedLock(sim, NAME);
    const done = new Done();
    sim.spawn('main', () => body(sim, sl, done));
  };
}

/** "holder blocks X": X waits until the holder releases, then succeeds. */
function blocks(holderShared: boolean, other: typeof doItSharer, expected: string) {
  return main(function* (sim, sl, done) {
    yield* sl.acquire({ shared: holderShared });
    sim.spawn('other', () => other(sl, done));
    yield* settle(sim);
    expect(done.empty).toBe(true);
    sl.release();
    yield* settle(sim);
    expect(done.get()).toBe(expected);
    expect(done.empty).toBe(true);
  });
}

describe('Ganeti TestSharedLock', () => {
  it('TestSharedLock.testSequenceAndOwnership: isOwned in any, shared and exclusive mode', () => {
    simulate(
      main(function* (_sim, sl) {
        expect(sl.isOwned()).toBe(false);
        for (const shared of [true, false, true]) {
          yield* sl.acquire({ shared });
          expect(sl.isOwned()).toBe(true);
          expect(sl.isOwned('shared')).toBe(shared);
          expect(sl.isOwned('exclusive')).toBe(!shared);
          sl.release();
          expect(sl.isOwned()).toBe(false);
        }
      }),
    );
  });

  it('TestSharedLock.testBooleanValue: a successful acquire returns true in both modes', () => {
    simulate(
      main(function* (_sim, sl) {
        expect(yield* sl.acquire({ shared: true })).toBe(true);
        sl.release();
        expect(yield* sl.acquire()).toBe(true);
        sl.release();
      }),
    );
  });

  for (const [name, first, second] of [
    ['StoE', true, false],
    ['EtoS', false, true],
    ['StoS', true, true],
    ['EtoE', false, false],
  ] as const) {
    it(`TestSharedLock.testDoubleLocking${name}: re-acquiring an owned lock is a usage error (not re-entrant)`, () => {
      simulate(
        main(function* (_sim, sl) {
          yield* sl.acquire({ shared: first });
          const e = yield* thrown(() => sl.acquire({ shared: second }));
          expectError(e, LockUsageError, {
            rule: 'double-acquire',
            message: `double acquire() on a non-recursive lock ${NAME}`,
          });
        }),
      );
    });
  }

  it('TestSharedLock.testSharersCanCoexist: a second sharer gets the lock while the first holds it', () => {
    simulate(
      main(function* (sim, sl, done) {
        yield* sl.acquire({ shared: true });
        sim.spawn('sharer', () => doItSharer(sl, done));
        yield* settle(sim);
        expect(done.get()).toBe('SHR');
        sl.release();
      }),
    );
  });

  it('TestSharedLock.testExclusiveBlocksExclusive: an exclusive waiter gets the lock after the release (8 schedules)', () => {
    repeat(blocks(false, doItExclusive, 'EXC'));
  });

  it('TestSharedLock.testExclusiveBlocksDelete: delete waits for the exclusive holder (8 schedules)', () => {
    repeat(blocks(false, doItDelete, 'DEL'));
  });

  it('TestSharedLock.testExclusiveBlocksSharer: a sharer waits for the exclusive holder (8 schedules)', () => {
    repeat(blocks(false, doItSharer, 'SHR'));
  });

  it('TestSharedLock.testSharerBlocksExclusive: an exclusive waiter waits for the sharer (8 schedules)', () => {
    repeat(blocks(true, doItExclusive, 'EXC'));
  });

  it('TestSharedLock.testSharerBlocksDelete: delete waits for the sharer (8 schedules)', () => {
    repeat(blocks(true, doItDelete, 'DEL'));
  });

  it('TestSharedLock.testWaitingExclusiveBlocksSharer (disabled in Ganeti): a sharer queues behind a waiting exclusive, EXC then SHR', () => {
    repeat(
      main(function* (sim, sl, done) {
        yield* sl.acquire({ shared: true });
        sim.spawn('exclusive', () => doItExclusive(sl, done));
        yield* settle(sim);
        sim.spawn('sharer', () => doItSharer(sl, done));
        yield* settle(sim);
        expect(done.empty).toBe(true); // no barging past the waiting exclusive
        sl.release();
        yield* settle(sim);
        expect(done.items).toEqual(['EXC', 'SHR']);
      }),
    );
  });

  it('TestSharedLock.testWaitingSharerBlocksExclusive (disabled in Ganeti): an exclusive queues behind a waiting sharer, SHR then EXC', () => {
    repeat(
      main(function* (sim, sl, done) {
        yield* sl.acquire();
        sim.spawn('sharer', () => doItSharer(sl, done));
        yield* settle(sim);
        sim.spawn('exclusive', () => doItExclusive(sl, done));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        sl.release();
        yield* settle(sim);
        expect(done.items).toEqual(['SHR', 'EXC']);
      }),
    );
  });

  it('TestSharedLock.testDelete: acquire (both modes) and delete of a deleted lock raise LockError', () => {
    simulate(
      main(function* (_sim, sl) {
        expect(yield* sl.delete()).toBe(true);
        const msg = `Deleted lock ${NAME}`;
        expectError(yield* thrown(() => sl.acquire()), LockError, { message: msg });
        expectError(yield* thrown(() => sl.acquire({ shared: true })), LockError, { message: msg });
        expectError(yield* thrown(() => sl.delete()), LockError, { message: msg });
      }),
    );
  });

  it('TestSharedLock.testDeleteTimeout: delete with a timeout on a free lock succeeds', () => {
    simulate(
      main(function* (_sim, sl) {
        expect(yield* sl.delete({ timeoutUs: sec(60) })).toBe(true);
      }),
    );
  });

  it('TestSharedLock.testDeleteTimeoutFail: delete times out (false) while another thread holds it, then succeeds', () => {
    simulate((sim) => {
      const sl = new SharedLock(sim, NAME);
      const ready = new Event(sim, 'ready');
      const finish = new Event(sim, 'finish');
      sim.spawn('holder', function* () {
        yield* sl.acquire({ shared: false });
        ready.set();
        yield* finish.wait();
        sl.release();
      });
      sim.spawn('main', function* () {
        yield* ready.wait();
        const t0 = sim.now();
        expect(yield* sl.delete({ timeoutUs: sec(0.02) })).toBe(false);
        expect(sim.now() - t0).toBe(sec(0.02));
        expect(sl.isDeleted()).toBe(false);
        finish.set();
        yield* settle(sim);
        expect(yield* sl.delete()).toBe(true);
        expectError(yield* thrown(() => sl.acquire()), LockError);
      });
    });
  });

  it('TestSharedLock.testNoDeleteIfSharer: delete while sharing is a usage error', () => {
    simulate(
      main(function* (_sim, sl) {
        yield* sl.acquire({ shared: true });
        expectError(yield* thrown(() => sl.delete()), LockUsageError, {
          rule: 'delete-while-sharing',
          message: 'Cannot delete() a lock while sharing it',
        });
      }),
    );
  });

  for (const [name, order] of [
    ['testDeletePendingSharersExclusiveDelete', [doItSharer, doItSharer, doItExclusive, doItDelete]],
    ['testDeletePendingDeleteExclusiveSharers', [doItDelete, doItExclusive, doItSharer, doItSharer]],
  ] as const) {
    it(`TestSharedLock.${name}: all 4 pending acquires and deletes get LockError when the holder deletes (8 schedules)`, () => {
      repeat(
        main(function* (sim, sl, done) {
          yield* sl.acquire();
          order.forEach((fn, i) => {
            sim.spawn(`t${i}`, () => fn(sl, done));
          });
          yield* settle(sim);
          expect(sl.countPending()).toBe(fn2entries(order));
          expect(yield* sl.delete()).toBe(true);
          yield* settle(sim);
          expect(done.items).toEqual(['ERR', 'ERR', 'ERR', 'ERR']);
          expect(sl.checkEmpty()).toBe(true);
        }),
      );
    });
  }

  it('TestSharedLock.testExclusiveAcquireTimeout: a timed acquire succeeds when the holder releases after we queue (both modes, 8 schedules)', () => {
    for (const shared of [false, true]) {
      repeat((sim) => {
        const sl = new SharedLock(sim, NAME);
        const done = new Done();
        const releaseExclusive = new Event(sim, 'release');
        sim.spawn('A', function* () {
          yield* sl.acquire({ shared: false });
          done.put('A: start wait');
          yield* releaseExclusive.wait();
          done.put('A: end wait');
          sl.release();
        });
        sim.spawn('main', function* () {
          yield* settle(sim);
          expect(done.get()).toBe('A: start wait');
          // Ganeti's test_notify: release the holder as soon as we are queued.
          sim.spawn('notify', function* () {
            yield* sim.sleep(sec(0.001));
            releaseExclusive.set();
          });
          const t0 = sim.now();
          expect(yield* sl.acquire({ shared, timeoutUs: sec(60) })).toBe(true);
          expect(sim.now() - t0).toBeLessThan(sec(60));
          done.put('got 2nd');
          sl.release();
          yield* settle(sim);
          expect(done.items).toEqual(['A: end wait', 'got 2nd']);
        });
      });
    }
  });

  it('TestSharedLock.testAcquireExpiringTimeout: 11 acquires with 0-20 ms timeouts all fail while held (both modes, 8 schedules)', () => {
    for (const shared of [false, true]) {
      repeat((sim) => {
        const sl = new SharedLock(sim, NAME);
        const done = new Done();
        const failedAt: number[] = [];
        sim.spawn('main', function* () {
          yield* sl.acquire();
          const t0 = sim.now();
          for (let i = 0; i < 11; i++) {
            sim.spawn(`acq${i}`, function* () {
              if (!(yield* sl.acquire({ shared, timeoutUs: i * sec(0.002) }))) {
                done.put('timeout');
                failedAt[i] = sim.now() - t0;
              }
            });
          }
          yield* sim.sleep(sec(0.03)); // let every timeout expire
          sl.release();
          expect(done.items).toEqual(Array(11).fill('timeout'));
          expect(failedAt).toEqual(Array.from({ length: 11 }, (_, i) => i * sec(0.002)));
          expect(sl.checkEmpty()).toBe(true);
        });
      });
    }
  });

  it('TestSharedLock.testSharedSkipExclusiveAcquires: 7 queue entries, 23 sharers then E1x3 then E2x3 (8 schedules)', () => {
    repeat(
      main(function* (sim, sl, done) {
        yield* sl.acquire();
        const acquires: Array<[boolean, string]> = [
          ...Array(5).fill([true, 'shared 1']),
          ...Array(3).fill([false, 'exclusive 1']),
          ...Array(7).fill([true, 'shared 2']),
          ...Array(9).fill([true, 'shared 3']),
          ...Array(2).fill([true, 'shared 4']),
          ...Array(3).fill([false, 'exclusive 2']),
        ];
        // Each acquire queues in list order (Ganeti chains them with events).
        for (const [i, [shared, name]] of acquires.entries()) {
          sim.spawn(`${name}#${i}`, function* () {
            if (!(yield* sl.acquire({ shared }))) return;
            done.put(name);
            sl.release();
          });
          yield* settle(sim, 1);
        }
        expect(sl.countPending()).toBe(7);
        sl.release();
        yield* settle(sim);
        const order = done.items;
        expect(order).toHaveLength(29);
        const sharers = order.slice(0, 23);
        expect(sharers.every((n) => n.startsWith('shared'))).toBe(true);
        for (const [n, count] of [
          ['shared 1', 5],
          ['shared 2', 7],
          ['shared 3', 9],
          ['shared 4', 2],
        ] as const) {
          expect(sharers.filter((x) => x === n)).toHaveLength(count);
        }
        expect(order.slice(23)).toEqual([...Array(3).fill('exclusive 1'), ...Array(3).fill('exclusive 2')]);
      }),
    );
  });

  it('TestSharedLock.testIllegalDowngrade: downgrade of an unowned lock is a usage error; shared downgrade is a no-op', () => {
    simulate(
      main(function* (_sim, sl) {
        expectError(
          thrownSync(() => sl.downgrade()),
          LockUsageError,
          { rule: 'downgrade-unowned', message: 'Lock must be owned' },
        );
        expect(yield* sl.acquire({ shared: true })).toBe(true);
        expect(sl.isOwned('shared')).toBe(true);
        expect(sl.downgrade()).toBe(true);
        expect(sl.isOwned('shared')).toBe(true);
        sl.release();
      }),
    );
  });

  it('TestSharedLock.testDowngrade: exclusive becomes shared', () => {
    simulate(
      main(function* (_sim, sl) {
        expect(yield* sl.acquire()).toBe(true);
        expect(sl.isOwned('exclusive')).toBe(true);
        expect(sl.downgrade()).toBe(true);
        expect(sl.isOwned('shared')).toBe(true);
        sl.release();
      }),
    );
  });

  it('TestSharedLock.testDowngradeJumpsAheadOfExclusive: on downgrade the 5 pending sharers get the lock while E2 keeps waiting; lock info checked (8 schedules)', () => {
    repeat((sim) => {
      const sl = new SharedLock(sim, NAME);
      const downgradeExcl1 = new Event(sim, 'downgrade');
      const release = new Event(sim, 'release');
      const names = { excl1: 'excl1', excl2: 'excl2', shared: [0, 1, 2, 3, 4].map((i) => `shared${i}`) };
      sim.spawn(names.excl1, function* () {
        expect(yield* sl.acquire()).toBe(true);
        yield* downgradeExcl1.wait();
        expect(sl.isOwned('exclusive')).toBe(true);
        expect(sl.downgrade()).toBe(true);
        expect(sl.isOwned('shared')).toBe(true);
        yield* release.wait();
        expect(sl.isOwned('shared')).toBe(true);
        sl.release();
      });
      sim.spawn('main', function* () {
        yield* settle(sim);
        sim.spawn(names.excl2, function* () {
          expect(yield* sl.acquire()).toBe(true);
          expect(sl.isOwned('exclusive')).toBe(true);
          yield* release.wait();
          sl.release();
        });
        yield* settle(sim);
        for (const n of names.shared) {
          sim.spawn(n, function* () {
            expect(yield* sl.acquire({ shared: true })).toBe(true);
            expect(sl.isOwned('shared')).toBe(true);
            yield* release.wait();
            sl.release();
          });
        }
        yield* settle(sim);
        expect(sl.info(['mode', 'owner'])).toEqual({ name: NAME, mode: 'exclusive', owners: ['excl1'], pending: null });
        const pending = sl.info(['pending']).pending ?? [];
        expect(pending.map((p) => [p.mode, [...p.threads].sort()])).toEqual([
          ['exclusive', ['excl2']],
          ['shared', names.shared],
        ]);
        downgradeExcl1.set();
        yield* settle(sim);
        expect(sl.info(['mode', 'pending'])).toEqual({
          name: NAME,
          mode: 'shared',
          owners: null,
          pending: [{ mode: 'exclusive', threads: ['excl2'] }],
        });
        expect(new Set(sl.info(['owner']).owners)).toEqual(new Set([names.excl1, ...names.shared]));
        release.set();
        yield* settle(sim);
        expect(sl.info()).toEqual({ name: NAME, mode: null, owners: null, pending: [] });
      });
    });
  });

  it('TestSharedLock.testMixedAcquireTimeout: timed exclusive fails against sharers; later sharers queue behind the waiting exclusive: shared x3, exclusive, shared2 x10 (8 schedules)', () => {
    repeat((sim) => {
      const sl = new SharedLock(sim, NAME);
      const done = new Done();
      const sync = new Event(sim, 'sync');
      const exclsync = new Event(sim, 'exclsync');
      const exclev = new Event(sim, 'exclev');
      sim.spawn('main', function* () {
        const acquired: Event[] = [];
        for (let i = 0; i < 3; i++) {
          const ev = new Event(sim, `shared${i}`);
          acquired.push(ev);
          sim.spawn(`shared${i}`, function* () {
            if (!(yield* sl.acquire({ shared: true, timeoutUs: null }))) return;
            done.put('shared');
            ev.set();
            yield* sync.wait();
            sl.release();
          });
        }
        for (const ev of acquired) yield* ev.wait();
        expect(sl.countPending()).toBe(0);
        expect(yield* sl.acquire({ shared: false, timeoutUs: sec(0.02) })).toBe(false);
        sim.spawn('exclusive', function* () {
          if (!(yield* sl.acquire({ shared: false }))) return;
          done.put('exclusive');
          exclev.set();
          yield* exclsync.wait();
          sl.release();
        });
        expect(yield* sl.acquire({ shared: false, timeoutUs: sec(0.02) })).toBe(false);
        sync.set();
        yield* exclev.wait();
        expect(sl.countPending()).toBe(0);
        expect(yield* sl.acquire({ shared: false, timeoutUs: sec(0.02) })).toBe(false);
        for (let i = 0; i < 10; i++) {
          sim.spawn(`shared2-${i}`, function* () {
            if (yield* sl.acquire({ shared: true, timeoutUs: null })) {
              done.put('shared2');
              sl.release();
            }
          });
        }
        exclsync.set();
        yield* settle(sim);
        expect(sl.countPending()).toBe(0);
        expect(done.items).toEqual([...Array(3).fill('shared'), 'exclusive', ...Array(10).fill('shared2')]);
      });
    });
  });

  it('TestSharedLock.testPriority: 240 random-priority acquires (-20..29, both modes) are served strictly by priority, sharers merged per priority; pending info in that order', () => {
    simulate((sim) => {
      const sl = new SharedLock(sim, NAME);
      const done = new Done();
      // Expected queue: priority -> entries [(shared, acquire names, thread names)].
      const perprio = new Map<number, Array<{ shared: boolean; names: Set<string>; threads: Set<string> }>>();
      const prioshared = new Map<number, { shared: boolean; names: Set<string>; threads: Set<string> }>();
      const plan: Array<{ shared: boolean; priority: number; name: string }> = [];
      let counter = 0;
      const priorities = Array.from({ length: 50 }, (_, i) => i - 20);
      for (const seed of [4979, 9523, 14902, 32440]) {
        const rnd = new TestRandom(seed);
        for (let k = 0; k < 30; k++) {
          const priority = rnd.choice(priorities);
          for (const shared of rnd.shuffle([false, true])) {
            const name = `${counter++}/shr=${shared ? 1 : 0}/prio=${priority}`;
            plan.push({ shared, priority, name });
            const list = perprio.get(priority) ?? [];
            perprio.set(priority, list);
            const merged = shared ? prioshared.get(priority) : undefined;
            if (merged) {
              merged.names.add(name);
              merged.threads.add(name);
            } else {
              const entry = { shared, names: new Set([name]), threads: new Set([name]) };
              list.push(entry);
              if (shared) prioshared.set(priority, entry);
            }
          }
        }
      }
      expect(plan).toHaveLength(240);
      sim.spawn('main', function* () {
        expect(yield* sl.acquire({ shared: false })).toBe(true);
        for (const p of plan) {
          sim.spawn(p.name, function* () {
            yield* sl.acquire({ shared: p.shared, priority: p.priority });
            done.put(p.name);
            sl.release();
          });
          yield* settle(sim, 1); // queue in plan order
        }
        expect(sl.info([])).toEqual({ name: NAME, mode: null, owners: null, pending: null });
        expect(sl.info(['mode', 'owner'])).toEqual({ name: NAME, mode: 'exclusive', owners: ['main'], pending: null });
        const sortedPrios = [...perprio.keys()].sort((a, b) => a - b);
        const expectedPending = sortedPrios.flatMap((prio) =>
          (perprio.get(prio) ?? []).map((e) => [e.shared ? 'shared' : 'exclusive', [...e.threads].sort()]),
        );
        const pending = sl.info(['pending']).pending ?? [];
        expect(pending.map((p) => [p.mode, [...p.threads].sort()])).toEqual(expectedPending);
        sl.release();
        yield* settle(sim);
        expect(sl.checkEmpty()).toBe(true);
        for (const prio of sortedPrios) {
          for (const e of perprio.get(prio) ?? []) {
            while (e.names.size > 0) {
              const got = done.get();
              expect(e.names.has(got)).toBe(true);
              e.names.delete(got);
            }
          }
        }
        expect(done.empty).toBe(true);
      });
    });
  });

  it('TestSharedLock.testAcquireTimeoutWithSpuriousNotifications: >100 spurious wake-ups before 80% of the timeout do not make a 60 s acquire fail (8 schedules)', () => {
    repeat((sim) => {
      const sl = new SharedLock(sim, 'test');
      const done = new Done();
      let locked = false;
      const timeout = sec(60);
      sim.spawn('main', function* () {
        yield* sl.acquire({ shared: false });
        sim.spawn('fn', function* () {
          expect(yield* sl.acquire({ shared: false, timeoutUs: timeout })).toBe(true);
          locked = true;
          sl.release();
          done.put('success');
        });
        yield* settle(sim);
        const t0 = sim.now();
        const rnd = new TestRandom(15086);
        let count = 0;
        // Notify until 80% of the timeout has passed, sometimes without letting time advance.
        while (sim.now() < t0 + (timeout * 8) / 10) {
          if (rnd.int(10) < 3) yield* sim.sleep(rnd.int(sec(0.7)));
          else yield* sim.yieldNow();
          expect(locked).toBe(false);
          sl.notifyTopmost();
          count++;
        }
        expect(count).toBeGreaterThan(100);
        expect(locked).toBe(false);
        sl.release();
        yield* settle(sim);
        expect(locked).toBe(true);
        expect(done.items).toEqual(['success']);
      });
    });
  });
});

/** Queue entries the delete tests create: each exclusive or delete is one, the sharers one batch. */
function fn2entries(order: readonly unknown[]): number {
  const sharers = order.filter((f) => f === doItSharer).length;
  return order.length - sharers + (sharers > 0 ? 1 : 0);
}
