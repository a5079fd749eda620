/**
 * How `LockSet.acquire` spends its one timeout (Ganeti's `_GetLsAcquireModeAndTimeouts` and
 * `utils.RunningTimeout`, spec §2.2). The timeout covers the whole call: the internal set lock and
 * every member get what is left of it; opportunistic member acquires get 0 (taken only if free and
 * nobody is queued).
 *
 * | names | opportunistic | mode          | internal-lock timeout | per-member timeout |
 * |-------|---------------|---------------|-----------------------|--------------------|
 * | list  | no            | exact         | —                     | remaining          |
 * | list  | yes           | opportunistic | —                     | 0 (timeout must be null) |
 * | all   | no            | all           | remaining             | remaining (same clock) |
 * | all   | yes           | opportunistic | remaining             | 0                  |
 */
import { usageCheck } from './errors.js';

export type LsAcquireMode = 'exact' | 'all' | 'opportunistic';

export interface Clock {
  now(): number;
}

/** A timeout that starts at its first use and counts down in virtual microseconds, never below 0. */
export class RunningTimeout {
  private start: number | null = null;

  constructor(
    private readonly clock: Clock,
    readonly timeoutUs: number | null,
  ) {
    if (timeoutUs !== null && timeoutUs < 0) throw new Error('Timeout must not be negative');
  }

  /** Microseconds left, or `null` when there is no timeout. */
  remaining(): number | null {
    if (this.timeoutUs === null) return null;
    if (this.start === null) this.start = this.clock.now();
    return Math.max(0, this.start + this.timeoutUs - this.clock.now());
  }
}

/** Always 0: the member timeout of opportunistic acquires (`_TimeoutZero`). */
export function timeoutZero(): number {
  return 0;
}

export interface LsAcquirePlan {
  readonly mode: LsAcquireMode;
  /** Timeout for the internal set lock; `null` when the call does not take it (named acquires). */
  readonly setLockTimeout: (() => number | null) | null;
  /** Timeout for each member lock, asked right before each member acquire. */
  readonly memberTimeout: () => number | null;
}

export function getLsAcquireModeAndTimeouts(
  wantAll: boolean,
  timeoutUs: number | null,
  opportunistic: boolean,
  clock: Clock,
): LsAcquirePlan {
  if (opportunistic) {
    if (!wantAll) {
      usageCheck(
        timeoutUs === null,
        'lockset-opportunistic-timeout',
        'Timeouts are not supported when acquiring named locks opportunistically',
      );
    }
    const running = new RunningTimeout(clock, timeoutUs);
    return {
      mode: 'opportunistic',
      setLockTimeout: wantAll ? () => running.remaining() : null,
      memberTimeout: timeoutZero,
    };
  }
  const running = new RunningTimeout(clock, timeoutUs);
  const remaining = () => running.remaining();
  return wantAll
    ? { mode: 'all', setLockTimeout: remaining, memberTimeout: remaining }
    : { mode: 'exact', setLockTimeout: null, memberTimeout: remaining };
}
