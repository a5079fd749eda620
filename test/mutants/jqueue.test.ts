/**
 * The job-queue mutants of `spec/mutants.md`: for each, a property that holds for the real queue
 * and fails once the mutant is switched on. The queue runs under the kernel with the fake locking
 * executor; fast-check draws the schedules (and small workload parameters) with a fixed seed, so
 * both verdicts are reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MutantName, MutantSet } from '../../src/mutants/registry.js';
import type { Kernel } from '../../src/sim/kernel.js';
import { describeOutcome } from '../../src/sim/outcome.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation, type StrategySpec } from '../../src/sim/simulation.js';
import {
  fixedTimeouts,
  makeQueue,
  type QueueHarness,
  statusCheckers,
  testOp,
  watch,
} from '../unit/jqueue/queue-harness.js';
import { runWorkload, seedArb, strategyArb, workloadArb } from '../unit/jqueue/workload.js';

/** Runs the property without and with the mutant; returns both verdicts. */
function verdicts<Ts extends [unknown, ...unknown[]]>(
  name: MutantName,
  prop: (mutants: MutantSet) => fc.IPropertyWithHooks<Ts>,
  numRuns: number,
) {
  const params = { numRuns, seed: 20261129 };
  return { clean: fc.check(prop(MutantSet.none), params), mutated: fc.check(prop(MutantSet.of(name)), params) };
}

/** Fails with the violations themselves as the message (vitest would shorten a diff). */
function assertNone(violations: readonly string[]): void {
  if (violations.length > 0) throw new Error(violations.join('\n'));
}

/** A queue in a fresh simulation with a client thread; returns the run's outcome and the checkers' violations. */
function runClient(
  mutants: MutantSet,
  seed: number,
  strategy: StrategySpec,
  workers: number,
  client: (h: QueueHarness, sim: Kernel) => Proc<void>,
) {
  const sim = Simulation.create({ seed, strategy, budget: { maxSteps: 100_000 } });
  const h = makeQueue(sim, { workers, mutants, timeouts: fixedTimeouts([1000, 3000]) });
  const w = watch(sim, statusCheckers());
  sim.spawn('client', function* () {
    yield* h.queue.open();
    yield* client(h, sim);
  });
  const result = sim.run();
  return { h, result, violations: w.finish(result) };
}

describe('job queue mutants', () => {
  it('queue-lock-held-during-lu: the queue lock is never held while an opcode runs — fails only with the mutant', () => {
    const prop = (mutants: MutantSet) =>
      fc.property(workloadArb, seedArb, strategyArb, (w, seed, strategy) => {
        const r = runWorkload(w, { seed, strategy, mutants });
        assertNone(r.violations.filter((v) => v.startsWith('QLOCK')));
      });
    const { clean, mutated } = verdicts('queue-lock-held-during-lu', prop, 100);
    expect(
      clean.failed,
      clean.failed ? `${clean.counterexample}: ${String(clean.errorInstance).slice(0, 600)}` : '',
    ).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toContain('while holding the queue lock JobQueue');
  });

  it('queue-lock-held-during-lu: the first feedback message of an opcode needs the queue lock again', () => {
    const run = (mutants: MutantSet) =>
      runClient(mutants, 1, { kind: 'fifo' }, 1, function* ({ queue }) {
        yield* queue.submitJob([testOp({ feedback: 1 })]);
      });
    expect(run(MutantSet.none).h.queue.peekJob(1)?.calcStatus()).toBe('success');
    const mutated = run(MutantSet.of('queue-lock-held-during-lu')).h.queue.peekJob(1);
    expect(mutated?.calcStatus()).toBe('error');
    expect(JSON.stringify(mutated?.ops[0]?.result)).toContain('double acquire() on a non-recursive lock JobQueue');
  });

  it('depmgr-notify-under-lock: chained jobs never deadlock — a queue lock / dependency-manager lock cycle only with the mutant', () => {
    const prop = (mutants: MutantSet) =>
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.integer({ min: 2, max: 4 }),
        seedArb,
        strategyArb,
        (jobs, workers, seed, strategy) => {
          const r = runClient(mutants, seed, strategy, workers, function* ({ queue }) {
            yield* queue.submitManyJobs(
              Array.from({ length: jobs }, (_, i) => [testOp(i === 0 ? {} : { depends: [[-1, []]] })]),
            );
            yield* queue.submitManyJobs([[testOp({ duration_us: 10 })], [testOp({ depends: [[-1, []]] })]]);
          });
          expect(describeOutcome(r.result.outcome)).toMatch(/^quiescent/);
        },
      );
    const { clean, mutated } = verdicts('depmgr-notify-under-lock', prop, 300);
    expect(
      clean.failed,
      clean.failed ? `${clean.counterexample}: ${String(clean.errorInstance).slice(0, 600)}` : '',
    ).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toContain('deadlock');
  });

  it('cancel-checked-once: a cancel that lands during a lock attempt ends the job canceled, legally — fails only with the mutant', () => {
    const prop = (mutants: MutantSet) =>
      fc.property(fc.integer({ min: 1, max: 3500 }), seedArb, strategyArb, (cancelAtUs, seed, strategy) => {
        const r = runClient(mutants, seed, strategy, 2, function* ({ queue, locks }, sim) {
          // The client holds the lock the job needs for a while, so the job's attempts time out.
          yield* locks.get('x').acquire();
          const id = yield* queue.submitJob([testOp({ locks: ['x'] }), testOp()]);
          yield* sim.sleep(cancelAtUs);
          yield* queue.cancelJob(id);
          yield* sim.sleep(8000 - cancelAtUs);
          locks.get('x').release();
        });
        assertNone(r.violations);
        expect(r.h.queue.peekJob(1)?.calcStatus()).toBe('canceled');
      });
    const { clean, mutated } = verdicts('cancel-checked-once', prop, 100);
    expect(
      clean.failed,
      clean.failed ? `${clean.counterexample}: ${String(clean.errorInstance).slice(0, 600)}` : '',
    ).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toContain('canceling -> waiting');
  });

  it('write-after-final: a job file is never written after its final write (a cancelled queued job, then archived) — fails only with the mutant', () => {
    const prop = (mutants: MutantSet) =>
      fc.property(fc.boolean(), seedArb, strategyArb, (archive, seed, strategy) => {
        const r = runClient(mutants, seed, strategy, 1, function* ({ queue }) {
          // The only worker is busy, so job 2 is still in the pool when it is cancelled.
          yield* queue.submitJob([testOp({ duration_us: 5000 })]);
          const id = yield* queue.submitJob([testOp()]);
          expect(yield* queue.cancelJob(id)).toEqual([true, `Job ${id} canceled`]);
          if (archive) expect(yield* queue.archiveJob(id)).toBe(true);
        });
        expect(r.result.outcome.kind).toBe('quiescent');
        assertNone(r.violations);
      });
    const { clean, mutated } = verdicts('write-after-final', prop, 50);
    expect(
      clean.failed,
      clean.failed ? `${clean.counterexample}: ${String(clean.errorInstance).slice(0, 600)}` : '',
    ).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toContain('was written again');
  });

  it('dependency-cancel-ignored: the dependent of a cancelled job is cancelled and every job finishes — fails only with the mutant', () => {
    const prop = (mutants: MutantSet) =>
      fc.property(fc.integer({ min: 1, max: 3000 }), seedArb, strategyArb, (cancelAtUs, seed, strategy) => {
        const r = runClient(mutants, seed, strategy, 2, function* ({ queue, locks }, sim) {
          // Job 1 cannot get its lock until the client releases it; job 2 waits for job 1.
          yield* locks.get('x').acquire();
          yield* queue.submitManyJobs([[testOp({ locks: ['x'] })], [testOp({ depends: [[-1, ['success']]] })]]);
          yield* sim.sleep(cancelAtUs);
          yield* queue.cancelJob(1);
          yield* sim.sleep(6000 - cancelAtUs);
          locks.get('x').release();
        });
        assertNone(r.violations);
        expect([1, 2].map((id) => r.h.queue.peekJob(id)?.calcStatus())).toEqual(['canceled', 'canceled']);
      });
    const { clean, mutated } = verdicts('dependency-cancel-ignored', prop, 50);
    expect(
      clean.failed,
      clean.failed ? `${clean.counterexample}: ${String(clean.errorInstance).slice(0, 600)}` : '',
    ).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toContain('never reached a final status: job/2 (waiting)');
  });
});
