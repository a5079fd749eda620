/** How a run ended. Every outcome other than `completed` and `quiescent` is a finding. */

/** A thread that could not run when the run ended, and what it waited on. */
export interface BlockedThread {
  readonly thread: number;
  readonly name: string;
  readonly process: string | null;
  /** Name of the condition (or `sleep`) it waits on. */
  readonly waitsOn: string;
  /** Idle waits (a worker waiting for work) do not count toward deadlock. */
  readonly idle: boolean;
  /** Virtual time at which the wait began. */
  readonly since: number;
}

export type Outcome =
  /** Every non-daemon thread finished. */
  | { readonly kind: 'completed' }
  /** Nothing can run, no timer is pending, and every waiting thread waits idly. */
  | { readonly kind: 'quiescent'; readonly waiting: readonly BlockedThread[] }
  /** Nothing can run, no timer is pending, and some thread waits in a blocking wait. */
  | { readonly kind: 'deadlock'; readonly blocked: readonly BlockedThread[] }
  /** A step or virtual-time limit was hit: a hang or a livelock, reported rather than suffered. */
  | { readonly kind: 'budget'; readonly limit: 'steps' | 'time'; readonly value: number }
  /** A safety property raised by the system or a checker. */
  | {
      readonly kind: 'violation';
      readonly violation: string;
      readonly message: string;
      readonly objects: readonly string[];
    }
  /** A simulated thread threw; the harness itself is fine. */
  | {
      readonly kind: 'exception';
      readonly thread: string;
      /** The error's `name` (e.g. `LockUsageError`), so checkers can classify it. */
      readonly errorName: string;
      readonly message: string;
      readonly stack: string;
    }
  /** Simulated code read real time, real randomness or a real timer. */
  | { readonly kind: 'nondeterminism'; readonly api: string; readonly thread: string; readonly caller: string }
  /** A replayed schedule did not fit the run (the program changed since it was recorded). */
  | { readonly kind: 'divergence'; readonly message: string }
  /**
   * The kernel broke one of its own invariants (`kernel-invariants.ts`): a bug of the harness,
   * not of the system under test; `rule` names what broke.
   */
  | { readonly kind: 'harness'; readonly rule: string; readonly message: string; readonly stack: string };

export type OutcomeKind = Outcome['kind'];

export function isFinding(o: Outcome): boolean {
  return o.kind !== 'completed' && o.kind !== 'quiescent';
}

/** One line that says what happened, for CLIs and test failure messages. */
export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'completed':
      return 'completed';
    case 'quiescent':
      return `quiescent (${o.waiting.length} threads waiting idly)`;
    case 'deadlock':
      return `deadlock: ${o.blocked
        .filter((b) => !b.idle)
        .map((b) => `${b.name} waits on ${b.waitsOn}`)
        .join('; ')}`;
    case 'budget':
      return `budget: ${o.limit} limit ${o.value} reached`;
    case 'violation':
      return `violation ${o.violation}: ${o.message}`;
    case 'exception':
      return `exception in ${o.thread}: ${o.message}`;
    case 'nondeterminism':
      return `nondeterminism: ${o.api} called by ${o.thread} at ${o.caller}`;
    case 'divergence':
      return `divergence: ${o.message}`;
    case 'harness':
      return `harness error: ${o.message}`;
  }
}
