/**
 * Properties of the opcode processor and the LU catalogue on the in-memory master (real job
 * queue, lock manager, processor), over random workloads and random or PCT schedules:
 *
 * - DF: no run deadlocks, and every submitted job reaches a final status (no faults injected);
 * - no job fails for a reason other than the cluster state it met (prerequisites, optimistic
 *   locks that went stale, a lock removed while waited for, a preceding opcode): no internal
 *   assertion, no lock-rule violation, no programming error;
 * - LLO: every lock is taken with the BGL held and never below a level the thread already holds;
 * - LU-generated job results have the documented shape `{"jobs": [[true, id] | [false, msg]]}`
 *   and name jobs that exist;
 * - LEAK: when everything is finished no lock is held.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import { JOBS_FINALIZED } from '../../src/jqueue/constants.js';
import type { OpInput } from '../../src/jqueue/opcode.js';
import { LEVEL_NAMES, LEVELS } from '../../src/locking/index.js';
import { isJobIdList } from '../../src/mcpu/ht.js';
import { eventsOf } from '../../src/sim/events.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { TraceRecord } from '../../src/sim/trace.js';
import { strategyArb } from './locking-support.js';

const instance = fc.constantFrom('inst1', 'inst2', 'inst3', 'inst4', 'inst9');
const node = fc.constantFrom('node1', 'node2', 'node3', 'node4', 'node5');
const priority = fc.constantFrom(0, 0, -10, 10);

const opcodeArb: fc.Arbitrary<OpInput> = fc.oneof(
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_STARTUP'), instance_name: instance }),
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_SHUTDOWN'), instance_name: instance }),
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_REBOOT'), instance_name: instance, reboot_type: fc.constant('hard') }),
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_MIGRATE'), instance_name: instance }),
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_FAILOVER'), instance_name: instance }),
  fc.record({ OP_ID: fc.constant('OP_INSTANCE_REMOVE'), instance_name: instance }),
  fc.record({
    OP_ID: fc.constant('OP_INSTANCE_CREATE'),
    instance_name: fc.constantFrom('inst9', 'inst10'),
    disk_template: fc.constantFrom('drbd', 'plain', 'sharedfile'),
    disks: fc.constant([{ size: 512 }]),
    iallocator: fc.constant('hail'),
    opportunistic_locking: fc.boolean(),
  }),
  fc.record({ OP_ID: fc.constant('OP_NODE_EVACUATE'), node_name: node, mode: fc.constant('primary-only') }),
  fc.record({ OP_ID: fc.constant('OP_NODE_ADD'), node_name: fc.constant('node6') }),
  fc.record({ OP_ID: fc.constant('OP_NODE_REMOVE'), node_name: fc.constantFrom('node5', 'node6') }),
  fc.record({
    OP_ID: fc.constant('OP_GROUP_ASSIGN_NODES'),
    group_name: fc.constantFrom('group1', 'group2'),
    nodes: fc.uniqueArray(node, { minLength: 1, maxLength: 2 }),
    force: fc.boolean(),
  }),
  fc.record({
    OP_ID: fc.constant('OP_NETWORK_CONNECT'),
    group_name: fc.constantFrom('group1', 'group2'),
    network_name: fc.constant('net1'),
    network_mode: fc.constant('bridged'),
    network_link: fc.constant('br0'),
  }),
  fc.record({
    OP_ID: fc.constant('OP_QUERY'),
    what: fc.constantFrom('node', 'instance'),
    fields: fc.constant(['name']),
    use_locking: fc.boolean(),
  }),
  fc.record({ OP_ID: fc.constant('OP_CLUSTER_VERIFY') }),
  fc.record({
    OP_ID: fc.constant('OP_TEST_DELAY'),
    duration: fc.integer({ min: 0, max: 5 }),
    on_master: fc.constant(false),
    on_nodes: fc.uniqueArray(node, { maxLength: 2 }),
  }),
);

interface Workload {
  readonly workers: number;
  readonly jobs: { readonly ops: OpInput[]; readonly startUs: number; readonly priority: number }[];
  /** Index of a job to cancel 0.5 s after it was submitted, if any. */
  readonly cancel: number | null;
}

const workloadArb: fc.Arbitrary<Workload> = fc.record({
  workers: fc.integer({ min: 1, max: 6 }),
  jobs: fc.array(
    fc.record({
      ops: fc.array(opcodeArb, { minLength: 1, maxLength: 2 }),
      startUs: fc.integer({ min: 0, max: 20 }).map((n) => n * 100_000),
      priority,
    }),
    { minLength: 1, maxLength: 8 },
  ),
  cancel: fc.option(fc.nat(7), { nil: null }),
});

/** Failures a correct processor may report: the cluster state the opcode met. */
const LEGITIMATE_EXEC_ERRORS =
  /changed (groups )?since locks were acquired|get split by this change|Preceding opcode failed/;

const LEVEL_OF = new Map<string, number>(LEVELS.map((l) => [LEVEL_NAMES[l], l]));

/** LLO from the trace: returns the first violation, or null. */
function levelOrderViolation(records: readonly TraceRecord[]): string | null {
  const held = new Map<number, Map<string, number>>();
  for (const r of records) {
    const level = LEVEL_OF.get(r.subject.split('/')[0] ?? '');
    if (level === undefined) continue;
    let mine = held.get(r.thread);
    if (!mine) held.set(r.thread, (mine = new Map()));
    if (r.kind === 'lock.acquired') {
      const above = [...mine.entries()].filter(([, l]) => l > level);
      if (above.length > 0) return `${r.subject} acquired while holding ${above.map(([n]) => n).join(',')}`;
      if (level > 0 && !mine.has('cluster/BGL')) return `${r.subject} acquired without the BGL`;
      mine.set(r.subject, level);
    } else if (r.kind === 'lock.release' || r.kind === 'lock.delete') {
      mine.delete(r.subject);
    }
  }
  return null;
}

function runWorkload(w: Workload, seed: number, strategy: Parameters<typeof Simulation.create>[0]['strategy']): void {
  const sim = Simulation.create({ seed, strategy, budget: { maxSteps: 400_000 } });
  const cluster = MemoryCluster.create(sim, {
    workers: w.workers,
    shape: { nodes: 5, groups: 2, instances: 4, networks: 1 },
  });
  const records: TraceRecord[] = [];
  sim.trace.observe((r) => {
    if (r.kind.startsWith('lock.') || r.kind === 'mcpu.jobs') records.push(r);
  });
  const ids: number[] = [];
  let clientDone = false;
  const finals: { status: string | null; opstatus: unknown[]; results: unknown[] }[] = [];
  w.jobs.forEach((job, i) => {
    sim.spawn(`client${i}`, function* (): Proc<void> {
      yield* sim.sleep(job.startUs);
      const id = yield* cluster.submitJob(job.ops.map((op) => ({ ...op, priority: job.priority })));
      ids[i] = id;
      if (w.cancel === i) {
        yield* sim.sleep(500_000);
        yield* cluster.cancelJob(id);
      }
    });
  });
  sim.spawn('waiter', function* (): Proc<void> {
    yield* sim.sleep(2_100_000);
    for (const id of ids) {
      const status = yield* cluster.waitForJob(id);
      const row = (yield* cluster.queryJobs([id], ['opstatus', 'opresult']))[0];
      finals.push({ status, opstatus: (row?.[0] as unknown[]) ?? [], results: (row?.[1] as unknown[]) ?? [] });
    }
    // Jobs generated by LUs: every listed id exists and finishes too.
    for (const r of eventsOf(records, 'mcpu.jobs')) {
      for (const entry of JSON.parse(r.fields[0]) as [boolean, number | string][]) {
        if (entry[0]) {
          const status = yield* cluster.waitForJob(entry[1] as number);
          finals.push({ status, opstatus: [], results: [] });
        }
      }
    }
    clientDone = true;
  });
  const result = sim.run();
  expect(result.outcome.kind, JSON.stringify(result.outcome).slice(0, 400)).not.toMatch(
    /deadlock|budget|exception|violation/,
  );
  expect(clientDone).toBe(true);
  for (const f of finals) expect(JOBS_FINALIZED.has(f.status as never), String(f.status)).toBe(true);
  for (const f of finals) {
    for (const [i, res] of f.results.entries()) {
      if (f.opstatus[i] !== 'error') continue;
      const [cls, args] = res as [string, unknown[]];
      // LockError: a named lock removed while the opcode waited for it (Ganeti's behaviour too).
      expect(['OpPrereqError', 'OpExecError', 'LockError'], `${cls}: ${JSON.stringify(args)}`).toContain(cls);
      if (cls === 'OpExecError') expect(String(args[0])).toMatch(LEGITIMATE_EXEC_ERRORS);
    }
  }
  expect(levelOrderViolation(records)).toBeNull();
  for (const r of eventsOf(records, 'mcpu.jobs')) {
    expect(isJobIdList(JSON.parse(r.fields[0]))).toBe(true);
  }
  const held = cluster.monitor.lockInfo(new Set(['mode', 'owner'])).filter((i) => i.owners && i.owners.length > 0);
  expect(held.map((i) => i.name)).toEqual([]);
}

describe('processor and LU catalogue on the in-memory master', () => {
  it('over random workloads and schedules: no deadlock, every job final, only state-caused failures, locks in level order under the BGL, LU-generated results well-formed, nothing held at the end', () => {
    fc.assert(
      fc.property(workloadArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }), strategyArb, (w, seed, strategy) => {
        runWorkload(w, seed, strategy);
      }),
      { numRuns: 60, seed: 4242 },
    );
  });
});
