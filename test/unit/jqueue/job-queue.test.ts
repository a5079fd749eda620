/**
 * The job queue end to end under the kernel: real `JobQueue`, `MemoryJobStore`, worker pool and
 * dependency manager, with the fake locking executor of `queue-harness.ts`. Every run is watched
 * by the job and opcode status models (LST).
 */
import { describe, expect, it } from 'vitest';
import { JOB_QUEUE_SIZE_HARD_LIMIT } from '../../../src/jqueue/constants.js';
import { JobQueueDrainError, JobQueueError, JobQueueFull } from '../../../src/jqueue/errors.js';
import { MemoryJobStore } from '../../../src/jqueue/job-store.js';
import type { SubmitJobResult } from '../../../src/jqueue/op-executor.js';
import { QueuedJob, type SerializedJob } from '../../../src/jqueue/queued-job.js';
import { eventsOf } from '../../../src/sim/events.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import { describeOutcome } from '../../../src/sim/outcome.js';
import type { Proc } from '../../../src/sim/ports.js';
import { DiskError } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';
import {
  makeQueue,
  type QueueHarness,
  type QueueHarnessOptions,
  statusCheckers,
  testOp,
  watch,
} from './queue-harness.js';

/** Opens a queue, runs `client` in a thread, runs the simulation to its end. */
function runQueue(
  client: (h: QueueHarness, sim: Kernel) => Proc<void>,
  opts: QueueHarnessOptions & { seed?: number; liveness?: boolean } = {},
) {
  const sim = Simulation.create({ seed: opts.seed ?? 1, strategy: { kind: 'random' } });
  const h = makeQueue(sim, opts);
  const w = watch(sim, statusCheckers({ liveness: opts.liveness }));
  sim.spawn('client', function* () {
    yield* h.queue.open();
    yield* client(h, sim);
  });
  const r = sim.run();
  // An expectation failing inside a simulated thread ends the run with an exception.
  if (r.outcome.kind !== 'quiescent' && r.outcome.kind !== 'completed') throw new Error(describeOutcome(r.outcome));
  return { ...h, sim, result: r, violations: w.finish(r) };
}

function status(h: QueueHarness, id: number): string | undefined {
  return h.queue.peekJob(id)?.calcStatus();
}

describe('JobQueue', () => {
  it('runs submitted multi-opcode jobs to success and writes their final state', () => {
    const ids: number[] = [];
    const r = runQueue(function* ({ queue }) {
      for (let i = 0; i < 3; i++) {
        ids.push(
          yield* queue.submitJob([testOp({ locks: ['a'], feedback: 1, duration_us: 10 }), testOp({ locks: ['b'] })]),
        );
      }
    });
    expect(r.result.outcome.kind).toBe('quiescent');
    expect(r.violations).toEqual([]);
    expect(ids).toEqual([1, 2, 3]);
    for (const id of ids) expect(status(r, id)).toBe('success');
    const written = eventsOf(r.sim.trace.snapshot(), 'jqueue.write').filter((e) => e.subject === 'job/1');
    expect(written.at(-1)?.fields).toEqual(['success', true]);
    // Feedback is written locally only.
    expect(written.some((e) => e.fields[1] === false)).toBe(true);
  });

  it('a failing opcode fails the job and every opcode after it with "Preceding opcode failed"', () => {
    let id = 0;
    const r = runQueue(function* ({ queue }) {
      id = yield* queue.submitJob([testOp({ fail: true }), testOp(), testOp()]);
    });
    expect(r.violations).toEqual([]);
    const job = r.queue.peekJob(id) as QueuedJob;
    expect(job.calcStatus()).toBe('error');
    expect(job.ops.map((o) => o.result)).toEqual([
      ['OpExecError', ['Test opcode failed on request']],
      ['OpExecError', ['Preceding opcode failed']],
      ['OpExecError', ['Preceding opcode failed']],
    ]);
  });

  it('submitManyJobs resolves relative dependencies and runs a chain in order', () => {
    let results: SubmitJobResult[] = [];
    const r = runQueue(function* ({ queue }) {
      results = yield* queue.submitManyJobs([
        [testOp({ duration_us: 500 })],
        [testOp({ depends: [[-1, ['success']]] })],
        [
          testOp({
            depends: [
              [-1, []],
              [-2, ['success']],
            ],
          }),
        ],
        [testOp({ depends: [[-9, []]] })],
      ]);
    });
    expect(r.violations).toEqual([]);
    expect(results).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 'Unable to resolve relative job ID -9'],
    ]);
    expect(r.queue.peekJob(3)?.ops[0]?.input.depends).toEqual([
      [2, []],
      [1, ['success']],
    ]);
    const starts = r.sim.trace
      .snapshot()
      .filter((e) => e.kind === 'jqueue.exec.start')
      .map((e) => e.subject);
    expect(starts).toEqual(['job/1/op/0', 'job/2/op/0', 'job/3/op/0']);
    for (const id of [1, 2, 3]) expect(status(r, id)).toBe('success');
    // Id 4 was allocated although its job was refused: ids are never reused.
    expect(r.queue.lastJobId).toBe(4);
  });

  it('a dependent of a cancelled job is cancelled; a dependent requiring success of a failed job fails', () => {
    const r = runQueue(function* ({ queue, locks }, sim) {
      // Hold a lock so the first jobs wait.
      yield* locks.get('x').acquire();
      yield* queue.submitManyJobs([
        [testOp({ locks: ['x'] })],
        [testOp({ depends: [[-1, ['success']]] })],
        [testOp({ fail: true })],
        [testOp({ depends: [[-1, ['success']]] })],
      ]);
      yield* sim.sleep(100);
      expect(yield* queue.cancelJob(1)).toEqual([true, 'Job 1 will be canceled']);
      locks.get('x').release();
    });
    expect(r.violations).toEqual([]);
    expect([1, 2, 3, 4].map((id) => status(r, id))).toEqual(['canceled', 'canceled', 'error', 'error']);
    expect(r.queue.peekJob(4)?.ops[0]?.result).toEqual([
      'OpExecError',
      ["Dependency job 3 finished with status 'error', not one of 'success' as required"],
    ]);
  });

  it('LU-generated jobs are submitted through the callbacks and reported as [true, id]', () => {
    let parent = 0;
    const r = runQueue(function* ({ queue }) {
      parent = yield* queue.submitJob([testOp({ submit: [[testOp()], [testOp({ priority: 7 })]] })]);
    });
    expect(r.violations).toEqual([]);
    expect(r.queue.peekJob(parent)?.ops[0]?.result).toEqual({
      jobs: [
        [true, 2],
        [false, 'Opcode 0 has invalid priority 7, allowed are 0, 10, -10; opcodes TEST_DELAY'],
      ],
    });
    expect(status(r, 2)).toBe('success');
  });

  it('submission refuses drained, shutting-down and full queues with Ganeti messages', () => {
    const errors: string[] = [];
    const r = runQueue(
      function* ({ queue }) {
        yield* queue.setDrainFlag(true);
        try {
          yield* queue.submitJob([testOp()]);
        } catch (e) {
          expect(e).toBeInstanceOf(JobQueueDrainError);
          errors.push((e as Error).message);
        }
        const id = yield* queue.submitJobToDrainedQueue([testOp()]);
        expect(id).toBe(1);
        yield* queue.setDrainFlag(false);
        yield* queue.prepareShutdown();
        try {
          yield* queue.submitManyJobs([[testOp()]]);
        } catch (e) {
          expect(e).toBeInstanceOf(JobQueueError);
          errors.push((e as Error).message);
        }
      },
      { liveness: false },
    ); // the queue shuts down with job 1 still queued
    expect(errors).toEqual(['Job queue is drained, refusing job', 'Job queue is shutting down, refusing job']);
    expect(r.violations).toEqual([]);
  });

  it(`the queue refuses new jobs once it holds ${JOB_QUEUE_SIZE_HARD_LIMIT} live jobs`, () => {
    const store = seededStore(
      Array.from({ length: JOB_QUEUE_SIZE_HARD_LIMIT }, (_, i) => finishedJob(i + 1)),
      JOB_QUEUE_SIZE_HARD_LIMIT,
    );
    let results: SubmitJobResult[] = [];
    let single: unknown = null;
    runQueue(
      function* ({ queue }) {
        results = yield* queue.submitManyJobs([[testOp()]]);
        try {
          yield* queue.submitJob([testOp()]);
        } catch (e) {
          single = e;
        }
        expect(yield* queue.archiveJob(1)).toBe(true);
        results.push(...(yield* queue.submitManyJobs([[testOp()]])));
      },
      { store },
    );
    expect(results).toEqual([
      [false, '; opcodes TEST_DELAY'],
      [true, JOB_QUEUE_SIZE_HARD_LIMIT + 3],
    ]);
    expect(single).toBeInstanceOf(JobQueueFull);
  });

  it('start-up recovery: queued re-run, waiting back to queued and re-run, running/canceling fail, finalized untouched', () => {
    const store = seededStore(
      [
        storedJob(1, ['queued']),
        storedJob(2, ['success', 'waiting']),
        storedJob(3, ['running', 'queued']),
        storedJob(4, ['canceling']),
        finishedJob(5),
      ],
      5,
    );
    const r = runQueue(function* () {}, { store });
    expect(r.violations).toEqual([]);
    expect([1, 2, 3, 4, 5].map((id) => status(r, id))).toEqual(['success', 'success', 'error', 'error', 'success']);
    expect(r.queue.peekJob(3)?.ops.map((o) => o.result)).toEqual([
      ['OpExecError', ['Unclean master daemon shutdown']],
      ['OpExecError', ['Unclean master daemon shutdown']],
    ]);
    // Job 2's first opcode is not run again.
    const starts = r.sim.trace
      .snapshot()
      .filter((e) => e.kind === 'jqueue.exec.start')
      .map((e) => e.subject);
    expect(starts).toEqual(['job/1/op/0', 'job/2/op/1']);
  });

  it('a job whose file cannot be written is reported failed and never queued; the others of the batch go on', () => {
    const store = new (class extends MemoryJobStore {
      override *writeJob(job: SerializedJob, opts: { readonly replicate: boolean }): Proc<void> {
        if (job.id === 2) throw new DiskError('EIO', '/var/lib/ganeti/queue/job-2');
        yield* super.writeJob(job, opts);
      }
    })();
    let results: SubmitJobResult[] = [];
    const r = runQueue(
      function* ({ queue }) {
        results = yield* queue.submitManyJobs([[testOp()], [testOp()], [testOp({ depends: [[-1, []]] })]]);
      },
      { store },
    );
    expect(results).toEqual([
      [true, 1],
      [false, 'Could not write job file: EIO: /var/lib/ganeti/queue/job-2; opcodes TEST_DELAY'],
      [true, 3],
    ]);
    expect(r.violations).toEqual([]);
    expect(
      r.sim.trace
        .snapshot()
        .filter((e) => e.kind === 'jqueue.submit.failed')
        .map((e) => e.subject),
    ).toEqual(['job/2']);
    // Job 3 depended on the job that was never created: it fails with a dependency error.
    expect(status(r, 1)).toBe('success');
    expect(r.queue.peekJob(2)).toBeNull();
    expect(r.queue.peekJob(3)?.ops[0]?.result).toEqual(['OpExecError', ['Dependency error: Job 2 not found']]);
  });

  it('cancel results: queued job canceled at once, unknown job not found, finished job refused', () => {
    const results: unknown[] = [];
    runQueue(function* ({ queue }) {
      const id = yield* queue.submitJob([testOp()]);
      results.push(yield* queue.cancelJob(id));
      results.push(yield* queue.cancelJob(id));
      results.push(yield* queue.cancelJob(99));
      results.push(yield* queue.changeJobPriority(id, 10));
    });
    expect(results).toEqual([
      [true, 'Job 1 canceled'],
      [false, 'Job 1 is no longer waiting in the queue'],
      [false, 'Job 99 not found'],
      [false, 'Job 1 is finished'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

function storedJob(id: number, statuses: string[]): SerializedJob {
  const job = new QueuedJob(
    id,
    statuses.map(() => testOp()),
    { writable: false, env: { now: () => 1_000_000 } },
  );
  const s = job.serialize();
  s.ops.forEach((o, i) => {
    o.status = statuses[i] as never;
    if (o.status !== 'queued') o.start_timestamp = [1, 0];
  });
  if (statuses.some((st) => st !== 'queued')) s.start_timestamp = [1, 0];
  return s;
}

function finishedJob(id: number): SerializedJob {
  const s = storedJob(id, ['success']);
  s.end_timestamp = [2, 0];
  return s;
}

function seededStore(jobs: SerializedJob[], lastSerial: number): MemoryJobStore {
  const store = new MemoryJobStore();
  const sim = Simulation.create({ seed: 0 });
  sim.spawn('seed', function* () {
    yield* store.writeSerial(lastSerial);
    for (const j of jobs) yield* store.writeJob(j, { replicate: true });
  });
  sim.run();
  return store;
}
