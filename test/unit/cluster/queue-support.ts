/** Helpers for the durable-queue tests: node daemons on a simulated world, a master process, job files. */
import { expect } from 'vitest';
import { nodeDaemonMain } from '../../../src/cluster/noded.js';
import type { OpStatus } from '../../../src/jqueue/constants.js';
import { DiskJobStore, type DiskJobStoreOptions } from '../../../src/jqueue/disk-job-store.js';
import type { SerializedJob } from '../../../src/jqueue/queued-job.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Proc } from '../../../src/sim/ports.js';
import type { TraceRecord } from '../../../src/sim/trace.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

export function makeWorld(seed = 1): SimWorld {
  return createWorld({ seed });
}

export function startNodeDaemons(world: SimWorld, nodes: readonly string[], mutants = MutantSet.none): void {
  for (const node of nodes) {
    world.processes.startProcess(
      node,
      'noded',
      nodeDaemonMain({ runtime: world, net: world.net, disk: world.disk(node), mutants }),
      { daemon: true },
    );
  }
}

export function storeOn(
  world: SimWorld,
  node: string,
  replicas: readonly string[],
  extra: Partial<DiskJobStoreOptions> = {},
): DiskJobStore {
  return new DiskJobStore({ runtime: world, disk: world.disk(node), net: world.net, replicaNodes: replicas, ...extra });
}

/**
 * Runs `body` in a process `masterd` on `node` (after 100 ms, so node daemons are serving) and
 * returns its value; the run must end cleanly.
 */
export function runMaster<T>(world: SimWorld, node: string, body: () => Proc<T>): T {
  let value: T | undefined;
  let done = false;
  world.processes.startProcess(node, 'masterd', function* () {
    yield* world.sleep(100_000);
    value = yield* body();
    done = true;
  });
  const r = world.run();
  if (r.outcome.kind !== 'completed' && r.outcome.kind !== 'quiescent') {
    expect.fail(`run ended with ${JSON.stringify(r.outcome)}`);
  }
  expect(done, 'the master body finished').toBe(true);
  return value as T;
}

export function jobFile(id: number, statuses: readonly OpStatus[] = ['queued']): SerializedJob {
  return {
    id,
    ops: statuses.map((status) => ({
      input: { OP_ID: 'OP_TEST_DELAY' },
      status,
      result: null,
      log: [],
      start_timestamp: null,
      exec_timestamp: null,
      end_timestamp: null,
      priority: 0,
    })),
    start_timestamp: null,
    end_timestamp: null,
    received_timestamp: [1, 0],
  };
}

export function events(world: SimWorld, kind: string): TraceRecord[] {
  return world.kernel.trace.snapshot().filter((r) => r.kind === kind);
}
