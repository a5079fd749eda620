/**
 * The lock-timeout escalation workload (spec §5.6, issue 4's acceptance): on a fresh in-memory
 * master, a job holds node1's lock for 12 hours (`OP_TEST_DELAY` on node1) and a second job,
 * submitted a second later, wants the same lock. The second job goes through 130 timed attempts
 * per priority, one priority step per exhausted schedule, down to -20, and then acquires
 * blocking. Shared by its acceptance test and `npm run bench -- queue`.
 */
import { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import type { JobStatus } from '../../src/jqueue/constants.js';
import { type EventRecord, isEvent } from '../../src/sim/events.js';
import type { Kernel } from '../../src/sim/kernel.js';
import type { Proc } from '../../src/sim/ports.js';

export const ESCALATION_HOLD_HOURS = 12;

export interface EscalationRun {
  /** Every `lock.acquire` of node1's lock: the holder's one, then the waiter's attempts. */
  readonly acquires: readonly EventRecord<'lock.acquire'>[];
  /** Virtual time the waiter got the lock, -1 if it never did. */
  readonly acquiredAtUs: number;
  readonly holder: JobStatus | null;
  readonly waiter: JobStatus | null;
  /** The waiter's `oppriority` at the end. */
  readonly finalPriority: unknown;
}

/** Sets the workload up in `sim`; the result is complete once `sim.run()` returned. */
export function startEscalation(sim: Kernel): EscalationRun {
  const cluster = MemoryCluster.create(sim, { workers: 2 });
  const out = {
    acquires: [] as EventRecord<'lock.acquire'>[],
    acquiredAtUs: -1,
    holder: null as JobStatus | null,
    waiter: null as JobStatus | null,
    finalPriority: null as unknown,
  };
  sim.trace.observe((r) => {
    if (r.subject !== 'node/node1') return;
    if (isEvent(r, 'lock.acquire')) out.acquires.push(r);
    if (isEvent(r, 'lock.acquired') && out.acquires.length > 1) out.acquiredAtUs = r.time;
  });
  const delayOnNode1 = (duration: number) => ({
    OP_ID: 'OP_TEST_DELAY',
    duration,
    on_master: false,
    on_nodes: ['node1'],
  });
  sim.spawn('client', function* (): Proc<void> {
    const holder = yield* cluster.submitOpcode(delayOnNode1(ESCALATION_HOLD_HOURS * 3600));
    yield* sim.sleep(1_000_000);
    const waiter = yield* cluster.submitOpcode(delayOnNode1(1));
    out.waiter = yield* cluster.waitForJob(waiter);
    out.holder = yield* cluster.waitForJob(holder);
    out.finalPriority = (yield* cluster.queryJobs([waiter], ['oppriority']))[0]?.[0];
  });
  return out;
}
