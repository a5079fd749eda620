/**
 * The rest of the queue's public surface under the kernel: archival (single and automatic),
 * queries, change waits, priority changes of queued and dependency-waiting jobs, refused
 * submissions, and the two-step shutdown that sends a lock-waiting opcode back to queued.
 */
import { describe, expect, it } from 'vitest';
import { GenericError } from '../../../src/jqueue/errors.js';
import type { JobChanges } from '../../../src/jqueue/job-changes.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import { describeOutcome } from '../../../src/sim/outcome.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { makeQueue, type QueueHarness, statusCheckers, testOp, watch } from './queue-harness.js';

function runQueue(
  client: (h: QueueHarness, sim: Kernel) => Proc<void>,
  opts: { workers?: number; liveness?: boolean } = {},
) {
  const sim = Simulation.create({ seed: 3, strategy: { kind: 'random' } });
  const h = makeQueue(sim, { workers: opts.workers ?? 2 });
  const w = watch(sim, statusCheckers({ liveness: opts.liveness }));
  sim.spawn('client', function* () {
    yield* h.queue.open();
    yield* client(h, sim);
  });
  const result = sim.run();
  if (result.outcome.kind !== 'quiescent' && result.outcome.kind !== 'completed') {
    throw new Error(describeOutcome(result.outcome));
  }
  return { ...h, sim, result, violations: w.finish(result) };
}

function* catching(body: Proc<unknown>): Proc<Error | null> {
  try {
    yield* body;
    return null;
  } catch (e) {
    return e as Error;
  }
}

describe('JobQueue API', () => {
  it('archives finished jobs only; archived jobs stay queryable and live queries no longer list them', () => {
    const out: unknown[] = [];
    const r = runQueue(function* ({ queue, locks }, sim) {
      yield* locks.get('x').acquire();
      for (let i = 0; i < 12; i++) yield* queue.submitJob([testOp()]);
      const waiting = yield* queue.submitJob([testOp({ locks: ['x'] })]);
      yield* sim.sleep(100);
      out.push(yield* queue.archiveJob(waiting), yield* queue.archiveJob(999));
      out.push(yield* queue.autoArchiveJobs(3600, 60));
      yield* sim.sleep(3601 * 1_000_000);
      out.push(yield* queue.autoArchiveJobs(3600, 60));
      out.push(queue.size);
      out.push(yield* queue.queryJobs(null, ['id']));
      out.push(yield* queue.queryJobs([1, waiting, 999], ['id', 'status', 'archived']));
      locks.get('x').release();
    });
    expect(r.violations).toEqual([]);
    expect(out).toEqual([
      false,
      false,
      [0, 0],
      [12, 0],
      1,
      [[13]],
      [[1, 'success', true], [13, 'waiting', false], null],
    ]);
  });

  it('a job cancelled while it waits for a dependency stays canceling until the dependency finishes', () => {
    const out: unknown[] = [];
    const r = runQueue(function* ({ queue, locks }, sim) {
      yield* locks.get('x').acquire();
      yield* queue.submitManyJobs([[testOp({ locks: ['x'] })], [testOp({ depends: [[-1, []]] })]]);
      yield* sim.sleep(100);
      out.push(yield* queue.cancelJob(2));
      yield* sim.sleep(100_000);
      out.push(queue.peekJob(2)?.calcStatus());
      locks.get('x').release();
      yield* sim.sleep(100_000);
      out.push(queue.peekJob(1)?.calcStatus(), queue.peekJob(2)?.calcStatus());
    });
    expect(r.violations).toEqual([]);
    expect(out).toEqual([[true, 'Job 2 will be canceled'], 'canceling', 'success', 'canceled']);
  });

  it('waitForJobChanges reports each change and new log entries, "nochange" on timeout, null for an unknown job', () => {
    const seen: string[] = [];
    let logs = 0;
    const results: unknown[] = [];
    const r = runQueue(function* ({ queue }, sim) {
      const id = yield* queue.submitJob([
        testOp({ feedback: 2, duration_us: 300_000 }),
        testOp({ duration_us: 300_000 }),
      ]);
      let info: unknown[] | null = null;
      let serial: number | null = null;
      for (;;) {
        const ch = yield* queue.waitForJobChanges(id, ['status'], info, serial, 10_000_000);
        if (ch === 'nochange' || ch === null) throw new Error(`unexpected ${String(ch)}`);
        const [jobInfo, entries] = ch as JobChanges;
        info = jobInfo;
        seen.push(String(jobInfo[0]));
        logs += entries.length;
        if (entries.length > 0) serial = (entries.at(-1) as unknown[])[0] as number;
        if (jobInfo[0] === 'success') break;
      }
      const t0 = sim.now();
      results.push(yield* queue.waitForJobChanges(id, ['status'], ['success'], serial, 1_000_000));
      results.push(sim.now() - t0);
      results.push(yield* queue.waitForJobChanges(99, ['status'], null, null, 1_000_000));
    });
    expect(r.violations).toEqual([]);
    expect(seen[0]).toBe('queued');
    expect(seen.at(-1)).toBe('success');
    expect(seen).toContain('running');
    expect(logs).toBe(2);
    // A finished job counts as changed at once; a missing one is null.
    expect(results).toEqual([[['success'], []], 0, null]);
    const idle = runQueue(function* ({ queue, locks }, sim) {
      yield* locks.get('x').acquire();
      const id = yield* queue.submitJob([testOp({ locks: ['x'] })]);
      yield* sim.sleep(10);
      const t0 = sim.now();
      results.push(yield* queue.waitForJobChanges(id, ['id'], [id], 1_000, 500_000), sim.now() - t0);
      locks.get('x').release();
    });
    expect(idle.violations).toEqual([]);
    // The job keeps being rewritten (priority escalation), each wake-up re-checks after 0.1 s.
    expect(results[3]).toBe('nochange');
    expect(results[4]).toBeGreaterThanOrEqual(500_000);
    expect(results[4]).toBeLessThanOrEqual(600_000);
  });

  it('traces when a change watch is armed and what ended each of its waits, with the job’s write count', () => {
    const r = runQueue(function* ({ queue }, sim) {
      const id = yield* queue.submitJob([testOp({ duration_us: 1_000_000 })]);
      yield* sim.sleep(50_000);
      yield* queue.waitForJobChanges(id, ['status'], ['running'], null, 400_000);
      yield* queue.waitForJobChanges(id, ['status'], ['running'], null, 10_000_000);
    });
    const watchEvents = r.result.trace
      .snapshot()
      .filter((e) => e.kind.startsWith('jqueue.watch-'))
      .map((e) => [e.kind, e.subject, ...e.fields]);
    // Each call arms its own watch (the job was written 3 times: queued, waiting, running): the
    // first one's wait ends by its timeout, the second one's by the job's final write.
    expect(watchEvents).toEqual([
      ['jqueue.watch-armed', 'job/1', 3],
      ['jqueue.watch-woken', 'job/1', 'timeout', 3],
      ['jqueue.watch-armed', 'job/1', 3],
      ['jqueue.watch-woken', 'job/1', 'change', 4],
    ]);
  });

  it('changeJobPriority re-prioritises a queued job in the pool, ignores a job waiting for a dependency, refuses invalid priorities', () => {
    const out: unknown[] = [];
    runQueue(
      function* ({ queue }, sim) {
        // The only worker is busy with job 1 while the others are queued.
        yield* queue.submitJob([testOp({ duration_us: 5000 })]);
        yield* sim.sleep(10);
        const [[, second], [, dependent]] = (yield* queue.submitManyJobs([
          [testOp({ duration_us: 10 })],
          [testOp({ depends: [[-1, []]] })],
        ])) as [[true, number], [true, number]];
        out.push(yield* queue.changeJobPriority(second, -10));
        out.push(queue.workerPool.pendingTasks().map((t) => [t.taskId, t.priority]));
        out.push((yield* catching(queue.changeJobPriority(second, 5)))?.message);
        out.push(dependent);
      },
      { workers: 1 },
    );
    expect(out).toEqual([
      [true, 'Priorities of pending opcodes for job 2 have been changed to -10'],
      [
        [2, -10],
        [3, 0],
      ],
      'Invalid priority 5, allowed are 0, 10, -10',
      3,
    ]);
  });

  it('submitJob refuses empty jobs, relative dependencies and invalid priorities with Ganeti messages', () => {
    const errs: (Error | null)[] = [];
    runQueue(function* ({ queue }) {
      errs.push(yield* catching(queue.submitJob([])));
      errs.push(yield* catching(queue.submitJob([testOp({ depends: [[-1, []]] })])));
      errs.push(yield* catching(queue.submitJob([testOp(), testOp({ priority: -20 })])));
    });
    for (const e of errs) expect(e).toBeInstanceOf(GenericError);
    expect(errs.map((e) => e?.message)).toEqual([
      'A job needs at least one opcode',
      'Opcode 0 has invalid dependencies, must be a list of lists: [[-1, []]]',
      'Opcode 1 has invalid priority -20, allowed are 0, 10, -10',
    ]);
  });

  it('shutdown: an opcode waiting for locks goes back to queued at its next lock timeout; then the workers stop', () => {
    const out: unknown[] = [];
    const r = runQueue(
      function* ({ queue, locks }, sim) {
        yield* locks.get('x').acquire();
        const id = yield* queue.submitJob([testOp({ locks: ['x'] })]);
        yield* sim.sleep(10);
        out.push(yield* queue.prepareShutdown());
        while (yield* queue.prepareShutdown()) yield* sim.sleep(100);
        out.push(queue.peekJob(id)?.calcStatus(), queue.peekJob(id)?.ops[0]?.startTimestamp !== null);
        out.push((yield* catching(queue.submitJob([testOp()])))?.message);
        yield* queue.shutdown();
        out.push(queue.isOpen(), queue.workerPool.workerCount);
        locks.get('x').release();
      },
      { liveness: false },
    );
    expect(r.result.outcome.kind).toBe('completed');
    expect(r.violations).toEqual([]);
    expect(out).toEqual([true, 'queued', true, 'Job queue is shutting down, refusing job', false, 0]);
  });
});
