/**
 * The Ganeti workloads as their clients drive them: dependency graphs with relative, earlier and
 * guessed absolute ids; watchers that follow a job with WaitForJobChange as `gnt-job watch` does;
 * node lists as callers write them; and the master daemon restart of the fault plan.
 */
import { describe, expect, it } from 'vitest';
import type { GanetiParams, JobSpec, OpSpec } from '../../../scenarios/ganeti/workload.js';
import { scenario as chainedJobs } from '../../../scenarios/ganeti-chained-jobs.js';
import { describeFinding } from '../../../src/check/describe.js';
import { executeRun } from '../../../src/explore/run.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { FaultPlan } from '../../../src/sim/faults.js';
import type { TraceRecord } from '../../../src/sim/trace.js';

const startup: OpSpec = { kind: 'startup', target: 0 };

function job(extra: Partial<JobSpec> = {}): JobSpec {
  return { ops: [startup], priority: 0, action: null, ...extra };
}

function params(submissions: GanetiParams['submissions'], workers = 2): GanetiParams {
  return { nodes: 2, instances: 2, workers, coarseWork: true, submissions };
}

function run(p: GanetiParams, faults: FaultPlan = {}) {
  const r = executeRun(
    chainedJobs,
    { seed: 1, params: p, faults, schedule: { kind: 'fifo' } },
    { mutants: MutantSet.none, trace: 'full' },
  );
  const trace = r.result.trace.snapshot();
  const finals = new Map<string, string>();
  for (const e of trace) if (e.kind === 'job.status') finals.set(e.subject, String(e.fields[1]));
  return { ...r, trace, finals, kinds: (k: string): TraceRecord[] => trace.filter((e) => e.kind === k) };
}

function clean(p: GanetiParams, faults: FaultPlan = {}) {
  const r = run(p, faults);
  expect(r.finding, r.finding ? describeFinding(r.finding) : '').toBeNull();
  return r;
}

describe('dependency graphs of the Ganeti workload', () => {
  it('an earlier job is named by its absolute id, with any status accepted by []', () => {
    const r = clean(
      params([
        { atUs: 0, jobs: [job()] },
        { atUs: 500_000, jobs: [job({ depends: [{ ref: { earlier: 0 }, accept: [] }] })] },
      ]),
    );
    const submitted = r.kinds('jqueue.submit').map((e) => e.subject);
    expect(submitted).toEqual(['job/1', 'job/2']);
    expect(r.finals.get('job/2')).toBe('success');
  });

  it('a relative id out of range fails that job’s submission only, as Ganeti reports it', () => {
    const r = clean(
      params([{ atUs: 0, jobs: [job(), job({ depends: [{ ref: { relative: 3 }, accept: ['success'] }] })] }]),
    );
    expect(r.finals.get('job/1')).toBe('success');
    expect(r.finals.has('job/2')).toBe(false);
  });

  it('a job depending on a job that finished in a status it does not accept ends in error', () => {
    const r = clean(
      params([
        { atUs: 0, jobs: [job()] },
        { atUs: 500_000, jobs: [job({ depends: [{ ref: { earlier: 0 }, accept: ['error'] }] })] },
      ]),
    );
    expect(r.finals.get('job/1')).toBe('success');
    expect(r.finals.get('job/2')).toBe('error');
  });

  it('a guessed id naming the job itself is refused by the dependency manager', () => {
    const r = clean(params([{ atUs: 0, jobs: [job({ depends: [{ ref: { absolute: 1 }, accept: [] }] })] }]));
    expect(r.finals.get('job/1')).toBe('error');
  });

  it('a forward reference closing a cycle never finishes: the run ends as a deadlock through job dependencies (Ganeti’s hazard)', () => {
    const r = run(
      params([
        {
          atUs: 0,
          jobs: [
            job({ depends: [{ ref: { absolute: 2 }, accept: [] }] }),
            job({ depends: [{ ref: { relative: 1 }, accept: [] }] }),
          ],
        },
      ]),
    );
    expect(r.finding?.kind).toBe('deadlock');
    expect(r.finding?.message).toMatch(/job\/1 waits for job\/2 .*job\/2 waits for job\/1/);
  });
});

describe('watchers of the Ganeti workload (gnt-job watch)', () => {
  it('call WaitForJobChange until the job is final, each call traced with what it returned', () => {
    const r = clean(params([{ atUs: 0, jobs: [job()], watch: { job: 0, timeoutUs: 29_000_000 } }]));
    const calls = r.kinds('watch.call').map((e) => [e.subject, e.fields[0], e.fields[1]]);
    const returns = r.kinds('watch.return').map((e) => [e.fields[1], e.fields[2]]);
    expect(calls[0]).toEqual(['job/1', 'client1.watch', null]);
    expect(returns.at(-1)).toEqual(['changed', 'success']);
    expect(r.kinds('jqueue.watch-armed').length).toBeGreaterThan(0);
  });

  it('stop at canceling, as Ganeti’s GenericPollJob does, instead of calling again at once', () => {
    // The job waits for the lock-holding job before it; the cancel lands while it waits.
    const r = clean(
      params(
        [
          { atUs: 0, jobs: [job()] },
          {
            atUs: 0,
            jobs: [job({ action: { kind: 'cancel', afterUs: 50_000 } })],
            watch: { job: 0, timeoutUs: 50_000 },
          },
        ],
        1,
      ),
    );
    const last = r.kinds('watch.return').at(-1);
    expect(['canceling', 'canceled']).toContain(last?.fields[2]);
    expect(r.kinds('watch.call').length).toBeLessThan(10);
  });
});

describe('node lists of the LU catalogue', () => {
  it('OP_TEST_DELAY with repeated, unsorted names locks each node once; an unknown node fails the opcode', () => {
    const delay = (nodes: number[]): OpSpec => ({ kind: 'test-delay', target: 0, nodes });
    const r = clean(
      params([
        { atUs: 0, jobs: [job({ ops: [delay([1, 0, 1])] })] },
        { atUs: 0, jobs: [job({ ops: [delay([0, 8])] })] },
      ]),
    );
    expect(r.finals.get('job/1')).toBe('success');
    expect(r.finals.get('job/2')).toBe('error');
    const nodeLocks = r.kinds('lock.acquired').filter((e) => e.subject.startsWith('node/node'));
    expect(nodeLocks.map((e) => e.subject)).toEqual(['node/node1', 'node/node2']);
  });
});

describe('the master daemon restart of the fault plan', () => {
  it('a job cancelled while it waits for a dependency ends in error after a master restart, never canceled (Ganeti 2.10)', () => {
    // job 1 holds the worker for 0.1 s; job 2 waits for it; the cancel of job 2 at 50 ms leaves it
    // canceling; the master dies at 60 ms and comes back at 160 ms: recovery turns canceling into error.
    const r = clean(
      params([
        {
          atUs: 0,
          jobs: [
            job(),
            job({ depends: [{ ref: { relative: 1 }, accept: [] }], action: { kind: 'cancel', afterUs: 50_000 } }),
          ],
        },
      ]),
      { faults: [{ kind: 'restart-masterd', at: { timeUs: 60_000 }, downUs: 100_000 }] },
    );
    expect(r.kinds('fault.restart-masterd').map((e) => e.fields)).toEqual([[]]);
    const job2 = r
      .kinds('job.status')
      .filter((e) => e.subject === 'job/2')
      .map((e) => e.fields[1]);
    expect(job2).toContain('canceling');
    expect(r.finals.get('job/2')).toBe('error');
  });
});
