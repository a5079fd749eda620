/**
 * Runs a body inside one simulated process on one node (file locks belong to processes), and
 * gives it a `virLockSpace` I/O context on that node's disk. The body's assertion errors end the
 * run as an exception outcome, which `runInProcess` rethrows so vitest reports them as they are.
 */
import type { LockSpaceIo } from '../../../src/lockd/lockspace.js';
import type { Proc, ProcessRef } from '../../../src/sim/ports.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

export function lockspaceIo(world: SimWorld, node: string, events?: string[]): LockSpaceIo {
  let fd = 3;
  return {
    storage: { diskFor: () => world.disk(node) },
    keyPrefix: `${node}:`,
    emit: (kind, subject, ...fields) => {
      events?.push([kind, subject, ...fields].join(' '));
      world.emit(kind, subject, ...fields);
    },
    allocFd: () => fd++,
  };
}

export function runInProcess(body: (world: SimWorld, self: ProcessRef) => Proc<void>): SimWorld {
  const world = createWorld({ seed: 1 });
  let failure: unknown = null;
  world.processes.startProcess('node1', 'test', function* (self) {
    try {
      yield* body(world, self);
    } catch (e) {
      failure = e;
    }
  });
  const r = world.run();
  if (failure !== null) throw failure;
  if (r.outcome.kind !== 'completed') throw new Error(`run ended ${r.outcome.kind}`);
  return world;
}

/** Runs `p` and returns the error it threw (fails the test when it threw nothing). */
export function* thrown(p: Proc<unknown>): Proc<unknown> {
  try {
    yield* p;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got none');
}
