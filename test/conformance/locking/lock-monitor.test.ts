/**
 * Counterparts of Ganeti 2.10's `TestLockMonitor` (spec §9.1). Ganeti forgets a lock when it is
 * garbage-collected (weak references); garbage collection is not deterministic, so providers leave
 * the monitor by `unregister` here, and the tests that dropped references unregister instead.
 */
import { describe, expect, it } from 'vitest';
import {
  type LockInfo,
  type LockInfoProvider,
  LockMonitor,
  type LockQueryItem,
  niceSort,
  RS_NORMAL,
  SharedLock,
} from '../../../src/locking/index.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Event, settle, simulate, TestRandom } from './harness.js';

const N = RS_NORMAL;

describe('Ganeti TestLockMonitor', () => {
  it('TestLockMonitor.testSingleThread: 100 locks are listed, and none once they are gone', () => {
    simulate((sim) => {
      const lm = new LockMonitor();
      const locks = Array.from({ length: 100 }, (_, i) => new SharedLock(sim, `TestLock${i}`, { monitor: lm }));
      expect(lm.size).toBe(locks.length);
      const result = lm.queryLocks(['name']);
      expect(result.fields).toHaveLength(1);
      expect(result.data).toHaveLength(100);
      for (const l of locks.splice(0)) lm.unregister(l); // Ganeti: del locks[:] and garbage collection
      expect(lm.size).toBe(0);
    });
  });

  it('TestLockMonitor.testMultiThread: name, mode, owner and pending of 33 locks under concurrent holders', () => {
    simulate((sim) => {
      const lm = new LockMonitor();
      const locks: SharedLock[] = [];
      const rnd = new TestRandom(4263);
      const pool = Array.from({ length: 100 }, (_, i) => i);
      const sample = rnd.shuffle(pool).slice(0, 33);
      const expnames = sample.map((i) => `MtTestLock${i}`);
      const free = (name: string) => [
        [N, name],
        [N, null],
        [N, null],
        [N, []],
      ];
      sim.spawn('main', function* () {
        for (const name of expnames) {
          // biome-ignore lint/correctness/useYield: a thread that only creates a lock
          sim.spawn(`create-${name}`, function* () {
            locks.push(new SharedLock(sim, name, { monitor: lm }));
          });
          yield* settle(sim, 1);
        }
        expect(locks.map((l) => l.name)).toEqual(expnames);
        const response = lm.queryLocks(['name', 'mode', 'owner', 'pending']);
        expect(response.data).toEqual(niceSort(expnames).map(free));
        expect(response.fields.map((f) => f.name)).toEqual(['name', 'mode', 'owner', 'pending']);

        // Exclusive acquire by this thread.
        for (let i = 0; i < locks.length; i += 4) {
          const tlock = locks[i] as SharedLock;
          yield* tlock.acquire({ shared: false });
          expect(lm.queryLocks(['name', 'mode', 'owner', 'pending']).data).toEqual(
            niceSort(expnames).map((name) =>
              name === tlock.name
                ? [
                    [N, name],
                    [N, 'exclusive'],
                    [N, ['main']],
                    [N, []],
                  ]
                : free(name),
            ),
          );
          tlock.release();
        }

        // Shared and exclusive acquires by other threads.
        const every = (step: number, from = 0) => locks.filter((_, i) => i >= from && (i - from) % step === 0);
        const reversed = [...locks].reverse();
        const tlocks2 = reversed.filter((_, i) => i % 15 === 0);
        for (const tlock1 of every(11)) {
          for (const tlock2 of tlocks2) {
            if (tlock2 === tlock1) continue; // "Avoid deadlocks"
            for (const tlock3 of every(10)) {
              if (tlock3 === tlock2 || tlock3 === tlock1) continue;
              const release = new Event(sim, 'release');
              const holders: Array<[SharedLock, boolean, string]> = [
                [tlock1, true, 'h1a'],
                [tlock1, true, 'h1b'],
                [tlock1, true, 'h1c'],
                [tlock2, true, 'h2'],
                [tlock3, false, 'h3'],
              ];
              for (const [lock, shared, name] of holders) {
                sim.spawn(name, function* () {
                  yield* lock.acquire({ shared });
                  yield* release.wait();
                  lock.release();
                });
              }
              yield* settle(sim);
              for (const [name, mode, owner] of lm.queryLocks(['name', 'mode', 'owner']).data) {
                expect(name?.[0]).toBe(N);
                expect(owner?.[0]).toBe(N);
                if (name?.[1] === tlock1.name) {
                  expect(mode).toEqual([N, 'shared']);
                  expect(owner?.[1]).toEqual(['h1a', 'h1b', 'h1c']);
                } else if (name?.[1] === tlock2.name) {
                  expect(mode).toEqual([N, 'shared']);
                  expect(owner?.[1]).toEqual(['h2']);
                } else if (name?.[1] === tlock3.name) {
                  expect(mode).toEqual([N, 'exclusive']);
                  expect(owner?.[1]).toEqual(['h3']);
                } else {
                  expect(expnames).toContain(name?.[1]);
                  expect(mode).toEqual([N, null]);
                  expect(owner?.[1]).toBeNull();
                }
              }
              release.set();
              yield* settle(sim);
              expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual(
                niceSort(expnames).map((name) => [
                  [N, name],
                  [N, null],
                  [N, null],
                ]),
              );
            }
          }
        }
      });
    });
  });

  it('TestLockMonitor.testDelete: a deleted lock shows mode "deleted" and stays listed', () => {
    simulate((sim) => {
      const lm = new LockMonitor();
      const lock = new SharedLock(sim, 'TestLock', { monitor: lm });
      sim.spawn('main', function* () {
        expect(lm.size).toBe(1);
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([
          [
            [N, 'TestLock'],
            [N, null],
            [N, null],
          ],
        ]);
        yield* lock.delete();
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([
          [
            [N, 'TestLock'],
            [N, 'deleted'],
            [N, null],
          ],
        ]);
        expect(lm.size).toBe(1);
      });
    });
  });

  it('TestLockMonitor.testPending: 5 exclusive waiters are 5 pending entries; 5 shared waiters one batch with nice-sorted names', () => {
    simulate((sim) => {
      const lm = new LockMonitor();
      const lock = new SharedLock(sim, 'ExcLock', { monitor: lm });
      sim.spawn('main', function* () {
        for (const shared of [false, true]) {
          yield* lock.acquire();
          expect(lm.size).toBe(1);
          expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([
            [
              [N, 'ExcLock'],
              [N, 'exclusive'],
              [N, ['main']],
            ],
          ]);
          const threads: string[] = [];
          for (let i = 0; i < 5; i++) {
            const name = `waiter${shared ? 's' : 'x'}${i * 7}`;
            threads.push(name);
            sim.spawn(name, function* (): Proc<void> {
              yield* lock.acquire({ shared });
              lock.release();
            });
            yield* settle(sim, 1);
          }
          const pending = shared ? [['shared', niceSort(threads)]] : threads.map((t) => ['exclusive', [t]]);
          expect(lm.queryLocks(['name', 'mode', 'owner', 'pending']).data).toEqual([
            [
              [N, 'ExcLock'],
              [N, 'exclusive'],
              [N, ['main']],
              [N, pending],
            ],
          ]);
          expect(lm.size).toBe(1);
          lock.release();
          yield* settle(sim);
          expect(lm.queryLocks(['name', 'mode', 'owner', 'pending']).data).toEqual([
            [
              [N, 'ExcLock'],
              [N, null],
              [N, null],
              [N, []],
            ],
          ]);
        }
      });
    });
  });

  it('TestLockMonitor.testDeleteAndRecreate: locks of the same name are ordered by registration', () => {
    simulate((sim) => {
      const lm = new LockMonitor();
      const lname = 'TestLock101923193';
      const locks = Array.from({ length: 5 }, () => new SharedLock(sim, lname, { monitor: lm }));
      const row = (mode: string | null, owner: string[] | null) => [
        [N, lname],
        [N, mode],
        [N, owner],
      ];
      sim.spawn('main', function* () {
        expect(lm.size).toBe(5);
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual(Array(5).fill(row(null, null)));
        yield* (locks[2] as SharedLock).delete();
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([
          row(null, null),
          row(null, null),
          row('deleted', null),
          row(null, null),
          row(null, null),
        ]);
        yield* (locks[1] as SharedLock).acquire({ shared: false });
        const lastStatus = [
          row(null, null),
          row('exclusive', ['main']),
          row('deleted', null),
          row(null, null),
          row(null, null),
        ];
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual(lastStatus);
        // Ganeti drops the references one by one and lets the garbage collector unregister them.
        for (let idx = 0; idx < 5; idx++) {
          lm.unregister(locks.shift() as SharedLock);
          expect(lm.size).toBe(locks.length);
          expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual(lastStatus.slice(idx + 1));
        }
        expect(lm.size).toBe(0);
        expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([]);
      });
    });
  });

  it('TestLockMonitor.testMultipleResults: multi-row providers are ordered by name, then registration, then row', () => {
    class FakeLock implements LockInfoProvider {
      private readonly results: Array<[Set<LockQueryItem>, LockInfo[]]> = [];
      addResult(requested: LockQueryItem[], result: LockInfo[]): void {
        this.results.push([new Set(requested), result]);
      }
      countPending(): number {
        return this.results.length;
      }
      lockInfo(requested: ReadonlySet<LockQueryItem>): readonly LockInfo[] {
        const next = this.results.shift();
        if (!next) throw new Error('unexpected lockInfo call');
        expect(new Set(requested)).toEqual(next[0]);
        return next[1];
      }
    }
    const info = (name: string, mode: string | null = null): LockInfo =>
      ({ name, mode, owners: null, pending: null }) as LockInfo;
    const lm = new LockMonitor();
    const fl1 = new FakeLock();
    const fl2 = new FakeLock();
    lm.register(fl1);
    lm.register(fl2);

    for (const fl of [fl1, fl2]) fl.addResult(['mode', 'owner'], []);
    expect(lm.queryLocks(['name', 'mode', 'owner']).data).toEqual([]);
    for (const fl of [fl1, fl2]) expect(fl.countPending()).toBe(0);

    const orders: Array<<T>(xs: T[]) => T[]> = [
      (xs) => xs,
      (xs) => [...xs].reverse(),
      (xs) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    ];
    for (const fn of orders) {
      fl1.addResult([], fn([info('aaa'), info('bbb')]));
      fl2.addResult([], []);
      expect(lm.queryLocks(['name']).data).toEqual([[[N, 'aaa']], [[N, 'bbb']]]);
      for (const fl of [fl1, fl2]) expect(fl.countPending()).toBe(0);

      for (const fn2 of orders) {
        const first = fn(['mode0', 'mode1', 'mode2', 'mode3'].map((m) => info('aaa', m)));
        const second = fn2(['b200', 'b300'].map((m) => info('aaa', m)));
        fl1.addResult(['mode'], first);
        fl2.addResult(['mode'], [info('zzz', 'end'), info('000', 'start'), ...second]);
        expect(lm.queryLocks(['name', 'mode']).data).toEqual([
          [
            [N, '000'],
            [N, 'start'],
          ],
          // Same name: registration order, then the provider's own order.
          ...first.map((i) => [
            [N, 'aaa'],
            [N, i.mode],
          ]),
          ...second.map((i) => [
            [N, 'aaa'],
            [N, i.mode],
          ]),
          [
            [N, 'zzz'],
            [N, 'end'],
          ],
        ]);
        for (const fl of [fl1, fl2]) expect(fl.countPending()).toBe(0);
      }
    }
  });
});
