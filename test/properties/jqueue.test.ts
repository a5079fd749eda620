/**
 * Properties of the job queue over random workloads (submissions with relative dependencies,
 * cancels, priority changes, contended locks with timeouts and escalation, failing opcodes,
 * feedback) and random or PCT schedules, with the fake locking executor of
 * `test/unit/jqueue/queue-harness.ts`. Each property is read from its checker in `src/check`;
 * fast-check runs with a fixed seed, so a failure replays and shrinks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MutantSet } from '../../src/mutants/registry.js';
import { isEvent } from '../../src/sim/events.js';
import { describeOutcome } from '../../src/sim/outcome.js';
import { runWorkload, seedArb, strategyArb, type WorkloadRun, workloadArb } from '../unit/jqueue/workload.js';

const RUNS = Number(process.env.JQUEUE_RUNS ?? 300);

/** Random workloads end quietly and report none of the violations `pick` selects. */
function holds(pick: (violation: string) => boolean, numRuns = RUNS): void {
  fc.assert(
    fc.property(workloadArb, seedArb, strategyArb, (w, seed, strategy) => {
      const r = runWorkload(w, { seed, strategy, mutants: MutantSet.none });
      expect(r.result.outcome.kind, describeOutcome(r.result.outcome)).toBe('quiescent');
      expect(r.violations.filter(pick)).toEqual([]);
    }),
    { numRuns, seed: 4242 },
  );
}

describe('job queue properties', () => {
  it('property: every job and opcode status change is legal per the status models, and no job file is written after its final write (LST)', () => {
    holds((v) => v.startsWith('LST'));
  });

  it('property: the queue lock is never held while an opcode runs (QLOCK)', () => {
    holds((v) => v.startsWith('QLOCK'));
  });

  it('property: an opcode with dependencies runs only after each dependency finished with an accepted status (DEP)', () => {
    holds((v) => v.startsWith('DEP'));
  });

  it('property: workers pick queued jobs in priority order, FIFO within a priority (PRIO)', () => {
    holds((v) => v.startsWith('PRIO'));
  });

  it('property: without faults every submitted job reaches a final status and the run ends quiescent (liveness)', () => {
    holds((v) => v.startsWith('liveness'));
  });

  it('the random workloads exercise lock timeouts, escalation, dependency waits, cancels, failures and LU-generated jobs', () => {
    const seen = new Map<string, number>();
    const note = (k: string, n = 1) => seen.set(k, (seen.get(k) ?? 0) + n);
    fc.assert(
      fc.property(workloadArb, seedArb, strategyArb, (w, seed, strategy) => {
        const r: WorkloadRun = runWorkload(w, { seed, strategy, mutants: MutantSet.none });
        for (const e of r.sim.trace.snapshot()) {
          if (isEvent(e, 'jqueue.exec.end')) note(`exec:${e.fields[0]}`);
          if (isEvent(e, 'jqueue.exec.start') && e.fields[0] !== '') note('exec-with-deps');
          if (isEvent(e, 'job.status')) note(`job:${e.fields[1]}`);
          if (isEvent(e, 'job.log')) note('feedback');
          if (isEvent(e, 'pool.reprioritize')) note('reprioritize');
          if (e.kind === 'jqueue.submit' && r.sim.trace.threadNames.get(e.thread)?.startsWith('Jq')) note('lu-jobs');
        }
        for (const id of r.jobIds) {
          const job = r.harness.queue.peekJob(id);
          if (job?.ops.some((o) => o.priority < -10)) note('escalated');
        }
      }),
      { numRuns: 200, seed: 4242 },
    );
    for (const k of [
      'exec:success',
      'exec:error',
      'exec:waiting',
      'exec:canceling',
      'exec-with-deps',
      'job:canceled',
      'job:error',
      'job:canceling',
      'feedback',
      'reprioritize',
      'escalated',
      'lu-jobs',
    ]) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });
});
