/**
 * The kernel's own invariants. Each part of the kernel checks the rules it is responsible for;
 * a broken rule is a bug of the harness, not of the system under test, so it is reported as a
 * `KernelInvariantError` naming the rule, and the run ends with a `harness` outcome (never an
 * `exception`, which is what a simulated thread's own error gives). The kernel records the
 * outcome before the error is thrown, so simulated code that catches everything cannot hide it.
 */

/** Every rule a part of the kernel asserts, named after what broke. */
export type InvariantRule =
  // Conditions (`kernel-conditions.ts`).
  /** A thread was woken that was not blocked. */
  | 'wake-not-blocked'
  /** A condition's queue held a thread that was not blocked on that condition. */
  | 'queue-holds-unblocked'
  /** A thread blocked while it was not the running, runnable thread. */
  | 'block-not-running'
  // Timers and the virtual clock (`kernel-timers.ts`).
  /** A timer was set before the current virtual time (or at no time at all: NaN). */
  | 'timer-in-the-past'
  /** The virtual clock was to move backwards. */
  | 'clock-backwards'
  /** A timer fired for a thread that was not waiting for that timer. */
  | 'timer-of-unblocked-thread'
  // Processes (`kernel-processes.ts`).
  /** A process died with threads of it still alive. */
  | 'dead-process-has-threads'
  /** A thread of a dead process was to be spawned, run or kept. */
  | 'thread-of-dead-process'
  // The run loop (`kernel.ts`).
  /** A thread in the ready list, or about to run, was not runnable. */
  | 'ready-not-runnable'
  /** More non-daemon threads ended than were started. */
  | 'live-count-negative'
  // Footprints (`kernel-footprints.ts`).
  /** The segment of a decision began with another thread than the one it chose. */
  | 'segment-not-begun-by-choice';

/** A broken kernel invariant: a harness bug, reported with the rule that broke. */
export class KernelInvariantError extends Error {
  constructor(
    readonly rule: InvariantRule,
    detail: string,
  ) {
    super(`kernel invariant ${rule} broken: ${detail}`);
    this.name = 'KernelInvariantError';
  }
}

/** How a part reports a broken rule: the kernel records it and hands back the error to throw. */
export type ReportBroken = (rule: InvariantRule, detail: string) => KernelInvariantError;
