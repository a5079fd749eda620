/**
 * Job and opcode status programs (`_QueuedJob`): a job of one to four opcodes, whose opcode
 * statuses a program sets directly (as Ganeti's own CalcStatus tests do), then cancels,
 * re-prioritises, marks the unfinished opcodes, finalizes. Every status combination is reachable,
 * so cancel and change-priority meet every job status. Observed after each step: what the call
 * returned (or the assertion it failed), the job's status and priority, each opcode's status,
 * priority and result, and whether the job is finalized.
 */
import fc from 'fast-check';
import { OP_STATUS_ALL, type OpStatus } from '../../src/jqueue/constants.js';
import { AssertionError } from '../../src/jqueue/errors.js';
import type { OpInput } from '../../src/jqueue/opcode.js';
import { QueuedJob } from '../../src/jqueue/queued-job.js';
import type { Component, Normaliser } from './compare.js';
import type { Observation } from './oracle.js';

export type JobStatusStep =
  | { readonly op: 'setStatus'; readonly index: number; readonly status: OpStatus }
  | { readonly op: 'cancel' }
  | { readonly op: 'changePriority'; readonly priority: number }
  | { readonly op: 'markUnfinished'; readonly status: OpStatus; readonly result: string | null }
  | { readonly op: 'finalize' };

export interface OpSpec {
  readonly priority: number | null;
}

export interface JobStatusProgram {
  readonly jobId: number;
  readonly ops: readonly OpSpec[];
  readonly steps: readonly JobStatusStep[];
}

const statusArb = fc.constantFrom(...OP_STATUS_ALL);
export const priorityArb = fc.constantFrom(-20, -10, 0, 10, 19);

function stepArb(ops: number): fc.Arbitrary<JobStatusStep> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ op: fc.constant('setStatus' as const), index: fc.nat(ops - 1), status: statusArb }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('cancel' as const) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('changePriority' as const), priority: priorityArb }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('markUnfinished' as const),
        status: statusArb,
        result: fc.constantFrom(null, 'marked'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('finalize' as const) }) },
  );
}

export const jobStatusProgramArb: fc.Arbitrary<JobStatusProgram> = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    jobId: fc.integer({ min: 1, max: 99_999 }),
    ops: fc.array(fc.record({ priority: fc.option(fc.constantFrom(-10, 0, 10), { freq: 3 }) }), {
      minLength: n,
      maxLength: n,
    }),
    steps: fc.array(stepArb(n), { maxLength: 16, size: 'max' }),
  }),
);

/** `OpTestDummy` as gnt-sim's opcode input. */
export function dummyInput(spec: { readonly priority?: number | null }): OpInput {
  const input: OpInput = { OP_ID: 'OP_TEST_DUMMY' };
  if (spec.priority !== null && spec.priority !== undefined) input.priority = spec.priority;
  return input;
}

/** The job as the driver's `_job_state` shows it. */
export function jobState(job: QueuedJob): Observation {
  return {
    status: job.calcStatus(),
    priority: job.calcPriority(),
    ops: job.ops.map((op) => [op.status, op.priority, op.result]),
    log: job.getLogEntries(null).map((e) => [e[0], e[2], e[3]]),
    started: job.ops.map((op) => op.startTimestamp !== null),
    ended: job.ops.map((op) => op.endTimestamp !== null),
    executed: job.ops.map((op) => op.execTimestamp !== null),
    finalized: job.endTimestamp !== null,
    reasons: job.ops.map((op) => (op.input.reason ?? []).map((r) => [r[0], r[1]])),
  };
}

/** Ganeti's bare asserts carry no message where gnt-sim's `pyAssert` says what failed. */
export const assertMessage: Normaliser<unknown> = {
  id: 'assert-message',
  apply: (obs) => (obs.error === 'AssertionError' ? { ...obs, message: '' } : obs),
};

function simulate(program: JobStatusProgram): Observation[] {
  const job = new QueuedJob(program.jobId, program.ops.map(dummyInput), { writable: true, env: { now: () => 0 } });
  const observations: Observation[] = [{ state: jobState(job) }];
  for (const step of program.steps) {
    const out: Observation = {};
    try {
      let ret: unknown = null;
      switch (step.op) {
        case 'setStatus':
          (job.ops[step.index] as QueuedJob['ops'][number]).status = step.status;
          break;
        case 'cancel':
          ret = job.cancel();
          break;
        case 'changePriority':
          ret = job.changePriority(step.priority);
          break;
        case 'markUnfinished':
          job.markUnfinishedOps(step.status, step.result);
          break;
        case 'finalize':
          job.finalize();
          break;
      }
      out.return = ret;
    } catch (e) {
      if (!(e instanceof AssertionError)) throw e;
      out.error = 'AssertionError';
      out.message = e.message;
    }
    out.state = jobState(job);
    observations.push(out);
  }
  return observations;
}

function describe(step: JobStatusStep): string {
  switch (step.op) {
    case 'setStatus':
      return `opcode ${step.index} status := ${step.status}`;
    case 'cancel':
      return 'Cancel()';
    case 'changePriority':
      return `ChangePriority(${step.priority})`;
    case 'markUnfinished':
      return `MarkUnfinishedOps(${step.status}, ${JSON.stringify(step.result)})`;
    case 'finalize':
      return 'Finalize()';
  }
}

export const jobStatusComponent: Component<JobStatusProgram> = {
  name: 'job-status',
  arbitrary: jobStatusProgramArb,
  simulate,
  normalisers: [assertMessage],
  handledElsewhere: ['driver-fresh-reason'],
  describeSetup: (p) =>
    `job ${p.jobId} with opcode priorities [${p.ops.map((o) => (o.priority === null ? 'default' : o.priority)).join(', ')}]`,
  describeSteps: (p) => p.steps.map(describe),
};
