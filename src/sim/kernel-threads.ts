/**
 * A simulated thread as the kernel's parts see it: its generator, its state, and what it is
 * blocked on. Only the kernel's parts import this; everyone else sees a `ThreadRef`.
 *
 * States. RUNNABLE: in the ready list or the thread that ran last. BLOCKED: in a condition's
 * queue (`cond`) or asleep (`cond` null), with a timer when the wait is timed. DONE: its body
 * returned. DEAD: dropped by a crash of its process, its `finally` blocks never run.
 */

import type { Timer } from './kernel-timers.js';
import type { Proc, ProcessRef, ThreadRef } from './ports.js';

export const RUNNABLE = 0;
export const BLOCKED = 1;
export const DONE = 2;
export const DEAD = 3;
export type ThreadState = typeof RUNNABLE | typeof BLOCKED | typeof DONE | typeof DEAD;

/** What a blocked thread waits in: a condition's queue (`kernel-conditions.ts`). */
export interface WaitQueue {
  readonly name: string;
  /** An idle wait (for work that may never come) does not count toward deadlock. */
  readonly idle: boolean;
  readonly queue: SimThread[];
}

/** The process a thread belongs to, as the kernel's parts see it (`kernel-processes.ts`). */
export interface ThreadProcess extends ProcessRef {
  readonly threads: Set<SimThread>;
  readonly daemon: boolean;
  readonly alive: boolean;
}

export class SimThread implements ThreadRef {
  state: ThreadState = RUNNABLE;
  /** Condition waited on, when blocked on one. */
  cond: WaitQueue | null = null;
  timer: Timer<SimThread> | null = null;
  /** Result of the last wait: true when notified, false on timeout. */
  notified = false;
  blockedSince = 0;
  gen: Proc<unknown> | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly process: ThreadProcess | null,
    readonly daemon: boolean,
  ) {}
}

/** `RUNNABLE` -> `runnable`, for the messages of broken invariants. */
export function stateName(s: ThreadState): string {
  return ['runnable', 'blocked', 'done', 'dead'][s] as string;
}
