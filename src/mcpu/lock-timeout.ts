/**
 * The lock-attempt timeout strategy (`mcpu.LockAttemptTimeoutStrategy`, spec §5.6, §8.3).
 *
 * An opcode acquires all its locks in one attempt bounded by a timeout. The timeouts of
 * successive attempts follow a fixed schedule: 1.0 s, then `clamp((prev*1.05)**1.25, 1.0, 15.0)`
 * until the sum reaches `LOCK_ATTEMPTS_TIMEOUT` (1800 s): 130 attempts, about 1811 s. Each value
 * gets ±5 % jitter (`t + rand*0.1t - 0.05t`) so that jobs fighting over the same locks drift
 * apart; the random number comes from the kernel's `jitter` stream. After the schedule comes
 * `null`, a blocking acquire. The job processor (`OpExecContext.checkPriorityIncrease`) raises
 * the opcode's priority by one step instead whenever the schedule is exhausted, so a blocking
 * acquire only happens at priority -20: from the default priority that takes 20 schedules, about
 * 10 hours of virtual time.
 */
import { LOCK_ATTEMPTS_MAXWAIT, LOCK_ATTEMPTS_MINWAIT, LOCK_ATTEMPTS_TIMEOUT } from '../jqueue/constants.js';
import type { TimeoutStrategy, TimeoutStrategyFactory } from '../jqueue/op-exec-context.js';

/** The random source the jitter needs: a float in `[0, 1)` (the kernel's `Rng` fits). */
export interface JitterSource {
  float(): number;
}

/** `_CalculateLockAttemptTimeouts`: the schedule in seconds, computed exactly as Ganeti does. */
export function calculateLockAttemptTimeouts(): readonly number[] {
  const result = [LOCK_ATTEMPTS_MINWAIT];
  let runningSum = LOCK_ATTEMPTS_MINWAIT;
  // Wait for a total of at least LOCK_ATTEMPTS_TIMEOUT before doing a blocking acquire.
  while (runningSum < LOCK_ATTEMPTS_TIMEOUT) {
    let timeout = ((result[result.length - 1] as number) * 1.05) ** 1.25;
    // Cap the maximum so other jobs get a chance to run; cap the minimum for safety.
    timeout = Math.min(timeout, LOCK_ATTEMPTS_MAXWAIT);
    timeout = Math.max(timeout, LOCK_ATTEMPTS_MINWAIT);
    result.push(timeout);
    runningSum += timeout;
  }
  return result;
}

/** Ganeti's `_TIMEOUT_PER_ATTEMPT`, seconds: 130 entries summing to ~1811 s. */
export const TIMEOUT_PER_ATTEMPT: readonly number[] = Object.freeze(calculateLockAttemptTimeouts());

export class LockAttemptTimeoutStrategy implements TimeoutStrategy {
  private attempt = 0;

  constructor(private readonly random: JitterSource) {}

  /** `NextAttempt`: the next timeout in seconds (with jitter), or null once the schedule is used up. */
  nextAttemptSeconds(): number | null {
    const base = TIMEOUT_PER_ATTEMPT[this.attempt];
    if (base === undefined) return null;
    this.attempt++;
    // Add a small variation (-/+ 5%) so that jobs fighting for the same locks drift apart.
    const variationRange = base * 0.1;
    return base + (this.random.float() * variationRange - variationRange * 0.5);
  }

  /** The next timeout in virtual µs (rounded), or null for a blocking acquire. */
  nextAttempt(): number | null {
    const s = this.nextAttemptSeconds();
    return s === null ? null : Math.round(s * 1_000_000);
  }
}

/** A factory for the job processor: a fresh strategy per opcode (and per priority step). */
export function lockAttemptTimeoutStrategyFactory(random: JitterSource): TimeoutStrategyFactory {
  return () => new LockAttemptTimeoutStrategy(random);
}
