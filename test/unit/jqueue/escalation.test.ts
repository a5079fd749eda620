/**
 * Priority escalation through the real queue (spec §5.6): a job whose lock is held elsewhere for
 * eleven hours of virtual time exhausts one lock-attempt schedule of Ganeti's strategy (130 timed
 * attempts, about 1811 s) at each priority from 0 to -19 and is raised one step after each (every
 * step written to its job file); at -20 it runs one more schedule and only then acquires blocking —
 * and gets the lock the moment it is released.
 */
import { describe, expect, it } from 'vitest';
import { OP_PRIO_DEFAULT, OP_PRIO_HIGHEST } from '../../../src/jqueue/constants.js';
import { lockAttemptTimeoutStrategyFactory, TIMEOUT_PER_ATTEMPT } from '../../../src/mcpu/lock-timeout.js';
import { eventsOf } from '../../../src/sim/events.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { makeQueue, statusCheckers, testOp, watch } from './queue-harness.js';

const HOLD_US = 11 * 3600 * 1_000_000;

describe('lock-attempt escalation through the queue', () => {
  it('a job escalates from priority 0 to -20 over 20 schedules (~10 h), then after one more schedule acquires blocking and runs once the lock is free', () => {
    const sim = Simulation.create({ seed: 7, strategy: { kind: 'fifo' }, budget: { maxSteps: 1_000_000 } });
    const h = makeQueue(sim, { workers: 2, timeouts: lockAttemptTimeoutStrategyFactory(sim.rng('jitter')) });
    const w = watch(sim, statusCheckers());
    let releasedAt = 0;
    const client = sim.spawn('client', function* () {
      yield* h.queue.open();
      yield* h.locks.get('x').acquire();
      yield* h.queue.submitJob([testOp({ locks: ['x'] })]);
      yield* sim.sleep(HOLD_US);
      releasedAt = sim.now();
      h.locks.get('x').release();
    });
    const r = sim.run();
    expect(r.outcome.kind).toBe('quiescent');
    expect(w.finish(r)).toEqual([]);
    const job = h.queue.peekJob(1);
    expect(job?.calcStatus()).toBe('success');
    expect(job?.ops[0]?.priority).toBe(OP_PRIO_HIGHEST);

    const trace = r.trace.snapshot();
    const attempts = eventsOf(trace, 'lock.acquire').filter((e) => e.subject === 'x');
    // 130 timed attempts at each of the 20 priorities 0..-19, 130 more at -20, then one blocking attempt.
    const perSchedule = TIMEOUT_PER_ATTEMPT.length;
    const jobAttempts = attempts.filter((e) => e.thread !== client.id);
    const byPriority = new Map<number, number>();
    for (const {
      fields: [, priority],
    } of jobAttempts)
      byPriority.set(priority, (byPriority.get(priority) ?? 0) + 1);
    for (let p = OP_PRIO_DEFAULT; p > OP_PRIO_HIGHEST; p--)
      expect(byPriority.get(p), `priority ${p}`).toBe(perSchedule);
    expect(byPriority.get(OP_PRIO_HIGHEST)).toBe(perSchedule + 1);
    const blocking = jobAttempts.filter((e) => e.fields[2] === -1);
    expect(blocking.map((e) => e.fields[1])).toEqual([OP_PRIO_HIGHEST]);
    // The blocking attempt started after about 21 schedules of ~1811 s (with ±5 % jitter).
    const startedBlockingAt = blocking[0]?.time ?? 0;
    expect(startedBlockingAt / 1e6).toBeGreaterThan(21 * 1700);
    expect(startedBlockingAt / 1e6).toBeLessThan(21 * 1900);
    expect(startedBlockingAt).toBeLessThan(releasedAt);
    // The job got the lock the moment it was released.
    const acquired = eventsOf(trace, 'lock.acquired').find((e) => e.subject === 'x' && e.fields[1] === OP_PRIO_HIGHEST);
    expect(acquired?.time).toBe(releasedAt);
    // Each priority step was written to the job file: 20 writes while waiting.
    const waitingWrites = eventsOf(trace, 'jqueue.write').filter(
      (e) => e.subject === 'job/1' && e.fields[0] === 'waiting',
    );
    expect(waitingWrites.length).toBe(1 + 20);
  });
});
