/** Ganeti `test/py/ganeti.jqueue_unittest.py` TestQueuedJob (13 methods, v2.10.8), spec §9.2, §5.3, §5.8. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JOB_STATUS_ALL,
  type JobStatus,
  OP_PRIO_DEFAULT,
  OP_STATUS_ALL,
  type OpStatus,
} from '../../../src/jqueue/constants.js';
import { AssertionError, GenericError } from '../../../src/jqueue/errors.js';
import { QueuedJob } from '../../../src/jqueue/queued-job.js';
import { calcStatus } from '../../../src/jqueue/status.js';
import { clockEnv, op } from '../../support/jqueue.js';

const env = clockEnv(5_000_000);

function newJob(id: number, inputs = [op('OP_TEST_DELAY')], writable = true): QueuedJob {
  return new QueuedJob(id, inputs, { writable, env });
}

function setStatuses(job: QueuedJob, statuses: readonly OpStatus[]): void {
  statuses.forEach((s, i) => {
    (job.ops[i] as (typeof job.ops)[number]).status = s;
  });
}

describe('TestQueuedJob', () => {
  it('TestQueuedJob.testNoOpCodes: a job without opcodes is a GenericError', () => {
    expect(() => new QueuedJob(1, [], { writable: false, env })).toThrow(GenericError);
    expect(() => new QueuedJob(1, [], { writable: false, env })).toThrow('A job needs at least one opcode');
  });

  it('TestQueuedJob.testDefaults: defaults of a new job and of its restored copy', () => {
    const jobId = 4260;
    const inputs = [op('OP_TAGS_GET'), op('OP_TEST_DELAY')];
    const check = (job: QueuedJob) => {
      expect(job.writable).toBe(true);
      expect(job.id).toBe(jobId);
      expect(job.logSerial).toBe(0);
      expect(job.receivedTimestamp).not.toBeNull();
      expect(job.startTimestamp).toBeNull();
      expect(job.endTimestamp).toBeNull();
      expect(job.calcStatus()).toBe('queued');
      expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
      expect(String(job).startsWith('<')).toBe(true);
      expect(job.ops.length).toBe(inputs.length);
      job.ops.forEach((q, i) => {
        expect(q.input).toEqual(inputs[i]);
      });
      expect(job.archived).toBe(false);
    };
    const job1 = new QueuedJob(jobId, inputs, { writable: true, env });
    check(job1);
    const job2 = QueuedJob.restore(job1.serialize(), { writable: true, archived: false, env });
    check(job2);
    expect(job2.serialize()).toEqual(job1.serialize());
  });

  it('TestQueuedJob.testWritable: the writable flag is kept', () => {
    expect(newJob(1, [op('OP_TEST_DELAY')], false).writable).toBe(false);
    expect(newJob(1, [op('OP_TEST_DELAY')], true).writable).toBe(true);
  });

  it('TestQueuedJob.testArchived: the archived flag comes from restore, not from the job file', () => {
    const job = newJob(1, [op('OP_TEST_DELAY')], false);
    expect(job.archived).toBe(false);
    const newjob = QueuedJob.restore(job.serialize(), { writable: true, archived: true, env });
    expect(newjob.archived).toBe(true);
    const newjob2 = QueuedJob.restore(newjob.serialize(), { writable: true, archived: false, env });
    expect(newjob2.archived).toBe(false);
  });

  it('TestQueuedJob.testPriority: CalcPriority is the minimum over unfinished opcodes, default when all are finished', () => {
    const jobId = 4283;
    const job = newJob(jobId, [op('OP_TAGS_GET', { priority: OP_PRIO_DEFAULT }), op('OP_TEST_DELAY')]);
    const check = () => {
      expect(job.id).toBe(jobId);
      expect(job.calcStatus()).toBe('queued');
      expect(String(job).startsWith('<')).toBe(true);
    };
    check();
    expect(job.ops.every((q) => q.priority === OP_PRIO_DEFAULT)).toBe(true);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    const [op0, op1] = job.ops as [(typeof job.ops)[number], (typeof job.ops)[number]];
    // Increase first
    op0.priority -= 1;
    check();
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT - 1);
    // Mark opcode as finished
    op0.status = 'success';
    check();
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    // Increase second
    op1.priority -= 10;
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT - 10);
    // Test increasing first
    op0.status = 'running';
    op0.priority -= 19;
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT - 20);
  });

  const jobForPriority = (jobId: number): QueuedJob => {
    const job = newJob(jobId, [op('OP_TAGS_GET'), op('OP_TEST_DELAY'), op('OP_TAGS_GET'), op('OP_TEST_DELAY')]);
    expect(job.ops.every((q) => q.priority === OP_PRIO_DEFAULT)).toBe(true);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    return job;
  };
  const statuses = (job: QueuedJob) => job.ops.map((q) => q.status);
  const priorities = (job: QueuedJob) => job.ops.map((q) => q.priority);

  it('TestQueuedJob.testChangePriorityAllQueued: every opcode gets the new priority', () => {
    const job = jobForPriority(24984);
    expect(job.calcStatus()).toBe('queued');
    expect(job.ops.every((q) => q.status === 'queued')).toBe(true);
    const result = job.changePriority(-10);
    expect(job.calcPriority()).toBe(-10);
    expect(job.ops.every((q) => q.priority === -10)).toBe(true);
    expect(result).toEqual([true, 'Priorities of pending opcodes for job 24984 have been changed to -10']);
  });

  it('TestQueuedJob.testChangePriorityAllFinished: a finished job is refused and unchanged', () => {
    const job = jobForPriority(16405);
    setStatuses(job, ['success', 'success', 'success', 'error']);
    expect(job.calcStatus()).toBe('error');
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    const result = job.changePriority(-10);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    expect(job.ops.every((q) => q.priority === OP_PRIO_DEFAULT)).toBe(true);
    expect(statuses(job)).toEqual(['success', 'success', 'success', 'error']);
    expect(result).toEqual([false, 'Job 16405 is finished']);
  });

  it('TestQueuedJob.testChangePriorityCancelling: a canceling job is refused and unchanged', () => {
    const job = jobForPriority(31572);
    setStatuses(job, ['success', 'success', 'canceling', 'canceling']);
    expect(job.calcStatus()).toBe('canceling');
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    const result = job.changePriority(5);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    expect(job.ops.every((q) => q.priority === OP_PRIO_DEFAULT)).toBe(true);
    expect(statuses(job)).toEqual(['success', 'success', 'canceling', 'canceling']);
    expect(result).toEqual([false, 'Job 31572 is cancelling']);
  });

  it('TestQueuedJob.testChangePriorityFirstRunning: the running opcode keeps its priority, the queued ones change', () => {
    const job = jobForPriority(1716215889);
    setStatuses(job, ['running', 'queued', 'queued', 'queued']);
    expect(job.calcStatus()).toBe('running');
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    const result = job.changePriority(7);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    expect(priorities(job)).toEqual([OP_PRIO_DEFAULT, 7, 7, 7]);
    expect(statuses(job)).toEqual(['running', 'queued', 'queued', 'queued']);
    expect(result).toEqual([true, 'Priorities of pending opcodes for job 1716215889 have been changed to 7']);
  });

  it('TestQueuedJob.testChangePriorityLastRunning: only a running opcode left -> no pending opcodes', () => {
    const job = jobForPriority(1308);
    setStatuses(job, ['success', 'success', 'success', 'running']);
    expect(job.calcStatus()).toBe('running');
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    const result = job.changePriority(-3);
    expect(job.calcPriority()).toBe(OP_PRIO_DEFAULT);
    expect(job.ops.every((q) => q.priority === OP_PRIO_DEFAULT)).toBe(true);
    expect(statuses(job)).toEqual(['success', 'success', 'success', 'running']);
    expect(result).toEqual([false, 'Job 1308 had no pending opcodes']);
  });

  it('TestQueuedJob.testChangePrioritySecondOpcodeRunning: opcodes after the running one change', () => {
    const job = jobForPriority(27701);
    expect(job.ops.length).toBe(4);
    setStatuses(job, ['success', 'running', 'queued', 'queued']);
    expect(job.calcStatus()).toBe('running');
    const result = job.changePriority(-19);
    expect(job.calcPriority()).toBe(-19);
    expect(priorities(job)).toEqual([OP_PRIO_DEFAULT, OP_PRIO_DEFAULT, -19, -19]);
    expect(statuses(job)).toEqual(['success', 'running', 'queued', 'queued']);
    expect(result).toEqual([true, 'Priorities of pending opcodes for job 27701 have been changed to -19']);
  });

  it('TestQueuedJob.testChangePriorityWithInconsistentJob: a running opcode after a pending one is an AssertionError', () => {
    const job = jobForPriority(30097);
    expect(job.ops.length).toBe(4);
    // Invalid job: two running opcodes, an unprocessed one before a running one.
    setStatuses(job, ['success', 'running', 'queued', 'running']);
    expect(() => job.changePriority(19)).toThrow(AssertionError);
  });

  // The table of Ganeti's testCalcStatus: opcode patterns of a 10-opcode job per job status.
  const CALC_STATUS_CASES: Record<JobStatus, readonly [string, (ops: OpStatus[]) => void][]> = {
    queued: [['_Queued', () => {}]],
    waiting: [
      [
        '_Waitlock1',
        (o) => {
          o[0] = 'waiting';
        },
      ],
      [
        '_Waitlock2',
        (o) => {
          o.splice(0, 3, 'success', 'success', 'waiting');
        },
      ],
    ],
    running: [
      [
        '_Running',
        (o) => {
          o.splice(0, 2, 'success', 'running');
          o.fill('queued', 2);
        },
      ],
    ],
    canceling: [
      [
        '_Canceling1',
        (o) => {
          o.splice(0, 2, 'success', 'success');
          o.fill('canceling', 2);
        },
      ],
      ['_Canceling2', (o) => void o.fill('canceling')],
    ],
    canceled: [['_Canceled', (o) => void o.fill('canceled')]],
    error: [
      [
        '_Error1',
        (o) => {
          o.fill('success', 0, 4);
          o.fill('error', 4);
        },
      ],
      ['_Error2', (o) => void o.fill('error')],
    ],
    success: [['_Success', (o) => void o.fill('success')]],
  };

  it('TestQueuedJob.testCalcStatus: the opcode-status patterns of Ganeti give each of the 7 job statuses', () => {
    for (const status of JOB_STATUS_ALL) {
      const cases = CALC_STATUS_CASES[status];
      expect(cases.length).toBeGreaterThan(0);
      for (const [name, fn] of cases) {
        const job = newJob(
          1,
          Array.from({ length: 10 }, () => op('OP_TEST_DELAY')),
        );
        expect(job.calcStatus()).toBe('queued');
        expect(job.ops.every((q) => q.status === 'queued')).toBe(true);
        const pattern: OpStatus[] = Array.from({ length: 10 }, () => 'queued');
        fn(pattern);
        setStatuses(job, pattern);
        expect([name, job.calcStatus()]).toEqual([name, status]);
      }
    }
  });

  it('TestQueuedJob.testCalcStatus: agrees with the spec rule (first stop status, else last waiting/running) on every pattern', () => {
    // Spec §5.3 read another way: the first canceling/error/canceled decides; otherwise the last
    // waiting or running opcode; otherwise queued unless everything succeeded.
    const specRule = (ops: readonly OpStatus[]): JobStatus => {
      if (ops.every((s) => s === 'success')) return 'success';
      const stop = ops.findIndex((s) => s === 'canceling' || s === 'error' || s === 'canceled');
      const scanned = stop < 0 ? ops : ops.slice(0, stop);
      if (stop >= 0) return ops[stop] as JobStatus;
      const active = scanned.filter((s) => s === 'waiting' || s === 'running');
      return (active[active.length - 1] as JobStatus | undefined) ?? 'queued';
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...OP_STATUS_ALL), { minLength: 1, maxLength: 8 }), (ops) => {
        expect(calcStatus(ops)).toBe(specRule(ops));
      }),
      { seed: 4, numRuns: 2000 },
    );
  });
});
