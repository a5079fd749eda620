/**
 * A plain mutual-exclusion lock on virtual time (Python's `threading.Lock`): not re-entrant, no
 * priorities, not shown in the lock monitor. Used for the per-job processor lock, which keeps a
 * job that sits in the worker pool twice from being processed by two workers at once.
 */
import type { Condition, Proc, Runtime, ThreadRef } from '../sim/ports.js';
import { AssertionError } from './errors.js';

export class Mutex {
  private owner: ThreadRef | null = null;
  private readonly released: Condition;

  constructor(
    private readonly rt: Runtime,
    readonly name: string,
  ) {
    this.released = rt.condition(`${name}.released`);
  }

  get locked(): boolean {
    return this.owner !== null;
  }

  *acquire(): Proc<void> {
    const me = this.rt.current();
    if (this.owner === me) throw new AssertionError(`${this.name}: lock is not re-entrant`);
    while (this.owner !== null) yield* this.released.wait();
    this.owner = me;
  }

  release(): void {
    if (this.owner !== this.rt.current())
      throw new AssertionError(`${this.name}: released by a thread that does not own it`);
    this.owner = null;
    this.released.notify();
  }
}
