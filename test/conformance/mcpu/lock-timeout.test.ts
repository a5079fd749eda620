/**
 * Ganeti `test/py/ganeti.mcpu_unittest.py` TestLockAttemptTimeoutStrategy (v2.10.8), spec §9.3,
 * §5.6; plus the schedule's exact shape and the priority escalation it drives.
 */
import { describe, expect, it } from 'vitest';
import {
  LOCK_ATTEMPTS_MAXWAIT,
  LOCK_ATTEMPTS_MINWAIT,
  LOCK_ATTEMPTS_TIMEOUT,
  OP_PRIO_DEFAULT,
  OP_PRIO_HIGHEST,
} from '../../../src/jqueue/constants.js';
import { OpExecContext } from '../../../src/jqueue/op-exec-context.js';
import { QueuedOpCode } from '../../../src/jqueue/queued-opcode.js';
import {
  LockAttemptTimeoutStrategy,
  lockAttemptTimeoutStrategyFactory,
  TIMEOUT_PER_ATTEMPT,
} from '../../../src/mcpu/lock-timeout.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { op } from '../../support/jqueue.js';

const half = { float: () => 0.5 };

describe('TestLockAttemptTimeoutStrategy', () => {
  it('TestLockAttemptTimeoutStrategy.testConstants: enough attempts to wait LOCK_ATTEMPTS_TIMEOUT, which is between 30 and 60 minutes', () => {
    const tpa = TIMEOUT_PER_ATTEMPT;
    expect(tpa.length).toBeGreaterThan(LOCK_ATTEMPTS_TIMEOUT / LOCK_ATTEMPTS_MAXWAIT);
    expect(tpa.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(LOCK_ATTEMPTS_TIMEOUT);
    expect(LOCK_ATTEMPTS_TIMEOUT).toBeGreaterThanOrEqual(1800); // "Waiting less than half an hour per priority"
    expect(LOCK_ATTEMPTS_TIMEOUT).toBeLessThanOrEqual(3600); // "Waiting more than an hour per priority"
  });

  it('TestLockAttemptTimeoutStrategy.testSimple: without jitter the timeouts are non-decreasing within [MINWAIT, MAXWAIT], then blocking (null)', () => {
    const strat = new LockAttemptTimeoutStrategy(half);
    let prev: number | null = null;
    for (let i = 0; i < TIMEOUT_PER_ATTEMPT.length; i++) {
      const timeout = strat.nextAttemptSeconds();
      expect(timeout).not.toBeNull();
      const t = timeout as number;
      expect(t).toBeLessThanOrEqual(LOCK_ATTEMPTS_MAXWAIT);
      expect(t).toBeGreaterThanOrEqual(LOCK_ATTEMPTS_MINWAIT);
      expect(prev === null || t >= prev).toBe(true);
      prev = t;
    }
    for (let i = 0; i < 10; i++) expect(strat.nextAttemptSeconds()).toBeNull();
  });

  it('the schedule is exactly Ganeti’s: 130 attempts, ~1811 s, starting 1.0, 1.063, 1.147, ... 13.41, then 15.0', () => {
    expect(TIMEOUT_PER_ATTEMPT.length).toBe(130);
    expect(TIMEOUT_PER_ATTEMPT.reduce((a, b) => a + b, 0)).toBeCloseTo(1811.2243842317878, 9);
    const head = [1.0, 1.063, 1.147, 1.262, 1.421, 1.65, 1.987, 2.508, 3.354, 4.824, 7.599, 13.41, 15.0];
    head.forEach((v, i) => {
      expect(TIMEOUT_PER_ATTEMPT[i]).toBeCloseTo(v, 2);
    });
    expect(TIMEOUT_PER_ATTEMPT.slice(12).every((t) => t === 15.0)).toBe(true);
  });

  it('jitter is ±5 %: rand 0 gives -5 %, rand -> 1 gives +5 %, in integer µs', () => {
    const low = new LockAttemptTimeoutStrategy({ float: () => 0 });
    const high = new LockAttemptTimeoutStrategy({ float: () => 0.999999 });
    const exact = new LockAttemptTimeoutStrategy(half);
    for (const base of TIMEOUT_PER_ATTEMPT) {
      const [l, h, e] = [low.nextAttempt(), high.nextAttempt(), exact.nextAttempt()];
      expect(l).toBe(Math.round(base * 0.95 * 1e6));
      expect(h as number).toBeLessThanOrEqual(Math.round(base * 1.05 * 1e6));
      expect(h as number).toBeGreaterThan(Math.round(base * 1.0499 * 1e6));
      expect(e).toBe(Math.round(base * 1e6));
    }
    expect(low.nextAttempt()).toBeNull();
  });

  it("the jitter comes from the kernel's jitter stream: same seed, same timeouts; other streams do not shift it", () => {
    const draw = (seed: number, disturb: boolean) => {
      const sim = Simulation.create({ seed });
      if (disturb) for (let i = 0; i < 7; i++) sim.rng('workload').float();
      const s = new LockAttemptTimeoutStrategy(sim.rng('jitter'));
      return Array.from({ length: 20 }, () => s.nextAttempt());
    };
    expect(draw(3, false)).toEqual(draw(3, true));
    expect(draw(3, false)).not.toEqual(draw(4, false));
  });

  it('escalation: from priority 0 one step per exhausted schedule down to -20 (20 schedules, ~10 h), blocking only at -20', () => {
    const sim = Simulation.create({ seed: 11 });
    const q = new QueuedOpCode(op('OP_INSTANCE_STARTUP'));
    expect(q.priority).toBe(OP_PRIO_DEFAULT);
    const ctx = new OpExecContext(q, 0, 'Op 1/1', lockAttemptTimeoutStrategyFactory(sim.rng('jitter')));
    let waitedUs = 0;
    let attempts = 0;
    let escalations = 0;
    const perPriority = new Map<number, number>();
    for (;;) {
      const timeout = ctx.getNextLockTimeout();
      if (timeout === null) break; // blocking acquire
      attempts++;
      waitedUs += timeout; // every timed attempt fails
      perPriority.set(q.priority, (perPriority.get(q.priority) ?? 0) + 1);
      if (ctx.checkPriorityIncrease()) escalations++;
    }
    expect(q.priority).toBe(OP_PRIO_HIGHEST);
    expect(escalations).toBe(20);
    expect(attempts).toBe(21 * 130);
    // 21 schedules of ~1811 s each: 20 before reaching -20, one more at -20 before blocking.
    for (let p = OP_PRIO_DEFAULT; p >= OP_PRIO_HIGHEST; p--) expect(perPriority.get(p)).toBe(130);
    const hours = waitedUs / 3_600_000_000;
    expect(hours).toBeGreaterThan((21 * 1811 * 0.95) / 3600);
    expect(hours).toBeLessThan((21 * 1811 * 1.05) / 3600);
    // Once at -20 and exhausted, no further increase: the next attempt stays blocking.
    expect(ctx.checkPriorityIncrease()).toBe(false);
    expect(ctx.getNextLockTimeout()).toBeNull();
  });

  it('priority changes only touch the queued opcode, never its input', () => {
    const input = op('OP_INSTANCE_STARTUP', { priority: 0 });
    const q = new QueuedOpCode(input);
    const ctx = new OpExecContext(q, 0, 'Op 1/1', () => ({ nextAttempt: () => null }));
    expect(ctx.checkPriorityIncrease()).toBe(true);
    expect(q.priority).toBe(-1);
    expect(input.priority).toBe(0);
  });
});
