/**
 * Ganeti `test/py/ganeti.jqueue_unittest.py` (v2.10.8): TestJobProcessor (19 methods),
 * TestEvaluateJobProcessorResult (4), TestJobProcessorTimeouts (1) and
 * TestJobProcessorChangePriority (1); spec §9.2, §5.5–5.8, §6.3.
 *
 * Re-told: the processor is simulated-thread code, so each test body runs as the only thread of a
 * simulation and the processor is driven with `yield*`; Ganeti's fakes are in
 * `processor-fakes.ts`. Python's `IndexError` from an empty fake list is a `RangeError` here.
 * Every run also feeds the job's status events to the job and opcode status models (LST).
 */
import { describe, expect, it } from 'vitest';
import { jobStatusMachine, opcodeStatusMachine } from '../../../models/index.js';
import { ModelMonitor } from '../../../src/check/model-monitor.js';
import { compileTransitions } from '../../../src/check/model-table.js';
import { ELOG_JQUEUE_TEST, ELOG_MESSAGE, OP_PRIO_DEFAULT, OP_PRIO_HIGHEST } from '../../../src/jqueue/constants.js';
import { DEP_CANCEL, DEP_CONTINUE, DEP_WAIT, DEP_WRONGSTATUS } from '../../../src/jqueue/dependency-manager.js';
import {
  AssertionError,
  LockAcquireTimeout,
  maybeRaise,
  OpExecError,
  ProgrammerError,
} from '../../../src/jqueue/errors.js';
import { feedbackArgs } from '../../../src/jqueue/job-log.js';
import {
  type ExecOpCodeFn,
  evaluateJobProcessorResult,
  JobProcessor,
  PROCESSOR_DEFER,
  PROCESSOR_FINISHED,
  PROCESSOR_WAITDEP,
} from '../../../src/jqueue/job-processor.js';
import type { TimeoutStrategyFactory } from '../../../src/jqueue/op-exec-context.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import { QueuedJob } from '../../../src/jqueue/queued-job.js';
import { DeferTask } from '../../../src/jqueue/worker-pool.js';
import { lockAttemptTimeoutStrategyFactory } from '../../../src/mcpu/lock-timeout.js';
import { isEvent } from '../../../src/sim/events.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';
import {
  createJob,
  dummyOp,
  FakeDependencyManager,
  FakeQueueForProc,
  FakeTimeoutStrategy,
  fakeExecOpCode,
} from './processor-fakes.js';

const jobTable = compileTransitions(jobStatusMachine);
const opTable = compileTransitions(opcodeStatusMachine);

/** Runs `body` as the only thread of a simulation; fails on any outcome but completion or an illegal status change. */
function run(body: (sim: Kernel) => Proc<void>, opts: { checkModels?: boolean } = {}): void {
  const sim = Simulation.create({ seed: 1, strategy: { kind: 'fifo' } });
  const monitors = { job: new ModelMonitor(jobTable), op: new ModelMonitor(opTable) };
  sim.trace.observe((r) => {
    if (isEvent(r, 'job.status')) monitors.job.observe(r.subject, ...r.fields);
    else if (isEvent(r, 'opcode.status')) monitors.op.observe(r.subject, ...r.fields);
  });
  sim.spawn('test', () => body(sim));
  const r = sim.run();
  if (r.outcome.kind === 'exception')
    throw new Error(`${r.outcome.errorName}: ${r.outcome.message}\n${r.outcome.stack}`);
  expect(r.outcome.kind).toBe('completed');
  if (opts.checkModels ?? true) {
    expect([...monitors.job.violations(), ...monitors.op.violations()].map((v) => v.message)).toEqual([]);
  }
}

function* proc(
  sim: Kernel,
  queue: FakeQueueForProc,
  opexec: ExecOpCodeFn,
  job: QueuedJob,
  opts: { tsf?: TimeoutStrategyFactory; nextOpFn?: () => void } = {},
): Proc<number> {
  const tsf = opts.tsf ?? lockAttemptTimeoutStrategyFactory(sim.rng('jitter'));
  return yield* new JobProcessor(queue, opexec, job, tsf).run(opts.nextOpFn);
}

function noUpdate(queue: FakeQueueForProc): void {
  expect(() => queue.nextUpdate()).toThrow(RangeError);
}

function expectUpdate(queue: FakeQueueForProc, job: QueuedJob, replicate = true): void {
  const [j, r] = queue.nextUpdate();
  expect(j).toBe(job);
  expect(r).toBe(replicate);
}

/** `_GenericCheckJob`. */
function genericCheckJob(job: QueuedJob): void {
  expect(job.startTimestamp).not.toBeNull();
  expect(job.endTimestamp).not.toBeNull();
  expect(job.startTimestamp).toBe(job.ops[0]?.startTimestamp);
  expect(job.getInfo(['opstart', 'opexec', 'opend'])).toEqual([
    job.ops.map((o) =>
      o.startTimestamp === null ? null : [Math.floor(o.startTimestamp / 1e6), o.startTimestamp % 1e6],
    ),
    job.ops.map((o) => (o.execTimestamp === null ? null : [Math.floor(o.execTimestamp / 1e6), o.execTimestamp % 1e6])),
    job.ops.map((o) => (o.endTimestamp === null ? null : [Math.floor(o.endTimestamp / 1e6), o.endTimestamp % 1e6])),
  ]);
}

/** The job ended canceled, every opcode canceled with Ganeti's "Job canceled by request". */
function expectCanceledByRequest(job: QueuedJob): void {
  expect(job.getInfo(['status'])).toEqual(['canceled']);
  expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
    job.ops.map(() => 'canceled'),
    job.ops.map(() => 'Job canceled by request'),
  ]);
}

function dummies(n: number, extra: (i: number) => Partial<OpInput> = () => ({})): OpInput[] {
  return Array.from({ length: n }, (_, i) => dummyOp({ result: `Res${i}`, fail: false, ...extra(i) }));
}

/** Checks that the opcode callbacks cannot cancel a running job (`_AfterStart` in several tests). */
// biome-ignore lint/correctness/useYield: an `_AfterStart` hook; it only checks
function* expectRunningNotCancelable(queue: FakeQueueForProc, job: QueuedJob): Proc<void> {
  expectUpdate(queue, job);
  noUpdate(queue);
  expect(queue.isAcquired()).toBe(false);
  expect(job.calcStatus()).toBe('running');
  expect(job.curOpCtx).toBeNull();
  expect(job.cancel()[0]).toBe(false);
}

describe('TestJobProcessor', () => {
  it('TestJobProcessor.testSuccess: every opcode is one run (DEFER, job queued between), three writes each', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      for (const [jobId, opcount] of [
        [25351, 1],
        [6637, 3],
        [24644, 10],
        [32207, 100],
      ] as const) {
        const ops = dummies(opcount);
        const job = createJob(sim, jobId, ops);
        const before = () => {
          expectUpdate(queue, job);
          noUpdate(queue);
          expect(queue.isAcquired()).toBe(false);
          expect(job.calcStatus()).toBe('waiting');
          expect(job.curOpCtx).toBeNull();
        };
        const opexec = fakeExecOpCode(queue, before, () => expectRunningNotCancelable(queue, job));
        for (let idx = 0; idx < ops.length; idx++) {
          noUpdate(queue);
          const result = yield* proc(sim, queue, opexec, job);
          expectUpdate(queue, job);
          noUpdate(queue);
          if (idx === ops.length - 1) {
            expect(result).toBe(PROCESSOR_FINISHED);
          } else {
            expect(result).toBe(PROCESSOR_DEFER);
            expect(job.calcStatus()).toBe('queued');
            expect(job.startTimestamp).not.toBeNull();
            expect(job.endTimestamp).toBeNull();
          }
          yield* sim.sleep(1);
        }
        noUpdate(queue);
        expect(job.calcStatus()).toBe('success');
        expect(job.getInfo(['status'])).toEqual(['success']);
        expect(job.getInfo(['opresult'])).toEqual([ops.map((o) => o.result)]);
        expect(job.getInfo(['opstatus'])).toEqual([ops.map(() => 'success')]);
        genericCheckJob(job);
        // Calling the processor on a finished job is a no-op.
        expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
        noUpdate(queue);
      }
    });
  });

  it('TestJobProcessor.testOpcodeError: the first failing opcode ends the job; later opcodes error', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      for (const [jobId, opcount, failfrom, failto] of [
        [17077, 1, 0, 0],
        [1782, 5, 2, 2],
        [18179, 10, 9, 9],
        [4744, 10, 3, 8],
        [23816, 100, 39, 45],
      ] as const) {
        const ops = dummies(opcount, (i) => ({ fail: failfrom <= i && i <= failto }));
        const job = createJob(sim, jobId, ops);
        const opexec = fakeExecOpCode(queue, null, null);
        for (let idx = 0; idx < ops.length; idx++) {
          noUpdate(queue);
          const result = yield* proc(sim, queue, opexec, job);
          // queued -> waiting, waiting -> running, opcode result
          for (let i = 0; i < 3; i++) expectUpdate(queue, job);
          noUpdate(queue);
          if (idx === failfrom || idx === ops.length - 1) {
            expect(result).toBe(PROCESSOR_FINISHED);
            break;
          }
          expect(result).toBe(PROCESSOR_DEFER);
          expect(job.calcStatus()).toBe('queued');
        }
        noUpdate(queue);
        expect(job.calcStatus()).toBe('error');
        expect(job.getInfo(['id', 'status'])).toEqual([jobId, 'error']);
        const [opstatus, opresult] = job.getInfo(['opstatus', 'opresult']) as [string[], unknown[]];
        job.ops.forEach((op, idx) => {
          if (idx < failfrom) {
            expect(opstatus[idx]).toBe('success');
            expect(opresult[idx]).toBe(op.input.result);
          } else {
            expect(opstatus[idx]).toBe('error');
            expect(() => maybeRaise(opresult[idx])).toThrow(OpExecError);
          }
        });
        expect(job.ops.slice(0, failfrom).every((o) => o.startTimestamp !== null && o.endTimestamp !== null)).toBe(
          true,
        );
        genericCheckJob(job);
        expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
        noUpdate(queue);
      }
    });
  });

  it('TestJobProcessor.testCancelWhileInQueue: a queued job is canceled at once; the processor changes and writes nothing', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 17045, dummies(5));
      expect(job.calcStatus()).toBe('queued');
      expect(job.cancel()[0]).toBe(true);
      noUpdate(queue);
      expect(job.startTimestamp).toBeNull();
      expect(job.endTimestamp).not.toBeNull();
      expect(job.ops.every((o) => o.status === 'canceled')).toBe(true);
      const beforeProc = job.serialize();
      const opexec = fakeExecOpCode(queue, null, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expectCanceledByRequest(job);
      expect(job.startTimestamp).toBeNull();
      expect(job.ops.some((o) => o.startTimestamp !== null || o.endTimestamp !== null)).toBe(false);
      expect(job.serialize()).toEqual(beforeProc);
      noUpdate(queue);
    });
  });

  it('TestJobProcessor.testCancelWhileWaitlockInQueue: a waiting job marked canceling is canceled without running', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 8645, dummies(5));
      (job.ops[0] as QueuedJob['ops'][number]).status = 'waiting';
      expect(job.calcStatus()).toBe('waiting');
      expect(job.cancel()[0]).toBe(true);
      noUpdate(queue);
      expect(job.ops.every((o) => o.status === 'canceling')).toBe(true);
      const opexec = fakeExecOpCode(queue, null, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expectUpdate(queue, job);
      noUpdate(queue);
      expectCanceledByRequest(job);
      expect(job.startTimestamp).toBeNull();
      expect(job.endTimestamp).not.toBeNull();
      expect(job.ops.some((o) => o.startTimestamp !== null || o.endTimestamp !== null)).toBe(false);
    });
  });

  it('TestJobProcessor.testCancelWhileWaitlock: a cancel during the lock wait makes NotifyStart raise CancelJob', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 11009, dummies(5));
      const before = () => {
        expectUpdate(queue, job);
        noUpdate(queue);
        expect(queue.isAcquired()).toBe(false);
        expect(job.calcStatus()).toBe('waiting');
        expect(job.cancel()[0]).toBe(true);
        expect(job.ops.every((o) => o.status === 'canceling')).toBe(true);
        noUpdate(queue);
      };
      // biome-ignore lint/correctness/useYield: must not be reached
      const after = function* (): Proc<void> {
        throw new Error('Should not reach this');
      };
      const opexec = fakeExecOpCode(queue, before, after);
      noUpdate(queue);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expectUpdate(queue, job);
      noUpdate(queue);
      expectCanceledByRequest(job);
      expect(job.startTimestamp).not.toBeNull();
      expect(job.endTimestamp).not.toBeNull();
      expect(job.ops.every((o) => o.startTimestamp !== null && o.endTimestamp !== null)).toBe(false);
    });
  });

  it('TestJobProcessor.testCancelWhileWaitlockWithTimeout: a cancel plus a lock timeout ends canceled', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 24314, dummies(5));
      const before = () => {
        expect(queue.isAcquired()).toBe(false);
        expect(job.calcStatus()).toBe('waiting');
        expect(job.cancel()[0]).toBe(true);
        expect(job.ops.every((o) => o.status === 'canceling')).toBe(true);
        // Fake an acquire attempt timing out.
        throw new LockAcquireTimeout();
      };
      const opexec = fakeExecOpCode(queue, before, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expectCanceledByRequest(job);
      expect(job.startTimestamp).not.toBeNull();
      expect(job.endTimestamp).not.toBeNull();
    });
  });

  it('TestJobProcessor.testCancelDuringQueueShutdown: a cancel beats the queue shutdown', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 17696, dummies(5));
      const before = () => {
        expect(job.calcStatus()).toBe('waiting');
        expect(job.cancel()[0]).toBe(true);
        expect(job.ops.every((o) => o.status === 'canceling')).toBe(true);
        queue.stopAcceptingJobs();
      };
      const opexec = fakeExecOpCode(queue, before, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expectCanceledByRequest(job);
    });
  });

  it('TestJobProcessor.testCancelWhileRunning: a cancel between opcodes cancels the remaining ones', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 28492, dummies(3));
      const opexec = fakeExecOpCode(
        queue,
        () => expect(job.calcStatus()).toBe('waiting'),
        // biome-ignore lint/correctness/useYield: a plain check
        function* () {
          expect(job.calcStatus()).toBe('running');
        },
      );
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(job.calcStatus()).toBe('queued');
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['success', 'queued', 'queued'],
        ['Res0', null, null],
      ]);
      expect(job.cancel()[0]).toBe(true);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expect(job.getInfo(['id', 'status'])).toEqual([28492, 'canceled']);
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['success', 'canceled', 'canceled'],
        ['Res0', 'Job canceled by request', 'Job canceled by request'],
      ]);
    });
  });

  it('TestJobProcessor.testQueueShutdownWhileRunning: the running opcode finishes; the next one goes back to queued', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 2718211587, dummies(3));
      let stopDuringRun = false;
      const opexec = fakeExecOpCode(
        queue,
        () => expect(job.calcStatus()).toBe('waiting'),
        // biome-ignore lint/correctness/useYield: a plain check
        function* () {
          expect(job.calcStatus()).toBe('running');
          if (stopDuringRun) queue.stopAcceptingJobs();
        },
      );
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['success', 'queued', 'queued'],
        ['Res0', null, null],
      ]);
      expect(job.curOpCtx).toBeNull();
      // Writes for waiting, running and the result.
      for (let i = 0; i < 3; i++) expectUpdate(queue, job);
      // The queue shuts down while the second opcode runs: it still finishes.
      stopDuringRun = true;
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['success', 'success', 'queued'],
        ['Res0', 'Res1', null],
      ]);
      for (let i = 0; i < 3; i++) expectUpdate(queue, job);
      noUpdate(queue);
      // The third opcode is refused at its first callback and returns to queued.
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(job.calcStatus()).toBe('queued');
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['success', 'success', 'queued'],
        ['Res0', 'Res1', null],
      ]);
      expect(job.curOpCtx).toBeNull();
      // Its start timestamp is kept; only the waiting transition was written.
      expect(job.ops[2]?.startTimestamp).not.toBeNull();
      expect(job.ops[2]?.endTimestamp).toBeNull();
      expectUpdate(queue, job);
      noUpdate(queue);
    });
  });

  it('TestJobProcessor.testQueueShutdownWithLockTimeout: a lock timeout while shutting down returns the opcode to queued', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 1304231178, dummies(3));
      const before = () => {
        expect(job.calcStatus()).toBe('waiting');
        queue.stopAcceptingJobs();
        throw new LockAcquireTimeout();
      };
      const opexec = fakeExecOpCode(queue, before, null);
      noUpdate(queue);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expectUpdate(queue, job);
      noUpdate(queue);
      expect(job.calcStatus()).toBe('queued');
      expect(job.getInfo(['opstatus', 'opresult'])).toEqual([
        ['queued', 'queued', 'queued'],
        [null, null, null],
      ]);
      expect(job.curOpCtx).toBeNull();
      expect(job.startTimestamp).not.toBeNull();
      expect(job.ops[0]?.startTimestamp).not.toBeNull();
      expect(job.endTimestamp).toBeNull();
    });
  });

  it('TestJobProcessor.testQueueShutdownWhileInQueue: a queued job picked during shutdown returns to queued', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 2031, dummies(5));
      queue.stopAcceptingJobs();
      const opexec = fakeExecOpCode(queue, null, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expectUpdate(queue, job);
      noUpdate(queue);
      expect(job.calcStatus()).toBe('queued');
      expect(job.getInfo(['opstatus'])).toEqual([job.ops.map(() => 'queued')]);
      expect(job.startTimestamp).not.toBeNull();
      expect(job.endTimestamp).toBeNull();
      expect(job.ops[0]?.startTimestamp).not.toBeNull();
      expect(job.curOpCtx).toBeNull();
    });
  });

  it('TestJobProcessor.testQueueShutdownWhileWaitlockInQueue: a waiting job picked during shutdown returns to queued', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const job = createJob(sim, 53, dummies(5));
      (job.ops[0] as QueuedJob['ops'][number]).status = 'waiting';
      expect(job.calcStatus()).toBe('waiting');
      queue.stopAcceptingJobs();
      const opexec = fakeExecOpCode(queue, null, null);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      // The start timestamps were set by this run: one write.
      expectUpdate(queue, job);
      noUpdate(queue);
      expect(job.calcStatus()).toBe('queued');
      expect(job.getInfo(['opstatus'])).toEqual([job.ops.map(() => 'queued')]);
      expect(job.startTimestamp).not.toBeNull();
      expect(job.ops[0]?.startTimestamp).not.toBeNull();
    });
  });

  it('TestJobProcessor.testPartiallyRun: after a restart the processor resumes at the first unfinished opcode', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const opexec = fakeExecOpCode(queue, null, null);
      for (const [jobId, successcount] of [
        [30697, 1],
        [2552, 4],
        [12489, 9],
      ] as const) {
        const job = createJob(sim, jobId, dummies(10));
        for (let i = 0; i < successcount; i++) expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
        expect(job.getInfo(['opstatus'])).toEqual([job.ops.map((_, i) => (i < successcount ? 'success' : 'queued'))]);
        expect(job.opsIter).not.toBeNull();
        // Serialize and restore (a program restart).
        const newjob = QueuedJob.restore(job.serialize(), {
          writable: true,
          env: { now: () => sim.now(), emit: (k, s, ...f) => sim.emit(k, s, ...f) },
        });
        expect(newjob.opsIter).toBeNull();
        yield* testPartial(sim, newjob, successcount);
      }
    });
  });

  it('TestJobProcessor.testProcessorOnRunningJob: an opcode already running is a ProgrammerError', () => {
    run(
      function* (sim) {
        const queue = new FakeQueueForProc(sim);
        const opexec = fakeExecOpCode(queue, null, null);
        const job = createJob(sim, 9571, [dummyOp({ result: 'result', fail: false })]);
        (job.ops[0] as QueuedJob['ops'][number]).status = 'running';
        expect(job.calcStatus()).toBe('running');
        let err: unknown = null;
        try {
          yield* proc(sim, queue, opexec, job);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ProgrammerError);
        expect((err as Error).message).toBe('Called for job marked as running');
        expect(queue.isAcquired()).toBe(false);
      },
      // The test forces queued -> running, which the model rightly refuses.
      { checkModels: false },
    );
  });

  it('TestJobProcessor.testLogMessages: Feedback in both forms, increasing serials, unreplicated writes', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const messages: Record<number, [string | null, unknown][]> = {
        1: [
          [null, 'Hello'],
          [null, 'World'],
          [ELOG_MESSAGE, 'there'],
        ],
        4: [
          [ELOG_JQUEUE_TEST, [1, 2, 3]],
          [ELOG_JQUEUE_TEST, ['other', 'type']],
        ],
      };
      const ops = Array.from({ length: 5 }, (_, i) =>
        dummyOp({ result: `Logtest${i}`, fail: false, messages: messages[i] ?? [] }),
      );
      const job = createJob(sim, 29386, ops);
      const before = () => {
        expectUpdate(queue, job);
        noUpdate(queue);
        expect(job.calcStatus()).toBe('waiting');
      };
      const after = function* (op: OpInput, cbs: Parameters<NonNullable<Parameters<typeof fakeExecOpCode>[2]>>[1]) {
        expectUpdate(queue, job);
        noUpdate(queue);
        expect(job.calcStatus()).toBe('running');
        expect(() => feedbackArgs(['too', 'many', 'arguments'])).toThrow(AssertionError);
        for (const [logType, msg] of op.messages as [string | null, unknown][]) {
          noUpdate(queue);
          const args = logType ? [logType, msg] : [msg];
          yield* cbs.feedback(...feedbackArgs(args));
          // A job update without replication.
          expectUpdate(queue, job, false);
          noUpdate(queue);
        }
      };
      const opexec = fakeExecOpCode(queue, before, after);
      for (let remaining = ops.length - 1; remaining >= 0; remaining--) {
        noUpdate(queue);
        const result = yield* proc(sim, queue, opexec, job);
        expectUpdate(queue, job);
        noUpdate(queue);
        if (remaining === 0) {
          expect(result).toBe(PROCESSOR_FINISHED);
          break;
        }
        expect(result).toBe(PROCESSOR_DEFER);
        expect(job.calcStatus()).toBe('queued');
      }
      noUpdate(queue);
      expect(job.calcStatus()).toBe('success');
      expect(job.getInfo(['opresult'])).toEqual([ops.map((o) => o.result)]);
      const logmsgcount = Object.values(messages).reduce((n, m) => n + m.length, 0);
      checkLogMessages(job, logmsgcount);
      const newjob = QueuedJob.restore(job.serialize(), { writable: true, env: { now: () => sim.now() } });
      checkLogMessages(newjob, logmsgcount);
      let prevserial = -1;
      (job.getInfo(['oplog'])[0] as unknown[][][]).forEach((oplog, idx) => {
        for (const [serial, , logType, msg] of oplog as [number, unknown, string, unknown][]) {
          const [exptype, expmsg] = (messages[idx] as [string | null, unknown][]).shift() as [string | null, unknown];
          expect(logType).toBe(exptype ?? ELOG_MESSAGE);
          expect(msg).toEqual(expmsg);
          expect(serial).toBeGreaterThan(prevserial);
          prevserial = serial;
        }
      });
    });
  });

  it('TestJobProcessor.testSubmitManyJobs: LU-submitted jobs come back as their results, queue lock not held', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const ops = [
        dummyOp({ result: 'Res0', fail: false, submit_jobs: [] }),
        dummyOp({ result: 'Res1', fail: false, submit_jobs: [[dummyOp({ result: 'r1j0', fail: false })]] }),
        dummyOp({
          result: 'Res2',
          fail: false,
          submit_jobs: [
            ['r2j0o0', 'r2j0o1', 'r2j0o2', 'r2j0o3'].map((r) => dummyOp({ result: r, fail: false })),
            [dummyOp({ result: 'r2j1', fail: false })],
            ['r2j3o0', 'r2j3o1'].map((r) => dummyOp({ result: r, fail: false })),
          ],
        }),
      ];
      const job = createJob(sim, 15656, ops);
      const before = () => {
        expectUpdate(queue, job);
        noUpdate(queue);
        expect(job.calcStatus()).toBe('waiting');
        expect(job.curOpCtx).toBeNull();
      };
      const opexec = fakeExecOpCode(queue, before, () => expectRunningNotCancelable(queue, job));
      for (let idx = 0; idx < ops.length; idx++) {
        noUpdate(queue);
        const result = yield* proc(sim, queue, opexec, job);
        expectUpdate(queue, job);
        noUpdate(queue);
        expect(result).toBe(idx === ops.length - 1 ? PROCESSOR_FINISHED : PROCESSOR_DEFER);
      }
      const submitted = ops.flatMap((o) => o.submit_jobs as OpInput[][]);
      submitted.forEach((jobOps, idx) => {
        expect(queue.nextSubmittedJob()).toEqual([1000 + idx, jobOps]);
      });
      expect(() => queue.nextSubmittedJob()).toThrow(RangeError);
      expect(job.getInfo(['status'])).toEqual(['success']);
      expect(job.getInfo(['opresult'])).toEqual([
        [
          [],
          [[true, 1000]],
          [
            [true, 1001],
            [true, 1002],
            [true, 1003],
          ],
        ],
      ]);
      genericCheckJob(job);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      noUpdate(queue);
    });
  });

  it('TestJobProcessor.testJobDependency: WAIT, WAIT, CONTINUE+WAIT, WAIT, WAIT, CONTINUE over two dependencies; no redundant writes', () => {
    run(function* (sim) {
      const depmgr = new FakeDependencyManager();
      const queue = new FakeQueueForProc(sim, { depmgr });
      const prevJobId = 22113;
      const prevJobId2 = 28102;
      const ops = [
        dummyOp({
          result: 'Res0',
          fail: false,
          depends: [
            [prevJobId2, []],
            [prevJobId, []],
          ],
        }),
        dummyOp({ result: 'Res1', fail: false }),
      ];
      const job = createJob(sim, 29929, ops);
      let attempt = 0;
      const before = () => {
        // The job is written before the start only when it was not waiting for another job.
        if (attempt === 0 || attempt > 5) expectUpdate(queue, job);
        noUpdate(queue);
        expect(job.calcStatus()).toBe('waiting');
        expect(job.curOpCtx).toBeNull();
      };
      const opexec = fakeExecOpCode(queue, before, () => expectRunningNotCancelable(queue, job));
      for (attempt = 0; ; attempt++) {
        noUpdate(queue);
        expect(() => depmgr.nextNotification()).toThrow(RangeError);
        if (attempt < 2) {
          depmgr.addCheckResult(job, prevJobId2, [], [DEP_WAIT, 'wait2']);
        } else if (attempt === 2) {
          depmgr.addCheckResult(job, prevJobId2, [], [DEP_CONTINUE, 'cont']);
          // The processor asks for the next dependency at once.
          depmgr.addCheckResult(job, prevJobId, [], [DEP_WAIT, 'wait']);
        } else if (attempt < 5) {
          depmgr.addCheckResult(job, prevJobId, [], [DEP_WAIT, 'wait']);
        } else if (attempt === 5) {
          depmgr.addCheckResult(job, prevJobId, [], [DEP_CONTINUE, 'cont']);
        }
        expect(depmgr.countPendingResults()).toBe(attempt === 2 ? 2 : attempt > 5 ? 0 : 1);
        const result = yield* proc(sim, queue, opexec, job);
        if (attempt === 0 || attempt >= 5) expectUpdate(queue, job);
        noUpdate(queue);
        expect(depmgr.countPendingResults()).toBe(0);
        if (attempt < 5) {
          expect(result).toBe(PROCESSOR_WAITDEP);
          expect(job.curOpCtx).not.toBeNull();
          expect(job.calcStatus()).toBe('waiting');
          expect(job.startTimestamp).not.toBeNull();
          expect(job.endTimestamp).toBeNull();
          continue;
        }
        if (result === PROCESSOR_FINISHED) {
          expect(job.curOpCtx).toBeNull();
          break;
        }
        expect(result).toBe(PROCESSOR_DEFER);
        expect(job.calcStatus()).toBe('queued');
      }
      expect(job.getInfo(['status', 'opstatus', 'opresult'])).toEqual([
        'success',
        ['success', 'success'],
        ['Res0', 'Res1'],
      ]);
      genericCheckJob(job);
    });
  });

  it('TestJobProcessor.testJobDependencyCancel: a cancelled dependency cancels the job', () => {
    run(function* (sim) {
      const depmgr = new FakeDependencyManager();
      const queue = new FakeQueueForProc(sim, { depmgr });
      const prevJobId = 13623;
      const ops = dummies(3, (i) => (i === 1 ? { depends: [[prevJobId, []]] } : {}));
      const job = createJob(sim, 30876, ops);
      const opexec = fakeExecOpCode(queue, null, null);
      for (let attempt = 0; ; attempt++) {
        noUpdate(queue);
        if (attempt > 0 && attempt < 4) depmgr.addCheckResult(job, prevJobId, [], [DEP_WAIT, 'wait']);
        else if (attempt === 4) depmgr.addCheckResult(job, prevJobId, [], [DEP_CANCEL, 'cancel']);
        expect(depmgr.countPendingResults()).toBe(attempt === 0 ? 0 : 1);
        const result = yield* proc(sim, queue, opexec, job);
        if (attempt === 0) for (let i = 0; i < 2; i++) expectUpdate(queue, job);
        if (attempt <= 1 || attempt >= 4) expectUpdate(queue, job);
        noUpdate(queue);
        expect(depmgr.countPendingResults()).toBe(0);
        if (attempt > 0 && attempt < 4) {
          expect(result).toBe(PROCESSOR_WAITDEP);
          expect(job.curOpCtx).not.toBeNull();
          expect(job.calcStatus()).toBe('waiting');
          continue;
        }
        if (result === PROCESSOR_FINISHED) {
          expect(job.curOpCtx).toBeNull();
          break;
        }
        expect(result).toBe(PROCESSOR_DEFER);
        expect(job.calcStatus()).toBe('queued');
      }
      expect(job.getInfo(['status', 'opstatus', 'opresult'])).toEqual([
        'canceled',
        ['success', 'canceled', 'canceled'],
        ['Res0', 'Job canceled by request', 'Job canceled by request'],
      ]);
    });
  });

  it('TestJobProcessor.testJobDependencyWrongstatus: a dependency with the wrong final status fails the job', () => {
    run(function* (sim) {
      const depmgr = new FakeDependencyManager();
      const queue = new FakeQueueForProc(sim, { depmgr });
      const prevJobId = 9741;
      const ops = dummies(3, (i) => (i === 1 ? { depends: [[prevJobId, []]] } : {}));
      const job = createJob(sim, 11763, ops);
      const opexec = fakeExecOpCode(queue, null, null);
      for (let attempt = 0; ; attempt++) {
        noUpdate(queue);
        if (attempt > 0 && attempt < 4) depmgr.addCheckResult(job, prevJobId, [], [DEP_WAIT, 'wait']);
        else if (attempt === 4) depmgr.addCheckResult(job, prevJobId, [], [DEP_WRONGSTATUS, 'wrongstatus']);
        const result = yield* proc(sim, queue, opexec, job);
        if (attempt === 0) for (let i = 0; i < 2; i++) expectUpdate(queue, job);
        if (attempt <= 1 || attempt >= 4) expectUpdate(queue, job);
        noUpdate(queue);
        if (attempt > 0 && attempt < 4) {
          expect(result).toBe(PROCESSOR_WAITDEP);
          continue;
        }
        if (result === PROCESSOR_FINISHED) break;
        expect(result).toBe(PROCESSOR_DEFER);
      }
      expect(job.getInfo(['status', 'opstatus'])).toEqual(['error', ['success', 'error', 'error']]);
      const opresult = job.getInfo(['opresult'])[0] as unknown[];
      expect(opresult[0]).toBe('Res0');
      expect(opresult[1]).toEqual(['OpExecError', ['wrongstatus']]);
      expect(() => maybeRaise(opresult[2])).toThrow(OpExecError);
    });
  });
});

/** `TestJobProcessor._TestPartial`. */
function* testPartial(sim: Kernel, job: QueuedJob, successcount: number): Proc<void> {
  expect(job.calcStatus()).toBe('queued');
  expect(job.startTimestamp).toBe(job.ops[0]?.startTimestamp);
  const queue = new FakeQueueForProc(sim);
  const opexec = fakeExecOpCode(queue, null, null);
  for (let remaining = job.ops.length - successcount - 1; remaining >= 0; remaining--) {
    const result = yield* proc(sim, queue, opexec, job);
    for (let i = 0; i < 3; i++) expectUpdate(queue, job);
    noUpdate(queue);
    if (remaining === 0) {
      expect(result).toBe(PROCESSOR_FINISHED);
      break;
    }
    expect(result).toBe(PROCESSOR_DEFER);
    expect(job.calcStatus()).toBe('queued');
  }
  noUpdate(queue);
  expect(job.getInfo(['status', 'opresult', 'opstatus'])).toEqual([
    'success',
    job.ops.map((o) => o.input.result),
    job.ops.map(() => 'success'),
  ]);
  genericCheckJob(job);
  expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
  noUpdate(queue);
}

/** `TestJobProcessor._CheckLogMessages`. */
function checkLogMessages(job: QueuedJob, count: number): void {
  expect(job.logSerial).toBe(count);
  const all = (job.getInfo(['oplog'])[0] as unknown[][]).flat();
  expect(job.getLogEntries(null)).toEqual(all);
  expect(count).toBeGreaterThan(3);
  expect(job.getLogEntries(3)).toEqual(all.slice(3));
  expect(job.getLogEntries(count)).toEqual([]);
  expect(job.getLogEntries(count + 3)).toEqual([]);
}

describe('TestEvaluateJobProcessorResult', () => {
  /** `_IdOnlyFakeJob`. */
  const fakeJob = (id: number, priority = OP_PRIO_DEFAULT) => ({ id, calcPriority: () => priority });

  function* drive(gen: Proc<void>): Proc<unknown> {
    try {
      yield* gen;
      return null;
    } catch (e) {
      return e;
    }
  }

  it('TestEvaluateJobProcessorResult.testFinished: the waiters of the job are notified', () => {
    run(function* () {
      const depmgr = new FakeDependencyManager();
      expect(yield* drive(evaluateJobProcessorResult(depmgr, fakeJob(30953), PROCESSOR_FINISHED))).toBeNull();
      expect(depmgr.nextNotification()).toBe(30953);
      expect(() => depmgr.nextNotification()).toThrow(RangeError);
    });
  });

  it('TestEvaluateJobProcessorResult.testDefer: DeferTask carries the job priority', () => {
    run(function* () {
      const depmgr = new FakeDependencyManager();
      const err = yield* drive(evaluateJobProcessorResult(depmgr, fakeJob(11326, 5463), PROCESSOR_DEFER));
      expect(err).toBeInstanceOf(DeferTask);
      expect((err as DeferTask).priority).toBe(5463);
      expect(() => depmgr.nextNotification()).toThrow(RangeError);
    });
  });

  it('TestEvaluateJobProcessorResult.testWaitdep: nothing happens', () => {
    run(function* () {
      const depmgr = new FakeDependencyManager();
      expect(yield* drive(evaluateJobProcessorResult(depmgr, fakeJob(21317), PROCESSOR_WAITDEP))).toBeNull();
      expect(() => depmgr.nextNotification()).toThrow(RangeError);
    });
  });

  it('TestEvaluateJobProcessorResult.testOther: an unknown result is a ProgrammerError', () => {
    run(function* () {
      const depmgr = new FakeDependencyManager();
      const err = yield* drive(evaluateJobProcessorResult(depmgr, fakeJob(5813), 'Other result'));
      expect(err).toBeInstanceOf(ProgrammerError);
      expect(() => depmgr.nextNotification()).toThrow(RangeError);
    });
  });
});

describe('TestJobProcessorTimeouts', () => {
  it('TestJobProcessorTimeouts.testTimeout: retries with the given timeouts, one priority step per exhausted strategy, blocking only at -20', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const ops = dummies(10);
      const job = createJob(sim, 15801, ops);
      const t = {
        curop: null as number | null,
        opcounter: 0,
        ts: null as FakeTimeoutStrategy | null,
        retries: 0,
        prevTsop: null as number | null,
        prevPrio: null as number | null,
        prevStatus: null as string | null,
        lockAcqPrio: null as number | null,
        gaveLock: false,
        doneLockBeforeBlocking: false,
      };
      const cur = () => job.ops[t.curop as number] as QueuedJob['ops'][number];

      const before = (timeout: number | null, priority: number) => {
        // If the status changed, the job must have been written.
        if (t.prevStatus !== cur().status) expectUpdate(queue, job);
        noUpdate(queue);
        expect(queue.isAcquired()).toBe(false);
        expect(job.calcStatus()).toBe('waiting');
        expect(timeout).toBe(t.ts?.lastTimeout);
        expect(priority).toBe(cur().priority);
        t.gaveLock = true;
        t.lockAcqPrio = priority;
        if (t.curop === 3 && cur().priority === OP_PRIO_HIGHEST + 3) {
          // Give the locks before running into a blocking acquire.
          expect(t.retries).toBe(7);
          t.retries = 0;
          t.doneLockBeforeBlocking = true;
          return;
        }
        if (t.retries > 0) {
          expect(timeout).not.toBeNull();
          t.retries -= 1;
          t.gaveLock = false;
          throw new LockAcquireTimeout();
        }
        if (cur().priority === OP_PRIO_HIGHEST) {
          expect(t.ts?.timeouts).toEqual([]);
          expect(timeout).toBeNull();
        }
      };

      const nextOpcode = () => {
        t.curop = t.opcounter++;
        t.prevPrio = cur().priority;
        t.prevStatus = cur().status;
      };

      const range = (start: number, stop: number, step: number) => {
        const out: number[] = [];
        for (let i = start; i < stop; i += step) out.push(i);
        return out;
      };

      const newTimeoutStrategy = () => {
        expect(t.retries).toBe(0);
        // Still on the same opcode: its priority must have been raised by one step.
        if (t.prevTsop === t.curop) expect(t.prevPrio).toBe(cur().priority + 1);
        let timeouts: number[];
        if (t.curop === 1) {
          timeouts = range(10, 31, 10);
          t.retries = timeouts.length - 1;
        } else if (t.curop === 2) {
          // Runs into a blocking acquire.
          timeouts = range(11, 61, 12);
          t.retries = timeouts.length;
        } else if (t.curop === 3) {
          // Priority increases, but the locks are given before the blocking acquire.
          timeouts = range(12, 100, 14);
          t.retries = timeouts.length;
          expect(t.doneLockBeforeBlocking).toBe(false);
        } else if (t.curop === 4) {
          expect(t.doneLockBeforeBlocking).toBe(true);
          timeouts = range(10, 31, 10);
          t.retries = 0;
        } else if (t.curop === 5) {
          timeouts = range(19, 100, 11);
          t.retries = timeouts.length;
        } else {
          timeouts = [];
          t.retries = 0;
        }
        t.ts = new FakeTimeoutStrategy(timeouts);
        t.prevTsop = t.curop;
        return t.ts;
      };

      const opexec = fakeExecOpCode(queue, before, () => expectRunningNotCancelable(queue, job));
      for (;;) {
        noUpdate(queue);
        if (t.curop !== null) {
          t.prevStatus = cur().status;
          t.prevPrio = cur().priority;
        }
        t.lockAcqPrio = null;
        const result = yield* proc(sim, queue, opexec, job, { tsf: newTimeoutStrategy, nextOpFn: nextOpcode });
        expect(t.curop).not.toBeNull();
        // The input priority is never set or modified.
        expect(job.ops.some((o) => 'priority' in o.input)).toBe(false);
        if (result === PROCESSOR_FINISHED || t.gaveLock) {
          expect(job.curOpCtx).toBeNull();
          expectUpdate(queue, job);
          noUpdate(queue);
          expect(t.lockAcqPrio).toBe(cur().priority);
          expect(cur().execTimestamp).not.toBeNull();
        }
        if (result === PROCESSOR_FINISHED) break;
        expect(result).toBe(PROCESSOR_DEFER);
        if (t.curop === 0) expect(cur().startTimestamp).toBe(job.startTimestamp);
        if (t.gaveLock) {
          expect(job.calcStatus()).toBe('queued');
        } else {
          expect(job.curOpCtx).not.toBeNull();
          expect(job.curOpCtx?.currentStrategy).toBe(t.ts);
          expect(cur().execTimestamp).toBeNull();
          expect([1, 2, 3, 4, 5]).toContain(t.curop);
          // The file is written only when the priority changed.
          if (t.prevPrio !== cur().priority) expectUpdate(queue, job);
          noUpdate(queue);
        }
        yield* sim.sleep(1);
      }
      expect(job.getInfo(['status', 'opstatus', 'opresult'])).toEqual([
        'success',
        ops.map(() => 'success'),
        ops.map((o) => o.result),
      ]);
      // Opcodes 2 and 5 escalated to the highest priority (blocking acquire); 3 got its locks at -17.
      expect(job.ops.map((o) => o.priority)).toEqual([0, 0, -20, -17, 0, -20, 0, 0, 0, 0]);
      expect(job.ops.every((o) => o.startTimestamp !== null && o.endTimestamp !== null)).toBe(true);
    });
  });
});

describe('TestJobProcessorChangePriority', () => {
  it('TestJobProcessorChangePriority.testChangePriorityWhileRunning: later opcodes ask for their locks at the new priority', () => {
    run(function* (sim) {
      const queue = new FakeQueueForProc(sim);
      const opexecprio: number[] = [];
      const job = createJob(sim, 3499, dummies(3));
      expect(job.calcStatus()).toBe('queued');
      const opexec = fakeExecOpCode(
        queue,
        (_t, priority) => {
          expect(queue.isAcquired()).toBe(false);
          opexecprio.push(priority);
        },
        null,
      );
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(job.getInfo(['status', 'opstatus', 'opresult'])).toEqual([
        'queued',
        ['success', 'queued', 'queued'],
        ['Res0', null, null],
      ]);
      expect(opexecprio.splice(0)).toEqual([OP_PRIO_DEFAULT]);
      expect(job.changePriority(-10)).toEqual([
        true,
        'Priorities of pending opcodes for job 3499 have been changed to -10',
      ]);
      expect(job.calcPriority()).toBe(-10);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_DEFER);
      expect(opexecprio.splice(0)).toEqual([-10]);
      expect(job.calcPriority()).toBe(-10);
      expect(job.getInfo(['id', 'status', 'opstatus', 'opresult'])).toEqual([
        3499,
        'queued',
        ['success', 'success', 'queued'],
        ['Res0', 'Res1', null],
      ]);
      expect(job.changePriority(5)).toEqual([
        true,
        'Priorities of pending opcodes for job 3499 have been changed to 5',
      ]);
      expect(job.calcPriority()).toBe(5);
      expect(yield* proc(sim, queue, opexec, job)).toBe(PROCESSOR_FINISHED);
      expect(opexecprio.splice(0)).toEqual([5]);
      expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
      expect(job.getInfo(['status', 'opstatus', 'opresult'])).toEqual([
        'success',
        ['success', 'success', 'success'],
        ['Res0', 'Res1', 'Res2'],
      ]);
      expect(job.ops.map((o) => o.priority)).toEqual([OP_PRIO_DEFAULT, -10, 5]);
    });
  });
});
