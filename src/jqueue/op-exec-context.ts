/**
 * `_OpExecContext` and `_TimeoutStrategyWrapper` (spec §5.5–5.6): the state an opcode keeps
 * between processor runs while it waits for locks or dependencies: its remaining dependencies
 * and its lock-attempt timeout strategy, with the priority escalation rule.
 *
 * The strategy itself lives in `src/mcpu/lock-timeout.ts` and is injected as a factory (jqueue
 * does not import mcpu; Ganeti injects it the same way for its tests).
 */
import { OP_PRIO_HIGHEST } from './constants.js';
import type { JobDependency } from './opcode.js';
import { opSummary } from './opcode.js';
import type { QueuedOpCode } from './queued-opcode.js';

/** Hands out the timeouts of an opcode's successive lock-acquisition attempts. */
export interface TimeoutStrategy {
  /** Timeout of the next attempt in virtual µs, or null for a blocking acquire. */
  nextAttempt(): number | null;
}

export type TimeoutStrategyFactory = () => TimeoutStrategy;

/** Lets the processor look at the next timeout without consuming it (`Peek`) before using it (`Next`). */
export class TimeoutStrategyWrapper {
  private nextValue: number | null | undefined = undefined;

  constructor(private readonly fn: () => number | null) {}

  peek(): number | null {
    this.advance();
    return this.nextValue as number | null;
  }

  next(): number | null {
    this.advance();
    const result = this.nextValue as number | null;
    this.nextValue = undefined;
    return result;
  }

  private advance(): void {
    if (this.nextValue === undefined) this.nextValue = this.fn();
  }
}

export class OpExecContext {
  readonly summary: string;
  /** Dependencies still to check, consumed head first (a copy of the input's `depends`). */
  jobdeps: JobDependency[] | null;
  private timeoutStrategy!: TimeoutStrategyWrapper;
  private strategy!: TimeoutStrategy;

  constructor(
    readonly op: QueuedOpCode,
    readonly index: number,
    readonly logPrefix: string,
    private readonly timeoutStrategyFactory: TimeoutStrategyFactory,
  ) {
    this.summary = opSummary(op.input);
    const deps = op.input.depends;
    this.jobdeps = deps && deps.length > 0 ? deps.map(([id, st]) => [id, [...st]] as JobDependency) : null;
    this.resetTimeoutStrategy();
  }

  /**
   * Called after a failed lock attempt. When the next attempt would be a blocking acquire and
   * the opcode is not yet at the highest priority, raises its priority by one step and starts a
   * fresh schedule; returns whether it did (the job must then be written). So a blocking
   * acquire only ever happens at `OP_PRIO_HIGHEST`.
   */
  checkPriorityIncrease(): boolean {
    const op = this.op;
    if (this.timeoutStrategy.peek() === null && op.priority > OP_PRIO_HIGHEST) {
      op.priority -= 1;
      this.resetTimeoutStrategy();
      return true;
    }
    return false;
  }

  /** Timeout for the next lock-acquisition attempt (µs), or null for blocking. */
  getNextLockTimeout(): number | null {
    return this.timeoutStrategy.next();
  }

  /** The strategy in use (a fresh one after each priority increase); for tests. */
  get currentStrategy(): TimeoutStrategy {
    return this.strategy;
  }

  private resetTimeoutStrategy(): void {
    const strategy = this.timeoutStrategyFactory();
    this.strategy = strategy;
    this.timeoutStrategy = new TimeoutStrategyWrapper(() => strategy.nextAttempt());
  }
}
