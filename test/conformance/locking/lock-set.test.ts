/**
 * Counterparts of Ganeti 2.10's `TestLockSet` and `TestGetLsAcquireModeAndTimeouts` (spec §9.1).
 * Python `AssertionError`s are `LockUsageError`s here; `errors.LockError` is `LockError` with the
 * same message.
 */
import { describe, expect, it } from 'vitest';
import {
  ALL_SET,
  getLsAcquireModeAndTimeouts,
  LockError,
  LockSet,
  LockUsageError,
  timeoutZero,
} from '../../../src/locking/index.js';
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

const RESOURCES = ['one', 'two', 'three'];

function newSet(sim: Sim): LockSet {
  return new LockSet(sim, RESOURCES, 'TestLockSet');
}

/** A scenario with the standard lock set and a main thread. */
function main(body: (sim: Sim, ls: LockSet, done: Done) => Proc<void>): (sim: Sim) => void {
  return (sim) => {
    const ls = newSet(sim);
    const done = new Done();
    sim.spawn('main', () => body(sim, ls, done));
  };
}

const names = (ls: LockSet) => [...ls.names()];
const set = (...xs: string[]) => new Set(xs);

function* doLockSet(ls: LockSet, done: Done, what: string | string[] | typeof ALL_SET, shared: boolean): Proc<void> {
  try {
    yield* ls.acquire(what, { shared });
    done.put('DONE');
    ls.release();
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

function* doAddSet(ls: LockSet, done: Done, what: string | string[]): Proc<void> {
  try {
    yield* ls.add(what, { acquired: true });
    done.put('DONE');
    ls.release();
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    done.put('ERR');
  }
}

function* doRemoveSet(ls: LockSet, removed: string[][], what: string | string[]): Proc<void> {
  removed.push(yield* ls.remove(what));
}

describe('Ganeti TestLockSet', () => {
  it('TestLockSet.testResources: a set holds its initial names; an empty set none', () => {
    simulate((sim) => {
      expect(newSet(sim).names()).toEqual(set(...RESOURCES));
      expect(new LockSet(sim, [], 'TestLockSet.testResources').names()).toEqual(set());
    });
  });

  it('TestLockSet.testCheckOwnedUnknown: an unknown name while owning nothing is simply not owned', () => {
    simulate(
      main(function* (sim, ls) {
        yield* settle(sim);
        expect(ls.checkOwned('certainly-not-owning-this-one')).toBe(false);
        for (const mode of ['any', 'exclusive', 'shared'] as const) {
          expect(ls.checkOwned('certainly-not-owning-this-one', mode)).toBe(false);
        }
      }),
    );
  });

  it('TestLockSet.testCheckOwnedUnknownWhileHolding: an unknown name while owning something is a LockError', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(ls.checkOwned([])).toBe(false);
        yield* ls.acquire('one', { shared: true });
        expectError(
          thrownSync(() => ls.checkOwned('nonexist')),
          LockError,
          { message: "Non-existing lock 'nonexist' in set 'TestLockSet' (it may have been removed)" },
        );
        expect(ls.checkOwned('one', 'shared')).toBe(true);
        expect(ls.checkOwned('one', 'exclusive')).toBe(false);
        expect(ls.checkOwned(['one', 'two'])).toBe(false);
        expectError(
          thrownSync(() => ls.checkOwned(['one', 'nonexist'])),
          LockError,
        );
        expectError(
          thrownSync(() => ls.checkOwned('')),
          LockError,
        );
        ls.release();
        expect(ls.checkOwned([])).toBe(false);
        expect(ls.checkOwned('one')).toBe(false);
      }),
    );
  });

  it('TestLockSet.testAcquireRelease: single and list acquires, partial release, listOwned and checkOwned', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(ls.checkOwned(names(ls))).toBe(false);
        expect(yield* ls.acquire('one')).toEqual(set('one'));
        expect(ls.listOwned()).toEqual(set('one'));
        expect(ls.checkOwned('one')).toBe(true);
        expect(ls.checkOwned('one', 'exclusive')).toBe(true);
        expect(ls.checkOwned('one', 'shared')).toBe(false);
        ls.release();
        expect(ls.listOwned()).toEqual(set());
        expect(ls.checkOwned(names(ls))).toBe(false);
        expect(yield* ls.acquire(['one'])).toEqual(set('one'));
        expect(ls.listOwned()).toEqual(set('one'));
        ls.release();
        expect(ls.listOwned()).toEqual(set());
        yield* ls.acquire(['one', 'two', 'three']);
        expect(ls.listOwned()).toEqual(set('one', 'two', 'three'));
        expect(ls.checkOwned(names(ls))).toBe(true);
        expect(ls.checkOwned(names(ls), 'exclusive')).toBe(true);
        expect(ls.checkOwned(names(ls), 'shared')).toBe(false);
        ls.release('one');
        expect(ls.checkOwned(['one'])).toBe(false);
        expect(ls.checkOwned(['two', 'three'])).toBe(true);
        expect(ls.checkOwned(['two', 'three'], 'exclusive')).toBe(true);
        expect(ls.checkOwned(['two', 'three'], 'shared')).toBe(false);
        expect(ls.listOwned()).toEqual(set('two', 'three'));
        ls.release(['three']);
        expect(ls.listOwned()).toEqual(set('two'));
        ls.release();
        expect(ls.listOwned()).toEqual(set());
        expect(yield* ls.acquire(['one', 'three'])).toEqual(set('one', 'three'));
        expect(ls.listOwned()).toEqual(set('one', 'three'));
        ls.release();
        expect(ls.listOwned()).toEqual(set());
        for (const n of names(ls)) expect(ls.checkOwned(n)).toBe(false);
      }),
    );
  });

  it('TestLockSet.testNoDoubleAcquire: a second acquire in the same set is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        const twice = {
          rule: 'lockset-double-acquire',
          message: 'Cannot acquire locks in the same set twice (lockset TestLockSet)',
        };
        yield* ls.acquire('one');
        expectError(yield* thrown(() => ls.acquire('one')), LockUsageError, twice);
        expectError(yield* thrown(() => ls.acquire(['two'])), LockUsageError, twice);
        expectError(yield* thrown(() => ls.acquire(['two', 'three'])), LockUsageError, twice);
        ls.release();
        yield* ls.acquire(['one', 'three']);
        ls.release('one');
        expectError(yield* thrown(() => ls.acquire(['two'])), LockUsageError, twice);
        ls.release('three');
      }),
    );
  });

  it('TestLockSet.testNoWrongRelease: releasing what is not held is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        expectError(
          thrownSync(() => ls.release()),
          LockUsageError,
          { rule: 'lockset-release-unowned', message: 'release() on lock set TestLockSet while not owner' },
        );
        yield* ls.acquire('one');
        expectError(
          thrownSync(() => ls.release('two')),
          LockUsageError,
          { rule: 'lockset-release-unheld', message: "release() on unheld resources set(['two']) (set TestLockSet)" },
        );
      }),
    );
  });

  it('TestLockSet.testAddRemove: add, add acquired, remove owned; add while partially owning or under shared "all" is a usage error; remove of missing names returns []', () => {
    simulate(
      main(function* (_sim, ls) {
        yield* ls.add('four');
        expect(ls.listOwned()).toEqual(set());
        expect(ls.names().has('four')).toBe(true);
        yield* ls.add(['five', 'six', 'seven'], { acquired: true });
        for (const n of ['five', 'six', 'seven']) expect(ls.names().has(n)).toBe(true);
        expect(ls.listOwned()).toEqual(set('five', 'six', 'seven'));
        expect(yield* ls.remove(['five', 'six'])).toEqual(['five', 'six']);
        expect(ls.names().has('five')).toBe(false);
        expect(ls.names().has('six')).toBe(false);
        expect(ls.listOwned()).toEqual(set('seven'));
        expectError(yield* thrown(() => ls.add('eight', { acquired: true })), LockUsageError, {
          rule: 'lockset-add-partial',
          message: 'Cannot add locks if the set TestLockSet is only partially owned, or shared',
        });
        yield* ls.remove('seven');
        expect(ls.names().has('seven')).toBe(false);
        expect(ls.listOwned()).toEqual(set());
        yield* ls.acquire(ALL_SET, { shared: true });
        expectError(yield* thrown(() => ls.add('eight')), LockUsageError, { rule: 'lockset-add-partial' });
        ls.release();
        yield* ls.acquire(ALL_SET);
        yield* ls.add('eight', { acquired: true });
        expect(ls.names().has('eight')).toBe(true);
        expect(ls.listOwned().has('eight')).toBe(true);
        yield* ls.add('nine');
        expect(ls.names().has('nine')).toBe(true);
        expect(ls.listOwned().has('nine')).toBe(false);
        ls.release();
        yield* ls.remove(['two']);
        expect(ls.names().has('two')).toBe(false);
        yield* ls.acquire('three');
        expect(yield* ls.remove(['three'])).toEqual(['three']);
        expect(ls.names().has('three')).toBe(false);
        expect(yield* ls.remove('three')).toEqual([]);
        expect(yield* ls.remove(['one', 'three', 'six'])).toEqual(['one']);
        expect(ls.names().has('one')).toBe(false);
      }),
    );
  });

  it('TestLockSet.testRemoveNonBlocking: removing locks the caller holds does not block', () => {
    simulate(
      main(function* (sim, ls) {
        const t0 = sim.now();
        yield* ls.acquire('one');
        expect(yield* ls.remove('one')).toEqual(['one']);
        yield* ls.acquire(['two', 'three']);
        expect(yield* ls.remove(['two', 'three'])).toEqual(['two', 'three']);
        expect(sim.now()).toBe(t0);
      }),
    );
  });

  it('TestLockSet.testNoDoubleAdd: adding an existing name is a LockError', () => {
    simulate(
      main(function* (_sim, ls) {
        expectError(yield* thrown(() => ls.add('two')), LockError, {
          message: "duplicate add(set(['two'])) on lockset TestLockSet",
        });
        yield* ls.add('four');
        expectError(yield* thrown(() => ls.add('four')), LockError);
      }),
    );
  });

  it('TestLockSet.testNoWrongRemoves: removing a non-subset of what is held, or a lock held shared, is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        yield* ls.acquire(['one', 'three'], { shared: true });
        expectError(yield* thrown(() => ls.remove('two')), LockUsageError, {
          rule: 'lockset-remove-partial',
          message: 'remove() on acquired lockset TestLockSet while not owning all elements',
        });
        expectError(yield* thrown(() => ls.remove('three')), LockUsageError, { rule: 'delete-while-sharing' });
      }),
    );
  });

  it('TestLockSet.testAcquireSetLock: acquire(ALL_SET) returns all; exclusive allows add/remove; shared forbids add', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire(ALL_SET)).toEqual(set('one', 'two', 'three'));
        expect(ls.listOwned()).toEqual(set('one', 'two', 'three'));
        expect(ls.isOwned()).toBe(true);
        expect(ls.names()).toEqual(set('one', 'two', 'three'));
        expect(yield* ls.remove(['two', 'three'])).toEqual(['two', 'three']);
        yield* ls.add('six');
        ls.release();
        expect(yield* ls.acquire(ALL_SET, { shared: true })).toEqual(set('one', 'six'));
        expectError(yield* thrown(() => ls.add('five')), LockUsageError, { rule: 'lockset-add-partial' });
        ls.release();
      }),
    );
  });

  it('TestLockSet.testAcquireWithRepetitions: duplicate names collapse', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire(['two', 'two', 'three'], { shared: true })).toEqual(set('two', 'three'));
        ls.release(['two', 'two']);
        expect(ls.listOwned()).toEqual(set('three'));
      }),
    );
  });

  it('TestLockSet.testEmptyAcquire: acquire([]) owns nothing, so release is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire([])).toEqual(set());
        expect(ls.listOwned()).toEqual(set());
        yield* ls.add('six');
        expect(yield* ls.acquire([], { shared: true })).toEqual(set());
        expect(ls.listOwned()).toEqual(set());
        expectError(
          thrownSync(() => ls.release()),
          LockUsageError,
          { rule: 'lockset-release-unowned' },
        );
      }),
    );
  });

  it('TestLockSet.testConcurrentSharedAcquire: sharers of overlapping sets coexist; exclusive ones wait (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        yield* ls.acquire(['one', 'two'], { shared: true });
        for (const what of [['one', 'two'], ['one', 'two', 'three'], 'three']) {
          sim.spawn('sharer', () => doLockSet(ls, done, what, true));
          yield* settle(sim);
          expect(done.get()).toBe('DONE');
        }
        sim.spawn('x1', () => doLockSet(ls, done, ['one', 'two'], false));
        sim.spawn('x2', () => doLockSet(ls, done, ['two', 'three'], false));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        ls.release();
        yield* settle(sim);
        expect(done.items).toEqual(['DONE', 'DONE']);
      }),
    );
  });

  it('TestLockSet.testConcurrentExclusiveAcquire: disjoint sets proceed; overlapping ones wait for the release (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        yield* ls.acquire(['one', 'two']);
        for (const shared of [true, false]) {
          sim.spawn('three', () => doLockSet(ls, done, 'three', shared));
          yield* settle(sim);
          expect(done.get()).toBe('DONE');
        }
        expect(done.empty).toBe(true);
        const waiters: Array<[string | string[], boolean]> = [
          [['one', 'two'], false],
          [['one', 'two'], true],
          ['one', false],
          ['one', true],
          [['two', 'three'], false],
          [['two', 'three'], true],
        ];
        waiters.forEach(([what, shared], i) => {
          sim.spawn(`w${i}`, () => doLockSet(ls, done, what, shared));
        });
        yield* settle(sim);
        expect(done.empty).toBe(true);
        ls.release();
        yield* settle(sim);
        expect(done.items).toEqual(Array(6).fill('DONE'));
      }),
    );
  });

  it('TestLockSet.testSimpleAcquireTimeoutExpiring: a timed acquire of a held member, or of the whole set, returns null and leaves nothing owned (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        const sorted = names(ls).sort();
        const first = sorted[0] as string;
        const last = sorted[sorted.length - 1] as string;
        const checks: Array<[string | typeof ALL_SET, string]> = [
          [first, first],
          [ALL_SET, first],
          [last, last],
        ];
        for (const [wanted, block] of checks) {
          expect(yield* ls.acquire(block, { shared: false })).toEqual(set(block));
          sim.spawn('acquireOne', function* () {
            const acquired = yield* ls.acquire(wanted, { timeoutUs: sec(0.1), shared: false });
            if (acquired) {
              done.put('acquired');
              ls.release();
            } else {
              expect(acquired).toBeNull();
              expect(ls.listOwned()).toEqual(set());
              expect(ls.isOwned()).toBe(false);
              done.put('not acquired');
            }
          });
          yield* sim.sleep(sec(0.2));
          ls.release();
          expect(done.get()).toBe('not acquired');
          expect(done.empty).toBe(true);
        }
      }),
    );
  });

  it('TestLockSet.testDelayedAndExpiringLockAcquire: 8 locks are taken in sorted order; the overall timeout expires mid-way and releases all (8 schedules)', () => {
    for (const expire of [false, true]) {
      repeat(
        main(function* (sim, ls, done) {
          yield* ls.add(['five', 'six', 'seven', 'eight', 'nine']);
          const all = names(ls).sort();
          expect(all).toHaveLength(8);
          expect(yield* ls.acquire(all, { shared: false })).toEqual(new Set(all));
          const lockwait = sec(0.3);
          const lockallTimeout = expire ? sec(0.4) : all.length * sec(5);
          let finished = false;
          sim.spawn('lockAll', function* () {
            if (yield* ls.acquire(all, { shared: false, timeoutUs: lockallTimeout })) {
              done.put('got all');
              ls.release();
            } else {
              expect(ls.isOwned()).toBe(false);
              done.put('timeout on all');
            }
            finished = true;
          });
          for (const name of all) {
            yield* settle(sim);
            if (!finished) {
              // The acquire of this very lock has started: the call takes them in sorted order.
              expect(ls.member(name)?.countPending()).toBe(1);
              for (const other of all) {
                if (other !== name) expect(ls.member(other)?.countPending()).toBe(0);
              }
              if (expire) yield* sim.sleep(lockwait);
            }
            ls.release(name);
          }
          expect(ls.listOwned()).toEqual(set());
          yield* settle(sim);
          expect(done.items).toEqual([expire ? 'timeout on all' : 'got all']);
          for (const n of all) expect(ls.member(n)?.info().mode).toBeNull();
        }),
      );
    }
  });

  it('TestLockSet.testConcurrentRemove: waiters on a removed lock get LockError; later sets are unaffected (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        const removed: string[][] = [];
        yield* ls.add('four');
        yield* ls.acquire(['one', 'two', 'four']);
        const w1: Array<[string[], boolean]> = [
          [['one', 'four'], false],
          [['one', 'four'], true],
          [['one', 'two'], false],
          [['one', 'two'], true],
        ];
        w1.forEach(([what, shared], i) => {
          sim.spawn(`a${i}`, () => doLockSet(ls, done, what, shared));
        });
        yield* settle(sim);
        expect(done.empty).toBe(true);
        yield* ls.remove('one');
        ls.release();
        yield* settle(sim);
        expect(done.items.splice(0)).toEqual(Array(4).fill('ERR'));
        yield* ls.add(['five', 'six'], { acquired: true });
        const w2: Array<[string[], boolean]> = [
          [['three', 'six'], true],
          [['three', 'six'], false],
          [['four', 'six'], true],
          [['four', 'six'], false],
        ];
        w2.forEach(([what, shared], i) => {
          sim.spawn(`b${i}`, () => doLockSet(ls, done, what, shared));
        });
        yield* ls.remove('five');
        ls.release();
        yield* settle(sim);
        expect(done.items.splice(0)).toEqual(Array(4).fill('DONE'));
        yield* ls.acquire(['three', 'four']);
        sim.spawn('remover', () => doRemoveSet(ls, removed, ['four', 'six']));
        yield* settle(sim);
        expect(removed).toEqual([]);
        yield* ls.remove('four');
        yield* settle(sim);
        expect(removed.splice(0)).toEqual([['six']]);
        sim.spawn('remover2', () => doRemoveSet(ls, removed, ['two']));
        yield* settle(sim);
        expect(removed.splice(0)).toEqual([['two']]);
        ls.release();
      }),
    );
  });

  it('TestLockSet.testConcurrentSharedSetLock: shared "all" lets other sharers in and blocks add/remove until released (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        const removed: string[][] = [];
        yield* ls.acquire(ALL_SET, { shared: true });
        sim.spawn('all', () => doLockSet(ls, done, ALL_SET, true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        sim.spawn('some', () => doLockSet(ls, done, ['one', 'three'], true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        sim.spawn('adder', () => doAddSet(ls, done, ['nine']));
        sim.spawn('remover', () => doRemoveSet(ls, removed, ['two']));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        expect(removed).toEqual([]);
        ls.release([]); // releases just the set lock
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        expect(removed).toEqual([]);
        ls.release();
        yield* settle(sim);
        expect(removed).toEqual([['two']]);
      }),
    );
  });

  it('TestLockSet.testConcurrentExclusiveSetLock: exclusive "all" blocks everything, including add (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        yield* ls.acquire(ALL_SET, { shared: false });
        sim.spawn('a', () => doLockSet(ls, done, ALL_SET, true));
        sim.spawn('b', () => doLockSet(ls, done, ALL_SET, false));
        sim.spawn('c', () => doLockSet(ls, done, ['three'], false));
        sim.spawn('d', () => doLockSet(ls, done, ['two'], true));
        sim.spawn('e', () => doAddSet(ls, done, ['nine']));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        ls.release();
        yield* settle(sim);
        expect(done.items).toEqual(Array(5).fill('DONE'));
      }),
    );
  });

  it('TestLockSet.testConcurrentSetLockAdd: add is refused while partially owning; the owner of exclusive "all" can add, acquired or not (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        yield* ls.acquire('one');
        sim.spawn('a1', () => doLockSet(ls, done, ALL_SET, false));
        sim.spawn('a2', () => doLockSet(ls, done, ALL_SET, true));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        expectError(yield* thrown(() => ls.add('four')), LockUsageError, { rule: 'lockset-add-partial' });
        ls.release();
        yield* settle(sim);
        expect(done.items.splice(0)).toEqual(['DONE', 'DONE']);
        yield* ls.acquire(ALL_SET);
        sim.spawn('b1', () => doLockSet(ls, done, ALL_SET, false));
        sim.spawn('b2', () => doLockSet(ls, done, ALL_SET, true));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        yield* ls.add('four');
        yield* ls.add('five', { acquired: true });
        yield* ls.add('six', { acquired: true, shared: true });
        expect(ls.listOwned()).toEqual(set('one', 'two', 'three', 'five', 'six'));
        expect(ls.isOwned()).toBe(true);
        expect(ls.names()).toEqual(set('one', 'two', 'three', 'four', 'five', 'six'));
        ls.release();
        yield* settle(sim);
        expect(done.items).toEqual(['DONE', 'DONE']);
      }),
    );
  });

  it('TestLockSet.testEmptyLockSet: "all" on an emptied set still blocks adds (8 schedules)', () => {
    repeat(
      main(function* (sim, ls, done) {
        expect(yield* ls.acquire(ALL_SET)).toEqual(set('one', 'two', 'three'));
        yield* ls.remove(['one', 'two', 'three']);
        sim.spawn('adder', () => doAddSet(ls, done, ['nine']));
        sim.spawn('sharer', () => doLockSet(ls, done, ALL_SET, true));
        sim.spawn('exclusive', () => doLockSet(ls, done, ALL_SET, false));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        ls.release();
        yield* settle(sim);
        expect(done.items.splice(0)).toEqual(Array(3).fill('DONE'));
        expect(yield* ls.remove(['nine'])).toEqual(['nine']);
        expect(yield* ls.acquire(ALL_SET, { shared: true })).toEqual(set());
        sim.spawn('sharer2', () => doLockSet(ls, done, ALL_SET, true));
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
        sim.spawn('adder2', () => doAddSet(ls, done, ['nine']));
        yield* settle(sim);
        expect(done.empty).toBe(true);
        ls.release();
        yield* settle(sim);
        expect(done.get()).toBe('DONE');
      }),
    );
  });

  it('TestLockSet.testAcquireWithNamesDowngrade: a named acquire does not take the internal lock; downgrade after release is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire('two', { shared: false })).toEqual(set('two'));
        expect(ls.isOwned()).toBe(true);
        expect(ls.internalLock().isOwned()).toBe(false);
        ls.release();
        expect(ls.isOwned()).toBe(false);
        expect(ls.internalLock().isOwned()).toBe(false);
        expectError(
          thrownSync(() => ls.downgrade('two')),
          LockUsageError,
          { rule: 'lockset-downgrade-unowned', message: 'downgrade on lockset TestLockSet while not owning any lock' },
        );
      }),
    );
  });

  it('TestLockSet.testDowngrade: per-member downgrade; downgrading the last exclusive member downgrades the internal lock', () => {
    simulate(
      main(function* (_sim, ls) {
        const members = () => names(ls).map((n) => [n, ls.member(n)] as const);
        expect(ls.isOwned()).toBe(false);
        expectError(
          thrownSync(() => ls.downgrade()),
          LockUsageError,
          { rule: 'lockset-downgrade-unowned' },
        );
        expect(members().some(([, l]) => l?.isOwned())).toBe(false);
        expect(ls.checkOwned(names(ls))).toBe(false);
        for (const n of names(ls)) expect(ls.checkOwned(n)).toBe(false);

        expect(yield* ls.acquire(ALL_SET, { shared: false })).toEqual(set('one', 'two', 'three'));
        expectError(
          thrownSync(() => ls.downgrade('unknown lock')),
          LockUsageError,
          { rule: 'lockset-downgrade-unheld' },
        );
        expect(ls.checkOwned(names(ls), 'exclusive')).toBe(true);
        for (const n of names(ls)) {
          expect(ls.checkOwned(n)).toBe(true);
          expect(ls.checkOwned(n, 'exclusive')).toBe(true);
          expect(ls.checkOwned(n, 'shared')).toBe(false);
        }
        expect(ls.internalLock().isOwned('exclusive')).toBe(true);
        expect(members().every(([, l]) => l?.isOwned('exclusive'))).toBe(true);

        expect(ls.downgrade(['one'])).toBe(true);
        expect(ls.internalLock().isOwned('exclusive')).toBe(true);
        expect(members().every(([n, l]) => l?.isOwned(n === 'one' ? 'shared' : 'exclusive'))).toBe(true);
        expect(ls.checkOwned('one', 'exclusive')).toBe(false);
        expect(ls.checkOwned('one', 'shared')).toBe(true);
        expect(ls.checkOwned('two', 'exclusive')).toBe(true);
        expect(ls.checkOwned('three', 'exclusive')).toBe(true);

        expect(ls.downgrade('two')).toBe(true);
        expect(ls.internalLock().isOwned('exclusive')).toBe(true);
        const shouldShare = (n: string) => (n === 'one' || n === 'two' ? 'shared' : 'exclusive');
        expect(members().every(([n, l]) => l?.isOwned(shouldShare(n)))).toBe(true);
        expect(ls.checkOwned('two', 'exclusive')).toBe(false);
        expect(ls.checkOwned('two', 'shared')).toBe(true);
        expect(ls.checkOwned('three', 'exclusive')).toBe(true);

        // Downgrading the last exclusive lock must downgrade the internal lock too.
        expect(ls.downgrade('three')).toBe(true);
        expect(ls.internalLock().isOwned('shared')).toBe(true);
        expect(members().every(([, l]) => l?.isOwned('shared'))).toBe(true);
        for (const n of names(ls)) expect(ls.checkOwned(n, 'shared')).toBe(true);

        // Downgrading shared locks is a no-op.
        expect(ls.downgrade(['one', 'three'])).toBe(true);
        expect(ls.internalLock().isOwned('shared')).toBe(true);
        expect(members().every(([, l]) => l?.isOwned('shared'))).toBe(true);
        ls.release();
      }),
    );
  });

  it('TestLockSet.testDowngradeEverything: downgrade() of everything keeps owning all, now shared', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire(ALL_SET, { shared: false })).toEqual(set('one', 'two', 'three'));
        for (const n of names(ls)) expect(ls.checkOwned(n, 'exclusive')).toBe(true);
        expect(ls.downgrade()).toBe(true);
        for (const n of names(ls)) expect(ls.checkOwned(n, 'shared')).toBe(true);
        expect(ls.owningAll()).toBe(true);
      }),
    );
  });

  it('TestLockSet.testPriority: 64 waiters on two locks are served in priority order', () => {
    simulate(
      main(function* (sim, ls, done) {
        const doneTwo = new Done();
        expect(yield* ls.acquire(ALL_SET, { shared: false })).not.toBeNull();
        const acquires: Array<[string, number, Done]> = [
          ...Array.from({ length: 32 }, (_, i) => ['one', i + 1, done] as [string, number, Done]),
          ...Array.from({ length: 32 }, (_, i) => ['two', i + 1, doneTwo] as [string, number, Done]),
        ];
        new TestRandom(741).shuffle(acquires);
        for (const [name, prio, d] of acquires) {
          sim.spawn(`${name}/${prio}`, function* () {
            expect(yield* ls.acquire(name, { shared: false, priority: prio })).toEqual(set(name));
            d.put(`Prio${prio}`);
            ls.release();
          });
          yield* settle(sim, 1);
        }
        ls.release();
        yield* settle(sim);
        const expected = Array.from({ length: 32 }, (_, i) => `Prio${i + 1}`);
        expect(done.items).toEqual(expected);
        expect(doneTwo.items).toEqual(expected);
      }),
    );
  });

  it('TestLockSet.testNamesWithOpportunisticAndTimeout: named opportunistic acquire with a timeout is a usage error', () => {
    simulate(
      main(function* (_sim, ls) {
        expectError(
          yield* thrown(() => ls.acquire(['one', 'two'], { timeoutUs: sec(1), opportunistic: true })),
          LockUsageError,
          { rule: 'lockset-opportunistic-timeout' },
        );
        expect(ls.isOwned()).toBe(false);
      }),
    );
  });

  it('TestLockSet.testOpportunisticWithUnknownName: unknown names are ignored', () => {
    simulate(
      main(function* (_sim, ls) {
        expect(yield* ls.acquire(['two', 'unknown'], { opportunistic: true })).toEqual(set('two'));
        expect(ls.listOwned()).toEqual(set('two'));
        ls.release();
      }),
    );
  });

  it('TestLockSet.testSimpleOpportunisticAcquisition: a held lock is skipped; opportunistic ALL_SET holds the internal lock even with a subset', () => {
    simulate((sim) => {
      const ls = newSet(sim);
      const release = new Event(sim);
      sim.spawn('holder', function* () {
        expect(yield* ls.acquire('two', { shared: false })).toEqual(set('two'));
        yield* release.wait();
        ls.release();
      });
      sim.spawn('main', function* () {
        yield* settle(sim);
        expect(yield* ls.acquire(['one', 'two', 'three'], { opportunistic: true })).toEqual(set('one', 'three'));
        expect(ls.owningAll()).toBe(false);
        ls.release();
        expect(yield* ls.acquire(ALL_SET, { opportunistic: true })).toEqual(set('one', 'three'));
        expect(ls.owningAll()).toBe(true);
        expect(ls.listOwned()).toEqual(set('one', 'three'));
        ls.release();
        release.set();
      });
    });
  });

  it('TestLockSet.testOpportunisticAcquisitionWithoutNamesExpires: opportunistic ALL_SET returns null when the internal lock times out', () => {
    simulate((sim) => {
      const ls = newSet(sim);
      const release = new Event(sim);
      sim.spawn('holder', function* () {
        expect(yield* ls.acquire(ALL_SET, { shared: false })).toEqual(set(...RESOURCES));
        yield* release.wait();
        ls.release();
      });
      sim.spawn('main', function* () {
        yield* settle(sim);
        const t0 = sim.now();
        expect(yield* ls.acquire(ALL_SET, { opportunistic: true, timeoutUs: sec(0.1) })).toBeNull();
        expect(sim.now() - t0).toBe(sec(0.1));
        expect(ls.isOwned()).toBe(false);
        release.set();
      });
    });
  });

  it('TestLockSet.testSharedOpportunisticAcquisitionWithoutNames: shared opportunistic ALL_SET coexists with a shared holder', () => {
    simulate((sim) => {
      const ls = newSet(sim);
      const release = new Event(sim);
      sim.spawn('holder', function* () {
        expect(yield* ls.acquire(ALL_SET, { shared: true })).toEqual(set(...RESOURCES));
        yield* release.wait();
        ls.release();
      });
      sim.spawn('main', function* () {
        yield* settle(sim);
        expect(yield* ls.acquire(ALL_SET, { shared: true, opportunistic: true })).toEqual(set(...RESOURCES));
        expect(ls.owningAll()).toBe(true);
        ls.release();
        release.set();
      });
    });
  });

  it('TestLockSet.testLockDeleteWithOpportunisticAcquisition: a member deleted during an opportunistic "all" acquisition is skipped', () => {
    // Round-robin hands over at every yield, so the remover deletes "two" after the acquirer took
    // its snapshot of the members (it holds the internal lock) and before it reaches "two".
    const r = simulate(
      (sim) => {
        const ls = newSet(sim);
        sim.spawn('main', function* () {
          yield* ls.acquire(ALL_SET, { shared: false });
          sim.spawn('acquirer', function* () {
            expect(yield* ls.acquire(ALL_SET, { opportunistic: true })).toEqual(set('one', 'three'));
            expect(ls.owningAll()).toBe(true);
            ls.release();
          });
          sim.spawn('remover', function* () {
            expect(yield* ls.remove(['two'])).toEqual(['two']);
          });
          yield* settle(sim);
          ls.release();
        });
      },
      { strategy: { kind: 'round-robin' } },
    );
    const events = r.trace.snapshot();
    const snapshotAt = events.findIndex(
      (e) =>
        e.kind === 'lock.acquired' &&
        e.subject === 'TestLockSet/[lockset]' &&
        r.trace.threadNames.get(e.thread) === 'acquirer',
    );
    const deletedAt = events.findIndex((e) => e.kind === 'lock.delete' && e.subject === 'TestLockSet/two');
    expect(snapshotAt).toBeGreaterThanOrEqual(0);
    expect(deletedAt).toBeGreaterThan(snapshotAt);
  });
});

describe('Ganeti TestGetLsAcquireModeAndTimeouts', () => {
  it('TestGetLsAcquireModeAndTimeouts.testOpportunisticWithoutNames: opportunistic ALL_SET waits for the internal lock with the running timeout; members get 0', () => {
    let now = 0;
    const clock = { now: () => now };
    const plan = getLsAcquireModeAndTimeouts(true, sec(10), true, clock);
    expect(plan.mode).toBe('opportunistic');
    expect(plan.memberTimeout).toBe(timeoutZero);
    expect(plan.setLockTimeout?.()).toBe(sec(10));
    now += sec(4);
    expect(plan.setLockTimeout?.()).toBe(sec(6));
  });

  it('TestGetLsAcquireModeAndTimeouts.testAllInputCombinations: mode and timeout functions for every combination of names/all, timeout and opportunistic', () => {
    for (const wantAll of [false, true]) {
      for (const timeout of [null, 0, sec(100)]) {
        for (const opportunistic of [false, true]) {
          let now = 1000;
          const clock = { now: () => now };
          if (opportunistic && !wantAll && timeout !== null) {
            expectError(
              thrownSync(() => getLsAcquireModeAndTimeouts(wantAll, timeout, opportunistic, clock)),
              LockUsageError,
              { rule: 'lockset-opportunistic-timeout' },
            );
            continue;
          }
          const plan = getLsAcquireModeAndTimeouts(wantAll, timeout, opportunistic, clock);
          if (opportunistic) {
            expect(plan.mode).toBe('opportunistic');
            expect(plan.memberTimeout).toBe(timeoutZero);
          } else {
            expect(plan.mode).toBe(wantAll ? 'all' : 'exact');
            expect(plan.memberTimeout()).toBe(timeout);
          }
          if (wantAll) {
            expect(plan.setLockTimeout?.()).toBe(timeout);
          } else {
            expect(plan.setLockTimeout).toBeNull();
          }
          // One running clock for the whole call, never below zero.
          now += sec(150);
          if (wantAll) expect(plan.setLockTimeout?.()).toBe(timeout === null ? null : 0);
          expect(plan.memberTimeout()).toBe(opportunistic ? 0 : timeout === null ? null : 0);
        }
      }
    }
  });
});
