/**
 * Acceptance (issue 4): a job that cannot get its lock escalates its priority from 0 to -20
 * through all the lock-attempt schedules (spec §5.6: 130 timed attempts per schedule, about
 * 30 minutes each, one priority step per exhausted schedule, so about 10 hours to reach -20),
 * then waits blocking at -20 and gets the lock as soon as its holder lets go. Everything runs in
 * virtual time: the real job queue, processor, lock manager and the 130-step strategy with jitter.
 */
import { describe, expect, it } from 'vitest';
import { ESCALATION_HOLD_HOURS, startEscalation } from '../../../scenarios/ganeti/escalation.js';
import { TIMEOUT_PER_ATTEMPT } from '../../../src/mcpu/lock-timeout.js';
import { Simulation } from '../../../src/sim/simulation.js';

const HOUR_US = 3600 * 1_000_000;

describe('lock-timeout escalation through the job queue', () => {
  it('a job blocked by a 12-hour lock holder escalates 0 -> -20 one step per exhausted schedule (about 10 h), then acquires blocking at -20 when the holder releases', () => {
    const sim = Simulation.create({ seed: 5, strategy: { kind: 'fifo' }, budget: { maxTimeUs: 24 * HOUR_US } });
    const out = startEscalation(sim);
    const result = sim.run();
    expect(result.outcome.kind).not.toBe('budget');
    expect(out.holder).toBe('success');
    expect(out.waiter).toBe('success');
    expect(out.finalPriority).toEqual([-20]);

    // The holder's one acquire, then the waiter's attempts.
    const attempts = out.acquires.slice(1).map(({ time, fields: [, prio, timeout] }) => ({ time, prio, timeout }));
    const timed = attempts.filter((a) => a.timeout !== -1);
    const blocking = attempts.filter((a) => a.timeout === -1);
    const steps = TIMEOUT_PER_ATTEMPT.length;
    // 130 timed attempts at each priority 0, -1, ..., -20 (a fresh schedule at -20 too), then one blocking acquire.
    expect(timed.length).toBe(21 * steps);
    for (let p = 0; p >= -20; p--) expect(timed.filter((a) => a.prio === p).length).toBe(steps);
    expect(attempts.map((a) => a.prio)).toEqual([...attempts.map((a) => a.prio)].sort((a, b) => b - a));
    expect(blocking).toHaveLength(1);
    expect(blocking[0]?.prio).toBe(-20);
    expect(attempts.at(-1)).toBe(blocking[0]);

    // Priority -20 is reached after 20 schedules of ~1811 s each (±5 % jitter): about 10 hours.
    const reached = timed.find((a) => a.prio === -20)?.time ?? 0;
    expect(reached / HOUR_US).toBeGreaterThan(9.5);
    expect(reached / HOUR_US).toBeLessThan(10.5);
    // The blocking acquire is granted the moment the holder's 12 hours are over.
    expect(out.acquiredAtUs).toBe(ESCALATION_HOLD_HOURS * HOUR_US);
  });
});
