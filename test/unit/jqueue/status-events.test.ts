/**
 * Every status change of a job and its opcodes is traced (`job.status`, `opcode.status`) and is
 * legal per the models: the lifecycles of spec §5.4 played on real `QueuedJob`s, checked by the
 * LST monitors.
 */
import { describe, expect, it } from 'vitest';
import { jobStatusMachine, opcodeStatusMachine } from '../../../models/index.js';
import { ModelMonitor, modelStatusChecker } from '../../../src/check/model-monitor.js';
import { compileTransitions } from '../../../src/check/model-table.js';
import { encodeOpError, OpExecError } from '../../../src/jqueue/errors.js';
import { QueuedJob } from '../../../src/jqueue/queued-job.js';
import { isEvent } from '../../../src/sim/events.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { op, RecordingEnv } from '../../support/jqueue.js';

const jobTable = compileTransitions(jobStatusMachine);
const opTable = compileTransitions(opcodeStatusMachine);

function setup(nops = 2) {
  const env = new RecordingEnv();
  const job = new QueuedJob(
    42,
    Array.from({ length: nops }, () => op('OP_INSTANCE_STARTUP')),
    { writable: true, env },
  );
  const check = () => {
    const jm = new ModelMonitor(jobTable);
    const om = new ModelMonitor(opTable);
    for (const e of env.events) {
      if (isEvent(e, 'job.status')) jm.observe(e.subject, ...e.fields);
      if (isEvent(e, 'opcode.status')) om.observe(e.subject, ...e.fields);
    }
    return [...jm.violations(), ...om.violations()].map((v) => v.message);
  };
  const jobChanges = () => env.changes('job.status', 'job/42').map(([f, t]) => `${f ?? ''}->${t}`);
  return { env, job, ops: job.ops, check, jobChanges };
}

describe('job and opcode status events', () => {
  it('a two-opcode job that succeeds: queued between opcodes, then success', () => {
    const { job, ops, check, jobChanges, env } = setup();
    for (const q of ops) {
      q.status = 'waiting';
      q.status = 'running';
      q.status = 'success';
    }
    expect(job.calcStatus()).toBe('success');
    expect(jobChanges()).toEqual([
      '->queued',
      'queued->waiting',
      'waiting->running',
      'running->queued',
      'queued->waiting',
      'waiting->running',
      'running->success',
    ]);
    expect(env.changes('opcode.status', 'job/42/op/1').map(([f, t]) => `${f ?? ''}->${t}`)).toEqual([
      '->queued',
      'queued->waiting',
      'waiting->running',
      'running->success',
    ]);
    expect(check()).toEqual([]);
  });

  it('cancel while queued: queued -> canceled in one change, finalized', () => {
    const { job, check, jobChanges } = setup(3);
    expect(job.cancel()).toEqual([true, 'Job 42 canceled']);
    expect(job.endTimestamp).not.toBeNull();
    expect(jobChanges()).toEqual(['->queued', 'queued->canceled']);
    expect(job.ops.every((q) => q.status === 'canceled' && q.result === 'Job canceled by request')).toBe(true);
    expect(check()).toEqual([]);
  });

  it('cancel while waiting: waiting -> canceling, then the processor completes it', () => {
    const { job, ops, check, jobChanges } = setup(3);
    (ops[0] as (typeof ops)[number]).status = 'waiting';
    expect(job.cancel()).toEqual([true, 'Job 42 will be canceled']);
    expect(job.ops.map((q) => q.status)).toEqual(['canceling', 'canceling', 'canceling']);
    job.markUnfinishedOps('canceled', 'Job canceled by request');
    job.finalize();
    expect(jobChanges()).toEqual(['->queued', 'queued->waiting', 'waiting->canceling', 'canceling->canceled']);
    expect(job.cancel()).toEqual([false, 'Job 42 is no longer waiting in the queue']);
    expect(check()).toEqual([]);
  });

  it('a cancelled dependency, handled in one processor run (batched): waiting -> canceled', () => {
    const { job, ops, check, jobChanges } = setup(2);
    (ops[0] as (typeof ops)[number]).status = 'waiting';
    job.batch(() => {
      job.cancel();
      job.markUnfinishedOps('canceled', 'Job canceled by request');
      job.finalize();
    });
    expect(jobChanges()).toEqual(['->queued', 'queued->waiting', 'waiting->canceled']);
    expect(check()).toEqual([]);
  });

  it('an opcode fails: the job errors and the later opcodes fail with "Preceding opcode failed"', () => {
    const { job, ops, check, jobChanges } = setup(3);
    const [op0, op1] = ops as [(typeof ops)[number], (typeof ops)[number]];
    op0.status = 'waiting';
    op0.status = 'running';
    op0.status = 'success';
    op1.status = 'waiting';
    op1.status = 'running';
    op1.result = encodeOpError(new OpExecError('boom'));
    op1.status = 'error';
    job.markUnfinishedOps('error', encodeOpError(new OpExecError('Preceding opcode failed')));
    expect(job.ops.map((q) => q.status)).toEqual(['success', 'error', 'error']);
    expect(jobChanges().slice(-1)).toEqual(['running->error']);
    expect(check()).toEqual([]);
  });

  it('restart recovery (spec §5.11): waiting -> queued; running and canceling -> error', () => {
    const waiting = setup(2);
    (waiting.ops[0] as (typeof waiting.ops)[number]).status = 'waiting';
    waiting.job.markUnfinishedOps('queued', null);
    expect(waiting.jobChanges().slice(-1)).toEqual(['waiting->queued']);
    expect(waiting.check()).toEqual([]);

    const running = setup(2);
    const r0 = running.ops[0] as (typeof running.ops)[number];
    r0.status = 'waiting';
    r0.status = 'running';
    running.job.markUnfinishedOps('error', encodeOpError(new OpExecError('Unclean master daemon shutdown')));
    expect(running.jobChanges().slice(-1)).toEqual(['running->error']);
    expect(running.check()).toEqual([]);

    const canceling = setup(2);
    (canceling.ops[0] as (typeof canceling.ops)[number]).status = 'waiting';
    canceling.job.cancel();
    canceling.job.markUnfinishedOps('error', encodeOpError(new OpExecError('Unclean master daemon shutdown')));
    expect(canceling.jobChanges().slice(-1)).toEqual(['canceling->error']);
    expect(canceling.check()).toEqual([]);
  });

  it('restoring a job from its file emits nothing; the monitor flags an illegal change made on it', () => {
    const { job, ops, env, check } = setup(1);
    const q = ops[0] as (typeof ops)[number];
    q.status = 'waiting';
    q.status = 'running';
    q.status = 'success';
    const n = env.events.length;
    const copy = QueuedJob.restore(job.serialize(), { writable: true, env });
    expect(env.events.length).toBe(n);
    (copy.ops[0] as (typeof copy.ops)[number]).status = 'running'; // success -> running: illegal
    expect(check().some((m) => m.includes('illegal opcode-status change success -> running'))).toBe(true);
    expect(check().some((m) => m.includes('illegal job-status change success -> running'))).toBe(true);
  });

  it('with the kernel as environment, status changes land in the trace', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('t', function* () {
      const job = new QueuedJob(7, [op('OP_TEST_DELAY')], { writable: true, env: sim });
      yield* sim.sleep(5);
      (job.ops[0] as (typeof job.ops)[number]).status = 'waiting';
      job.appendLogEntry(job.ops[0] as (typeof job.ops)[number], 'message', 'hello');
    });
    const r = sim.run();
    const rec = r.trace
      .snapshot()
      .filter((x) => x.kind.startsWith('job.') || x.kind === 'opcode.status')
      .map((x) => [x.time, x.kind, x.subject, ...x.fields]);
    expect(rec).toEqual([
      [0, 'opcode.status', 'job/7/op/0', null, 'queued'],
      [0, 'job.status', 'job/7', null, 'queued'],
      [5, 'opcode.status', 'job/7/op/0', 'queued', 'waiting'],
      [5, 'job.status', 'job/7', 'queued', 'waiting'],
      [5, 'job.log', 'job/7', 1, 'message'],
    ]);
    // The same records through the trace checkers: legal.
    const found: string[] = [];
    const ctx = { violation: (_p: string, msg: string) => void found.push(msg) };
    const checkers = [modelStatusChecker(jobTable, 'job.status'), modelStatusChecker(opTable, 'opcode.status')];
    for (const rec of r.trace.snapshot()) for (const c of checkers) c.onEvent(rec, ctx);
    expect(found).toEqual([]);
    expect(checkers[0]?.monitor.statuses().get('job/7')).toBe('waiting');
  });
});

describe('job log and serialization', () => {
  it('log serials start at 1 per job, GetLogEntries filters by serial, and restore recomputes the serial', () => {
    const env = new RecordingEnv(2_500_000);
    const job = new QueuedJob(9, [op('OP_TEST_DELAY'), op('OP_TEST_DELAY')], { writable: true, env });
    const [a, b] = job.ops as [(typeof job.ops)[number], (typeof job.ops)[number]];
    job.appendLogEntry(a, 'message', 'Hello');
    job.appendLogEntry(a, 'message', 'World');
    env.nowUs = 3_000_001;
    job.appendLogEntry(b, 'jqueue-test', [1, 2, 3]);
    expect(job.logSerial).toBe(3);
    expect(job.getLogEntries(null).map((e) => e[0])).toEqual([1, 2, 3]);
    expect(job.getLogEntries(1)).toEqual([
      [2, [2, 500000], 'message', 'World'],
      [3, [3, 1], 'jqueue-test', [1, 2, 3]],
    ]);
    expect(job.getLogEntries(3)).toEqual([]);
    const copy = QueuedJob.restore(JSON.parse(JSON.stringify(job.serialize())), { writable: false, env });
    expect(copy.logSerial).toBe(3);
    expect(copy.serialize()).toEqual(job.serialize());
  });

  it('the job file has Ganeti’s fields, with (sec, usec) timestamps and the reason trail on each opcode', () => {
    const env = new RecordingEnv(1_500_000);
    const job = new QueuedJob(5, [op('OP_INSTANCE_STARTUP', { instance_name: 'inst1' })], { writable: true, env });
    const file = job.serialize();
    expect(Object.keys(file).sort()).toEqual(['end_timestamp', 'id', 'ops', 'received_timestamp', 'start_timestamp']);
    expect(file.received_timestamp).toEqual([1, 500000]);
    expect(Object.keys(file.ops[0] ?? {}).sort()).toEqual([
      'end_timestamp',
      'exec_timestamp',
      'input',
      'log',
      'priority',
      'result',
      'start_timestamp',
      'status',
    ]);
    expect(file.ops[0]?.input.reason).toEqual([['gnt:opcode:op_instance_startup', 'job=5;index=0', 1_500_000_000]]);
    expect(job.getInfo(['id', 'status', 'summary', 'opstatus'])).toEqual([
      5,
      'queued',
      ['INSTANCE_STARTUP'],
      ['queued'],
    ]);
    expect(() => job.getInfo(['bogus'])).toThrow("Invalid self query field 'bogus'");
  });
});
