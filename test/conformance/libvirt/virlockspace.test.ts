/**
 * libvirt `tests/virlockspacetest.c` (spec §4), case by case, against our `virLockSpace`. As in
 * libvirt, one process and one owner (`geteuid()` there, a fixed PID here) exercise the
 * in-memory semantics; the files live on the simulated disk of the node.
 */
import { describe, expect, it } from 'vitest';
import { LOCKSPACE_ACQUIRE_AUTOCREATE, LOCKSPACE_ACQUIRE_SHARED, VirErr } from '../../../src/lockd/constants.js';
import { VirError } from '../../../src/lockd/errors.js';
import { LockSpace } from '../../../src/lockd/lockspace.js';
import { lockspaceIo, runInProcess, thrown } from './harness.js';

const DIR = '/var/lib/libvirt/lockd/test';
const OWNER = 1000;

function busy(e: unknown, what: string): void {
  expect(e).toBeInstanceOf(VirError);
  expect((e as VirError).code).toBe(VirErr.RESOURCE_BUSY);
  expect((e as VirError).message).toBe(what);
}

describe('virlockspacetest', () => {
  it('virlockspacetest "Lockspace creation": a lockspace directory can be made, and not over a file', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      expect(ls.dir).toBe(DIR);
      expect(yield* disk.list(DIR)).toEqual([]);
      yield* disk.writeFile('/var/lib/libvirt/lockd/file', '');
      const e = yield* thrown(LockSpace.create(lockspaceIo(world, 'node1'), '/var/lib/libvirt/lockd/file'));
      expect((e as VirError).code).toBe(VirErr.INTERNAL_ERROR);
    });
  });

  it('virlockspacetest "Lockspace res lifecycle": CreateResource makes the file, DeleteResource removes it', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      yield* ls.createResource('foo');
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(true);
      yield* ls.deleteResource('foo');
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(false);
    });
  });

  it('virlockspacetest "Lockspace res lock excl": no re-entrancy, no delete while held, release then delete', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      yield* ls.createResource('foo');
      yield* ls.acquireResource('foo', OWNER, 0);
      busy(yield* thrown(ls.acquireResource('foo', OWNER, 0)), "Lockspace resource 'foo' is locked");
      busy(yield* thrown(ls.deleteResource('foo')), "Lockspace resource 'foo' is locked");
      yield* ls.releaseResource('foo', OWNER);
      yield* ls.deleteResource('foo');
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(false);
    });
  });

  it('virlockspacetest "Lockspace res lock shr": sharers stack (same owner twice), exclusive refused, last release frees', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      yield* ls.createResource('foo');
      yield* ls.acquireResource('foo', OWNER, LOCKSPACE_ACQUIRE_SHARED);
      busy(yield* thrown(ls.acquireResource('foo', OWNER, 0)), "Lockspace resource 'foo' is locked");
      yield* ls.acquireResource('foo', OWNER, LOCKSPACE_ACQUIRE_SHARED);
      expect(ls.owners('foo')).toEqual([OWNER, OWNER]);
      busy(yield* thrown(ls.deleteResource('foo')), "Lockspace resource 'foo' is locked");
      yield* ls.releaseResource('foo', OWNER);
      busy(yield* thrown(ls.deleteResource('foo')), "Lockspace resource 'foo' is locked");
      yield* ls.releaseResource('foo', OWNER);
      yield* ls.deleteResource('foo');
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(false);
    });
  });

  it('virlockspacetest "Lockspace res lock excl auto": an autocreated exclusive resource is unlinked at release', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      yield* ls.acquireResource('foo', OWNER, LOCKSPACE_ACQUIRE_AUTOCREATE);
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(true);
      yield* ls.releaseResource('foo', OWNER);
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(false);
    });
  });

  it('virlockspacetest "Lockspace res lock shr auto": the file stays until the last sharer releases', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), DIR);
      const shr = LOCKSPACE_ACQUIRE_SHARED | LOCKSPACE_ACQUIRE_AUTOCREATE;
      yield* ls.acquireResource('foo', OWNER, shr);
      busy(
        yield* thrown(ls.acquireResource('foo', OWNER, LOCKSPACE_ACQUIRE_AUTOCREATE)),
        "Lockspace resource 'foo' is locked",
      );
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(true);
      yield* ls.acquireResource('foo', OWNER, shr);
      yield* ls.releaseResource('foo', OWNER);
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(true);
      yield* ls.releaseResource('foo', OWNER);
      expect(yield* disk.exists(`${DIR}/foo`)).toBe(false);
    });
  });

  it('virlockspacetest "Lockspace res full path": the default lockspace names resources by absolute path', () => {
    runInProcess(function* (world) {
      const disk = world.disk('node1');
      const ls = yield* LockSpace.create(lockspaceIo(world, 'node1'), null);
      const path = `${DIR}/foo`;
      yield* ls.createResource(path);
      yield* ls.acquireResource(path, OWNER, 0);
      busy(yield* thrown(ls.acquireResource(path, OWNER, 0)), `Lockspace resource '${path}' is locked`);
      expect(yield* disk.exists(path)).toBe(true);
      busy(yield* thrown(ls.deleteResource(path)), `Lockspace resource '${path}' is locked`);
      yield* ls.releaseResource(path, OWNER);
      yield* ls.deleteResource(path);
      expect(yield* disk.exists(path)).toBe(false);
    });
  });
});
