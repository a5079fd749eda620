/**
 * A FIFO mutex on simulated time, for daemons whose dispatch is single-threaded (virtlockd since
 * eefabb38c3): requests arrive in their own threads (one per RPC) and are served one at a time,
 * in arrival order.
 */
import type { Condition, Proc, Runtime } from '../sim/ports.js';

export class FifoMutex {
  private held = false;
  private readonly queue: number[] = [];
  private nextTicket = 0;
  private readonly cond: Condition;

  constructor(rt: Runtime, name: string) {
    this.cond = rt.condition(name);
  }

  *lock(): Proc<void> {
    if (!this.held && this.queue.length === 0) {
      this.held = true;
      return;
    }
    const ticket = this.nextTicket++;
    this.queue.push(ticket);
    while (this.held || this.queue[0] !== ticket) yield* this.cond.wait();
    this.queue.shift();
    this.held = true;
  }

  unlock(): void {
    this.held = false;
    if (this.queue.length > 0) this.cond.notifyAll();
  }

  isLocked(): boolean {
    return this.held;
  }
}
