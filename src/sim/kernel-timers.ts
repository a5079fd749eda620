/**
 * The virtual clock and what is due on it: timers (a timed wait's or a sleep's end, or an action
 * of the kernel at a virtual time) and step actions (an action just before a scheduling step).
 * Timers at the same instant fire in creation order; so do step actions of the same step.
 *
 * Invariants: a timer is never set before the current time; the clock never moves backwards.
 */
import { MinHeap } from '../lib/min-heap.js';
import type { ReportBroken } from './kernel-invariants.js';

/** A pending timer; `thread` is woken when it fires, or else `action` runs. */
export class Timer<T> {
  cancelled = false;
  constructor(
    readonly time: number,
    readonly seq: number,
    readonly thread: T | null,
    readonly action: (() => void) | null,
  ) {}
}

/** An action registered by the fault plan or a test to run just before step `step`. */
interface StepAction {
  readonly step: number;
  readonly seq: number;
  readonly action: () => void;
}

export class Timers<T> {
  /** Virtual time now, in microseconds. */
  nowUs = 0;
  /** Creation order of timers and step actions alike (ties at one instant or step fire in it). */
  private seq = 0;
  private readonly timers = new MinHeap<Timer<T>>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  private readonly stepActions = new MinHeap<StepAction>(
    (a, b) => a.step < b.step || (a.step === b.step && a.seq < b.seq),
  );

  constructor(private readonly broken: ReportBroken) {}

  /** A timer at `time` (no earlier than now) that wakes `thread` or runs `action`. */
  add(time: number, thread: T | null, action: (() => void) | null): Timer<T> {
    // `!(>=)` so that NaN breaks the rule too: it would corrupt the heap's order.
    if (!(time >= this.nowUs)) throw this.broken('timer-in-the-past', `a timer at ${time} us, now ${this.nowUs} us`);
    const timer = new Timer(time, this.seq++, thread, action);
    this.timers.push(timer);
    return timer;
  }

  atStep(step: number, action: () => void): void {
    this.stepActions.push({ step, seq: this.seq++, action });
  }

  /** The earliest timer not cancelled, or undefined; cancelled ones before it are dropped. */
  earliest(): Timer<T> | undefined {
    let next = this.timers.peek();
    while (next?.cancelled) {
      this.timers.pop();
      next = this.timers.peek();
    }
    return next;
  }

  /** Moves the clock to `timeUs`. */
  advanceTo(timeUs: number): void {
    if (timeUs < this.nowUs) throw this.broken('clock-backwards', `from ${this.nowUs} us to ${timeUs} us`);
    this.nowUs = timeUs;
  }

  /** The next timer due now (cancelled or not), taken off the queue; undefined when none is. */
  takeDue(): Timer<T> | undefined {
    const next = this.timers.peek();
    if (next === undefined || next.time !== this.nowUs) return undefined;
    this.timers.pop();
    return next;
  }

  /** Runs, in order, every step action due before step `step` runs. */
  runStepActions(step: number): void {
    let a = this.stepActions.peek();
    while (a && a.step <= step) {
      this.stepActions.pop();
      a.action();
      a = this.stepActions.peek();
    }
  }
}
