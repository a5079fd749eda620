/**
 * Blocking and waking: condition variables (waiters wake in FIFO order), timed waits, and sleeps.
 * A thread blocks by setting its state *before* it yields, so the yielded value means nothing
 * and the hot path allocates nothing; it is woken by a notify, by its timer, or not at all (a
 * deadlock, or a crash of its process, which unlinks it).
 *
 * Invariants: only the running, runnable thread blocks; only a blocked thread is woken; a
 * condition's queue holds only threads blocked on that condition.
 */

import { checkTimeoutUs } from './kernel-args.js';
import type { KernelInvariantError, ReportBroken } from './kernel-invariants.js';
import { BLOCKED, RUNNABLE, type SimThread, stateName, type WaitQueue } from './kernel-threads.js';
import type { Timer, Timers } from './kernel-timers.js';
import type { Condition, Proc, ThreadRef, TraceEvents } from './ports.js';

/** What blocking and waking need from the rest of the kernel. */
export interface ConditionHost {
  /** The running thread, or null outside a simulated thread. */
  runningThread(): SimThread | null;
  /** Traces a kernel event. */
  record<K extends 'wait' | 'sleep' | 'notify' | 'timeout' | 'wake'>(
    kind: K,
    subject: string,
    ...fields: TraceEvents[K]
  ): void;
  readonly broken: ReportBroken;
}

class CondImpl implements Condition, WaitQueue {
  readonly queue: SimThread[] = [];

  constructor(
    private readonly conditions: Conditions,
    readonly name: string,
    readonly idle: boolean,
  ) {}

  *wait(timeoutUs?: number | null): Proc<boolean> {
    const t = this.conditions.block(this, timeoutUs);
    yield;
    return t.notified;
  }

  notify(): void {
    const t = this.queue.shift();
    if (t) this.conditions.notified(this, t);
  }

  notifyAll(): void {
    while (this.queue.length > 0) this.notify();
  }

  waiters(): readonly ThreadRef[] {
    return this.queue.slice();
  }
}

export class Conditions {
  constructor(
    private readonly host: ConditionHost,
    private readonly timers: Timers<SimThread>,
    /** The run loop's ready list: a woken thread joins its end. */
    private readonly ready: SimThread[],
  ) {}

  create(name: string, idle: boolean): Condition {
    return new CondImpl(this, name, idle);
  }

  /** Blocks the running thread on `cond`; the caller must yield right after. */
  block(cond: CondImpl, timeoutArg: number | null | undefined): SimThread {
    const t = this.host.runningThread();
    if (t === null) throw new Error(`${cond.name}.wait: must be called from a simulated thread`);
    const timeoutUs = checkTimeoutUs(`${cond.name}.wait`, timeoutArg);
    if (t.state !== RUNNABLE) throw this.broken('block-not-running', t, `waits on ${cond.name}`);
    this.host.record('wait', cond.name, timeoutUs === null ? -1 : timeoutUs);
    const now = this.timers.nowUs;
    t.state = BLOCKED;
    t.cond = cond;
    t.notified = false;
    t.blockedSince = now;
    cond.queue.push(t);
    t.timer = timeoutUs === null ? null : this.timers.add(now + timeoutUs, t, null);
    return t;
  }

  /** Blocks the running thread `t` for `us` microseconds; the caller must yield right after. */
  sleep(t: SimThread, us: number): void {
    if (t.state !== RUNNABLE) throw this.broken('block-not-running', t, 'sleeps');
    this.host.record('sleep', '', us);
    const now = this.timers.nowUs;
    t.state = BLOCKED;
    t.cond = null;
    t.blockedSince = now;
    t.timer = this.timers.add(now + us, t, null);
  }

  /** `t` was taken off `cond`'s queue by a notify. */
  notified(cond: CondImpl, t: SimThread): void {
    if (t.state !== BLOCKED || t.cond !== cond) {
      throw this.broken('queue-holds-unblocked', t, `was in the queue of ${cond.name}`);
    }
    this.wake(t, true);
  }

  /** A thread's timer fired: it stops waiting, with `false` (timed out) as its wait's result. */
  timedOut(timer: Timer<SimThread>, t: SimThread): void {
    if (t.timer !== timer) {
      throw this.broken('timer-of-unblocked-thread', t, `is not waiting for the timer at ${timer.time} us that fired`);
    }
    t.timer = null;
    if (t.cond !== null) this.unlink(t);
    this.wake(t, false);
  }

  /** Takes a blocked thread out of the queue of the condition it waits on (if any). */
  unlink(t: SimThread): void {
    if (!t.cond) return;
    const q = t.cond.queue;
    const i = q.indexOf(t);
    if (i >= 0) q.splice(i, 1);
  }

  /** Makes a blocked thread runnable; `notified` is what its wait returns. */
  private wake(t: SimThread, notified: boolean): void {
    if (t.state !== BLOCKED) throw this.broken('wake-not-blocked', t, notified ? 'notified' : 'timed out');
    this.host.record(notified ? 'notify' : t.cond ? 'timeout' : 'wake', t.cond?.name ?? 'sleep', t.id);
    t.notified = notified;
    t.state = RUNNABLE;
    t.cond = null;
    if (t.timer) {
      t.timer.cancelled = true;
      t.timer = null;
    }
    this.ready.push(t);
  }

  private broken(rule: Parameters<ReportBroken>[0], t: SimThread, what: string): KernelInvariantError {
    return this.host.broken(rule, `${t.name} (thread ${t.id}, ${stateName(t.state)}) ${what}`);
  }
}
