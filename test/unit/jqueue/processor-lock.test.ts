/**
 * The per-job processor lock (Ganeti `_JobQueueWorker.RunTask`): a dependency that finishes while
 * a dependent's worker is still wrapping up re-adds the dependent to the pool, so the job sits in
 * the task list while a worker still holds it; the worker that picks it up waits for the job's
 * processor lock. Searched over schedules of a small chain with three workers.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf } from '../../../src/sim/events.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { makeQueue, statusCheckers, testOp, watch } from './queue-harness.js';

describe('per-job processor lock', () => {
  it('a job re-added by its dependency while its worker finishes waits for that worker; every run ends legally with all jobs done', () => {
    let contended = 0;
    for (let seed = 0; seed < 300; seed++) {
      const sim = Simulation.create({ seed, strategy: seed % 2 ? { kind: 'random' } : { kind: 'pct', depth: 3 } });
      const h = makeQueue(sim, { workers: 3 });
      const w = watch(sim, statusCheckers());
      sim.spawn('client', function* () {
        yield* h.queue.open();
        yield* h.queue.submitManyJobs([
          [testOp()],
          [testOp({ depends: [[-1, []]] })],
          [testOp({ depends: [[-2, []]] })],
        ]);
      });
      const r = sim.run();
      expect(r.outcome.kind).toBe('quiescent');
      expect(w.finish(r)).toEqual([]);
      expect([1, 2, 3].map((id) => h.queue.peekJob(id)?.calcStatus())).toEqual(['success', 'success', 'success']);
      if (eventsOf(r.trace.snapshot(), 'wait').some((e) => e.subject.endsWith('.processor.released'))) contended++;
    }
    expect(contended).toBeGreaterThan(0);
  });
});
