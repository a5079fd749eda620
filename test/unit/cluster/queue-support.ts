/** Helpers for the durable-queue tests: node daemons on a simulated world, a master process, job files. */
import { expect } from 'vitest';
import { CLIENT_START_US } from '../../../scenarios/durability/faults.js';
import {
  buildQueueDurability,
  type QueueDurabilityParams,
  scenario as queueDurability,
} from '../../../scenarios/queue-durability.js';
import type { CheckContext, Checker } from '../../../scenarios/scenario.js';
import { type Finding, findingOf } from '../../../src/check/finding.js';
import { genericCheckers } from '../../../src/check/generic.js';
import type { DurableCluster } from '../../../src/cluster/durable-cluster.js';
import { nodeDaemonMain } from '../../../src/cluster/noded.js';
import type { OpStatus } from '../../../src/jqueue/constants.js';
import { DiskJobStore, type DiskJobStoreOptions } from '../../../src/jqueue/disk-job-store.js';
import type { SerializedJob } from '../../../src/jqueue/queued-job.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { type EventRecord, eventsOf } from '../../../src/sim/events.js';
import type { FaultPlan, FaultTime } from '../../../src/sim/faults.js';
import type { RunResult } from '../../../src/sim/kernel.js';
import type { Proc, TraceKind } from '../../../src/sim/ports.js';
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

export function events<K extends TraceKind>(world: SimWorld, kind: K): EventRecord<K>[] {
  return eventsOf(world.kernel.trace.snapshot(), kind);
}

// ---------------------------------------------------------------------------------------------
// Whole durability runs (the queue-durability scenario's world), with extra faults at steps.

/** A fault time `us` after the clients started, as the scenario's grid counts. */
export function afterStart(us: number): FaultTime {
  return { timeUs: CLIENT_START_US + us };
}

export interface DurabilityRunOptions {
  readonly params: QueueDurabilityParams;
  /** The fault plan (the scenario's vocabulary). */
  readonly faults?: FaultPlan;
  readonly mutants?: MutantSet;
  readonly seed?: number;
  /** Also run the checkers every search runs (lifecycle models, lock invariants); default true. */
  readonly genericCheckers?: boolean;
  /** `mcpu`: opcodes run through the real processor and lock manager. */
  readonly processor?: 'delay' | 'mcpu';
  /** Called with the built world before it runs, e.g. to schedule a crash at a step. */
  readonly arm?: (world: SimWorld, cluster: DurableCluster) => void;
}

export interface DurabilityRun {
  readonly world: SimWorld;
  readonly result: RunResult;
  readonly finding: Finding | null;
  readonly cluster: DurableCluster;
}

/** Runs one durability world with every checker a search would use; returns the finding, if any. */
export function runDurability(opts: DurabilityRunOptions): DurabilityRun {
  const world = createWorld({
    seed: opts.seed ?? 1,
    budget: queueDurability.budget,
    trace: 'full',
    strategy: { kind: 'random' },
  });
  const checkers: Checker[] = opts.genericCheckers === false ? [] : genericCheckers();
  const ctx: CheckContext = {
    now: () => world.now(),
    violation: (property, message, objects = []) => world.violation(property, message, objects),
  };
  world.kernel.trace.observe((r) => {
    for (const c of checkers) c.onEvent?.(r, ctx);
  });
  const { cluster, instance } = buildQueueDurability(world, opts.params, opts.mutants ?? MutantSet.none, {
    processor: opts.processor,
    faults: opts.faults,
  });
  checkers.push(...(instance.checkers ?? []));
  if (instance.livenessFromUs !== undefined) {
    world.kernel.atTime(instance.livenessFromUs, () => {
      world.calm();
      instance.onLiveness?.();
    });
  }
  opts.arm?.(world, cluster);
  const result = world.run();
  for (const c of checkers) c.atEnd?.(result, ctx);
  return { world, result, finding: findingOf(result, undefined), cluster };
}

/** Subjects of the trace events of `kind`, in order. */
export function subjects(world: SimWorld, kind: TraceKind): string[] {
  return events(world, kind).map((r) => r.subject);
}
