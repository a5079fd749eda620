/**
 * Small scenarios that produce everything a report draws: Ganeti jobs (QueuedJob records whose
 * job and opcode statuses the model monitors check and count), instance locks taken one at a time
 * in a generated order (two jobs taking two locks in opposite orders can deadlock), and a job
 * file written to disk at the end.
 *
 * `report-deadlock` deadlocks under some schedules. `report-illegal` has job 1 start its opcode
 * without passing through `waiting`, an illegal opcode-status change (LST) whose failing path
 * the report draws.
 */
import fc from 'fast-check';
import { MODELS } from '../../models/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { modelStatusChecker } from '../../src/check/model-monitor.js';
import { compileTransitions } from '../../src/check/model-table.js';
import { QueuedJob } from '../../src/jqueue/queued-job.js';
import { LockMonitor } from '../../src/locking/lock-monitor.js';
import { SharedLock } from '../../src/locking/shared-lock.js';
import type { Proc } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';

export interface FixtureJob {
  readonly order: readonly number[];
  readonly startUs: number;
  readonly holdUs: number;
}

export interface FixtureParams {
  readonly jobs: readonly FixtureJob[];
}

const INSTANCES = ['inst1', 'inst2', 'inst3'];

function* runJob(world: SimWorld, id: number, spec: FixtureJob, locks: SharedLock[], illegal: boolean): Proc<void> {
  const job = new QueuedJob(id, [{ OP_ID: 'OP_INSTANCE_STARTUP' }], { writable: true, env: world });
  const op = job.ops[0] as (typeof job.ops)[number];
  yield* world.sleep(spec.startUs);
  // The illegal variant's first job skips `waiting`: queued -> running is no opcode transition.
  op.status = illegal ? 'running' : 'waiting';
  const held: SharedLock[] = [];
  try {
    for (const i of spec.order) {
      const lock = locks[i % locks.length] as SharedLock;
      if (held.includes(lock)) continue;
      yield* lock.acquire({ shared: false });
      held.push(lock);
    }
    op.status = 'running';
    yield* world.sleep(spec.holdUs);
    op.status = 'success';
    yield* world.disk('node1').writeFile(`/var/lib/ganeti/queue/job-${id}`, JSON.stringify(job.serialize()));
  } finally {
    for (const l of held.reverse()) l.release();
  }
}

function fixture(id: string, illegal: boolean): Scenario<FixtureParams> {
  const jobArb = fc.record({
    order: fc.shuffledSubarray([0, 1, 2], { minLength: 2, maxLength: 2 }),
    startUs: fc.constantFrom(0, 10),
    holdUs: fc.constantFrom(0, 5, 20),
  });
  return {
    id,
    title: `report fixture (${id})`,
    description: 'jobs taking instance locks one at a time in generated orders',
    seeds: [],
    mutants: [],
    features: [],
    budget: { maxSteps: 5_000, maxTimeUs: 1_000_000 },
    source: import.meta.url,
    params: () => fc.record({ jobs: fc.array(jobArb, { minLength: 2, maxLength: 3 }) }),
    faults: () => fc.constant({}),
    size: ({ params }) => ({ jobs: params.jobs.length, faults: 0 }),
    build(world, { params }) {
      const monitor = new LockMonitor();
      const locks = INSTANCES.map((n) => new SharedLock(world, `instance/${n}`, { monitor }));
      params.jobs.forEach((spec, i) => {
        world.spawn(`worker${i + 1}`, () =>
          runJob(
            world,
            i + 1,
            { ...spec, order: illegal ? [...spec.order].sort() : spec.order },
            locks,
            illegal && i === 0,
          ),
        );
      });
      const checkers = MODELS.filter((m) => m.id === 'job-status' || m.id === 'opcode-status').map((m) =>
        modelStatusChecker(compileTransitions(m.machine), m.traceKind as string),
      );
      return { checkers, waitFor: () => monitor.waitForGraph(), lockMonitor: () => monitor.render() };
    },
  };
}

export const reportDeadlock = fixture('report-deadlock', false);
export const reportIllegal = fixture('report-illegal', true);
export const scenarios = [reportDeadlock, reportIllegal];
