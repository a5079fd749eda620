/**
 * virtlockd's RPC dispatch (spec §2.1), owner death (§2.3) and restart (§2.4), driven through
 * real connections from simulated client processes.
 */
import { describe, expect, it } from 'vitest';
import { mountedStorage } from '../../../src/lockd/config.js';
import {
  LOCKD_KILL_SIGKILL_TICK,
  LOCKD_KILL_TICK_US,
  LOCKSPACE_ACQUIRE_SHARED,
  LockdProc,
  VirErr,
} from '../../../src/lockd/constants.js';
import { isVirError } from '../../../src/lockd/errors.js';
import { LockdConnection } from '../../../src/lockd/lockd-client.js';
import type { LockdArgs } from '../../../src/lockd/lockd-protocol.js';
import { Virtlockd } from '../../../src/lockd/virtlockd.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Proc, ProcessRef } from '../../../src/sim/ports.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

const IMG = '/var/lib/libvirt/images/d1.img';
const owner = (pid: number) => ({ uuid: `u${pid}`, name: `vm${pid}`, id: 1, pid });

interface Ctx {
  readonly world: SimWorld;
  readonly daemon: Virtlockd;
  readonly trace: string[];
}

/** Starts virtlockd on node1 and `body` in a client process on node1 after the daemon is up. */
function withDaemon(body: (c: Ctx, self: ProcessRef) => Proc<void>, opts: { sigtermIgnored?: boolean } = {}): Ctx {
  const world = createWorld({ seed: 3, sharedDisks: ['san'] });
  const storage = mountedStorage(world, 'node1', [{ prefix: '/var/lib/libvirt/images', disk: 'san' }]);
  const daemon = Virtlockd.start(world, { node: 'node1', storage, mutants: MutantSet.none });
  const trace: string[] = [];
  world.kernel.trace.observe((r) => trace.push([r.kind, r.subject, ...r.fields].join(' ')));
  const ctx: Ctx = { world, daemon, trace };
  let failure: unknown = null;
  const client = world.processes.startProcess('node1', 'client', function* (self) {
    yield* world.sleep(1_000);
    yield* world.disk('san').appendFile(IMG, '');
    try {
      yield* body(ctx, self);
    } catch (e) {
      failure = e;
    }
  });
  if (opts.sigtermIgnored) world.processes.onSignal(client, 'SIGTERM', () => {});
  world.run();
  if (failure !== null) throw failure;
  return ctx;
}

function* code(c: LockdConnection, args: LockdArgs): Proc<number> {
  try {
    yield* c.call(args);
    return 0;
  } catch (e) {
    if (isVirError(e)) return e.code;
    throw e;
  }
}

describe('virtlockd dispatch', () => {
  it('refuses procedures before REGISTER, and everything on a restricted connection', () => {
    withDaemon(function* ({ world }) {
      const c = yield* LockdConnection.connect(world, 'node1');
      const acquire: LockdArgs = { proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 };
      expect(yield* code(c, acquire)).toBe(VirErr.OPERATION_INVALID);
      expect(yield* code(c, { proc: LockdProc.RESTRICT, flags: 0 })).toBe(VirErr.OPERATION_INVALID);
      expect(yield* code(c, { proc: LockdProc.REGISTER, owner: { ...owner(7), id: 0 }, flags: 0 })).toBe(
        VirErr.OPERATION_INVALID,
      );
      expect(yield* code(c, { proc: LockdProc.REGISTER, owner: owner(7), flags: 0 })).toBe(0);
      expect(yield* code(c, { proc: LockdProc.REGISTER, owner: owner(7), flags: 1 })).toBe(VirErr.INVALID_ARG);
      expect(yield* code(c, { proc: LockdProc.RESTRICT, flags: 0 })).toBe(0);
      expect(yield* code(c, acquire)).toBe(VirErr.OPERATION_DENIED);
      expect(yield* code(c, { proc: LockdProc.CREATE_LOCKSPACE, path: '/x' })).toBe(VirErr.OPERATION_DENIED);
    });
  });

  it('NEW refuses the default and existing lockspaces; CREATE_LOCKSPACE of an existing one succeeds', () => {
    withDaemon(function* ({ world }) {
      const c = yield* LockdConnection.connect(world, 'node1');
      expect(yield* code(c, { proc: LockdProc.CREATE_LOCKSPACE, path: '/var/lib/libvirt/lockd' })).toBe(0);
      expect(yield* code(c, { proc: LockdProc.CREATE_LOCKSPACE, path: '/var/lib/libvirt/lockd' })).toBe(0);
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(7), flags: 0 });
      expect(yield* code(c, { proc: LockdProc.NEW, path: '' })).toBe(VirErr.OPERATION_INVALID);
      expect(yield* code(c, { proc: LockdProc.NEW, path: '/var/lib/libvirt/lockd' })).toBe(VirErr.INTERNAL_ERROR);
      const missing: LockdArgs = { proc: LockdProc.ACQUIRE_RESOURCE, path: '/nope', name: 'x', flags: 0 };
      expect(yield* code(c, missing)).toBe(VirErr.INTERNAL_ERROR);
      const noFile: LockdArgs = { proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: '/no/such.img', flags: 0 };
      expect(yield* code(c, noFile)).toBe(VirErr.SYSTEM_ERROR);
      expect(yield* code(c, { proc: LockdProc.RELEASE_RESOURCE, path: '', name: IMG, flags: 0 })).toBe(
        VirErr.RESOURCE_BUSY,
      );
    });
  });

  it('ownership is by owner PID: closing a non-owner connection releases nothing', () => {
    const { daemon } = withDaemon(function* ({ world, daemon }) {
      const c = yield* LockdConnection.connect(world, 'node1');
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(4242), flags: 0 });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 });
      yield* c.close();
      yield* world.sleep(1_000);
      expect(daemon.owners('', IMG)).toEqual([4242]);
    });
    expect(daemon.table()).toBe(`|${IMG} exclusive 4242`);
  });
});

describe('virtlockd owner death', () => {
  it('an owner connection closing while it holds locks releases them and SIGTERMs the owner', () => {
    const { trace } = withDaemon(function* ({ world, daemon }, self) {
      const c = yield* LockdConnection.connect(world, 'node1');
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(self.pid), flags: 0 });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: LOCKSPACE_ACQUIRE_SHARED });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: LOCKSPACE_ACQUIRE_SHARED });
      expect(daemon.owners('', IMG)).toEqual([self.pid, self.pid]);
      yield* c.close();
      yield* world.sleep(1_000_000); // killed before this returns
      throw new Error('still alive');
    });
    // One occurrence per record is removed (the shared quirk): one stale owner stays.
    expect(trace.filter((l) => l.startsWith('lockd.conn-close'))).toEqual([
      expect.stringMatching(/^lockd\.conn-close node1\/virtlockd#1 c1 (\d+) \1 1$/),
    ]);
    expect(trace.some((l) => /^lockd\.kill node1\/virtlockd#1 \d+ SIGTERM 0$/.test(l))).toBe(true);
    expect(trace.some((l) => l.startsWith('proc.crash node1/client#1 SIGTERM'))).toBe(true);
  });

  it('an owner ignoring SIGTERM is SIGKILLed at the 8th tick (1.6 s)', () => {
    const { trace, world } = withDaemon(
      function* ({ world }, self) {
        const c = yield* LockdConnection.connect(world, 'node1');
        yield* c.call({ proc: LockdProc.REGISTER, owner: owner(self.pid), flags: 0 });
        yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 });
        yield* c.close();
        yield* world.sleep(10_000_000);
      },
      { sigtermIgnored: true },
    );
    const kills = trace.filter((l) => l.startsWith('lockd.kill')).map((l) => l.split(' ')[3]);
    // The run ends with the owner's death at SIGKILL (only daemons are left).
    expect(kills).toEqual(['SIGTERM', ...Array(LOCKD_KILL_SIGKILL_TICK - 1).fill('probe'), 'SIGKILL']);
    expect(world.now()).toBeGreaterThanOrEqual(LOCKD_KILL_SIGKILL_TICK * LOCKD_KILL_TICK_US);
  });
});

describe('virtlockd restart', () => {
  it('a re-exec keeps the table, the connections and the file locks', () => {
    const { trace } = withDaemon(function* ({ world, daemon }) {
      const c = yield* LockdConnection.connect(world, 'node1');
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(4242), flags: 0 });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 });
      const before = daemon.table();
      yield* daemon.reexec();
      expect(daemon.table()).toBe(before);
      expect(
        world
          .disk('san')
          .lockHolders(IMG)
          .map((p) => p.name),
      ).toEqual(['virtlockd']);
      yield* c.call({ proc: LockdProc.RELEASE_RESOURCE, path: '', name: IMG, flags: 0 });
      expect(daemon.table()).toBe('');
    });
    expect(trace.some((l) => l.startsWith('lockd.reexec node1/virtlockd#1'))).toBe(true);
  });

  it('after a re-exec an owner connection closing still releases its locks and kills the owner', () => {
    const { trace, daemon } = withDaemon(function* ({ world, daemon }, self) {
      const c = yield* LockdConnection.connect(world, 'node1');
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(self.pid), flags: 0 });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 });
      yield* daemon.reexec();
      yield* c.close();
      yield* world.sleep(1_000_000);
      throw new Error('still alive');
    });
    expect(daemon.table()).toBe('');
    expect(trace.some((l) => /^lockd\.conn-close node1\/virtlockd#1 c1 (\d+) \1 1$/.test(l))).toBe(true);
    expect(trace.some((l) => l.startsWith('proc.crash node1/client#1 SIGTERM'))).toBe(true);
  });

  it('a crash loses the table and the file locks; the restarted daemon starts empty', () => {
    withDaemon(function* ({ world, daemon }) {
      const c = yield* LockdConnection.connect(world, 'node1');
      yield* c.call({ proc: LockdProc.REGISTER, owner: owner(4242), flags: 0 });
      yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: '', name: IMG, flags: 0 });
      const p = daemon.process();
      if (!p) throw new Error('daemon down');
      world.processes.crashProcess(p, 'test');
      daemon.restart();
      yield* world.sleep(1_000);
      expect(daemon.table()).toBe('');
      expect(world.disk('san').lockHolders(IMG)).toEqual([]);
      expect(yield* code(c, { proc: LockdProc.RELEASE_RESOURCE, path: '', name: IMG, flags: 0 })).toBe(
        VirErr.SYSTEM_ERROR,
      );
    });
  });
});
