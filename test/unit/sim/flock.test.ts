import { describe, expect, it } from 'vitest';
import type { Proc, ProcessRef } from '../../../src/sim/ports.js';
import type { SimWorld } from '../../../src/sim/world.js';
import { makeWorld, records, runClean, runThread } from './world-support.js';

/** Starts a process on `node` that runs `body` and then stays alive for `holdUs`. */
function holder(w: SimWorld, node: string, name: string, body: () => Proc<void>, holdUs = 1_000_000): ProcessRef {
  return w.processes.startProcess(node, name, function* () {
    yield* body();
    yield* w.sleep(holdUs);
  });
}

describe('advisory file locks', () => {
  it('an exclusive lock excludes everyone else; shared locks coexist', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const got: Record<string, boolean> = {};
    holder(w, 'n1', 'a', function* () {
      got.aShared = yield* d.flock('/lock', 'shared');
    });
    holder(w, 'n1', 'b', function* () {
      got.bShared = yield* d.flock('/lock', 'shared');
      got.bExclusiveWhileShared = yield* d.flock('/other', 'exclusive');
    });
    holder(w, 'n1', 'c', function* () {
      yield* w.sleep(100);
      got.cExclusive = yield* d.flock('/lock', 'exclusive');
      got.cOtherShared = yield* d.flock('/other', 'shared');
    });
    runClean(w);
    expect(got).toEqual({
      aShared: true,
      bShared: true,
      bExclusiveWhileShared: true,
      cExclusive: false,
      cOtherShared: false,
    });
  });

  it("releases a killed process's locks, and a waiter blocked on that flock then gets it", () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const a = holder(w, 'n1', 'masterd', function* () {
      yield* d.flock('/queue/lock', 'exclusive');
    });
    let acquiredAt = -1;
    let holdersAfter: readonly string[] = [];
    holder(w, 'n1', 'noded', function* () {
      yield* w.sleep(100);
      expect(d.lockHolders('/queue/lock').map((p) => p.label)).toEqual(['n1/masterd#1']);
      const ok = yield* d.flock('/queue/lock', 'exclusive', { wait: true });
      expect(ok).toBe(true);
      acquiredAt = w.now();
      holdersAfter = d.lockHolders('/queue/lock').map((p) => p.label);
    });
    w.kernel.atTime(50_000, () => w.processes.crashProcess(a, 'test'));
    runClean(w);
    expect(acquiredAt).toBe(50_000);
    expect(holdersAfter).toEqual(['n1/noded#1']);
    const [release] = records(w, 'disk.funlock');
    expect(release?.time).toBe(50_000);
    expect(release?.fields).toEqual(['n1', 'n1/masterd#1', 'owner-exit']);
  });

  it('releases the locks of a process that exits normally', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    w.processes.startProcess('n1', 'short', function* () {
      yield* d.flock('/l', 'exclusive');
    });
    let got = false;
    holder(w, 'n1', 'later', function* () {
      yield* w.sleep(1_000);
      got = yield* d.flock('/l', 'exclusive');
    });
    runClean(w);
    expect(got).toBe(true);
  });

  it('a waiting flock times out on virtual time', () => {
    const w = makeWorld({ diskCosts: { flockUs: 10 } });
    const d = w.disk('n1');
    holder(w, 'n1', 'a', function* () {
      yield* d.flock('/l', 'exclusive');
    });
    let result: { ok: boolean; waited: number } | null = null;
    holder(w, 'n1', 'b', function* () {
      yield* w.sleep(100);
      const t0 = w.now();
      const ok = yield* d.flock('/l', 'shared', { timeoutUs: 10_000 });
      result = { ok, waited: w.now() - t0 };
    });
    runClean(w);
    expect(result).toEqual({ ok: false, waited: 10 + 10_000 });
    expect(records(w, 'disk.flock').map((r) => r.fields.slice(2))).toEqual([
      ['exclusive', 'granted'],
      ['shared', 'timeout'],
    ]);
  });

  it('converting a lock releases the old mode first, like flock(2), so two upgraders do not deadlock', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const results: Record<string, boolean> = {};
    for (const name of ['a', 'b']) {
      holder(w, 'n1', name, function* () {
        yield* d.flock('/l', 'shared');
        yield* w.sleep(100);
        results[name] = yield* d.flock('/l', 'exclusive', { timeoutUs: 1_000 });
      });
    }
    runClean(w);
    // a drops its shared lock and waits for b's; b drops its own, finds the lock free and takes it
    // at once (no hand-off to the woken a), so a times out. Neither waits on the other forever.
    expect(results).toEqual({ a: false, b: true });
    expect(d.lockHolders('/l')).toEqual([]);
  });

  it('re-locking in the mode already held succeeds at once and unlocking is idempotent', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const seen: unknown[] = [];
    holder(w, 'n1', 'a', function* () {
      seen.push(yield* d.flock('/l', 'exclusive'));
      seen.push(yield* d.flock('/l', 'exclusive'));
      d.funlock('/l');
      d.funlock('/l');
      seen.push(d.lockHolders('/l').length);
    });
    runClean(w);
    expect(seen).toEqual([true, true, 0]);
  });

  it('refuses flock from a thread that belongs to no process', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    w.spawn('free', function* () {
      yield* d.flock('/l', 'exclusive');
    });
    const r = w.run();
    expect(r.outcome.kind).toBe('exception');
    expect(r.outcome.kind === 'exception' && r.outcome.message).toMatch(/owned by processes/);
  });

  it('a node crash on a shared disk drops only the locks of that node’s processes', () => {
    const w = makeWorld({ sharedDisks: ['san'] });
    const san = w.disk('san');
    holder(w, 'n1', 'qemu', function* () {
      yield* san.flock('/leases/vm1', 'exclusive');
    });
    holder(w, 'n2', 'qemu', function* () {
      yield* san.flock('/leases/vm2', 'exclusive');
    });
    const { value } = runThread(w, function* () {
      yield* w.sleep(1_000);
      w.processes.crashNode('n1');
      return [san.lockHolders('/leases/vm1').length, san.lockHolders('/leases/vm2').map((p) => p.label)];
    });
    expect(value).toEqual([0, ['n2/qemu#1']]);
  });

  it('a flock waiter that is a blocking wait makes a lock cycle a deadlock', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    for (const [name, first, second] of [
      ['a', '/x', '/y'],
      ['b', '/y', '/x'],
    ] as const) {
      w.processes.startProcess('n1', name, function* () {
        yield* d.flock(first, 'exclusive');
        yield* w.sleep(100);
        yield* d.flock(second, 'exclusive', { wait: true });
      });
    }
    const r = w.run();
    expect(r.outcome.kind).toBe('deadlock');
  });
});
