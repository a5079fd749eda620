/**
 * The one mutex: mutual exclusion on virtual time for simulated threads, not re-entrant, no
 * priorities, not shown in any lock monitor. Two orders of service:
 *
 * - `any` (Python's `threading.Lock`): a release wakes the longest waiter, but a thread arriving
 *   while the lock is free takes it first. The job queue's per-job processor lock.
 * - `fifo`: strictly in arrival order (a ticket queue), for daemons whose dispatch is
 *   single-threaded (virtlockd since eefabb38c3, libvirtd's per-domain job lock): requests
 *   arrive in their own threads and are served one at a time.
 *
 * Misuse (acquiring a mutex one holds, releasing one one does not hold) throws `MutexUsageError`
 * in the calling thread. The module imports nothing: it sees the runtime through the two methods
 * it needs, which `Runtime` (`src/sim/ports.ts`) has, so every layer may use it (`src/lib`).
 */

/** The condition a mutex waits on (a subset of the kernel's `Condition`). */
export interface MutexCondition {
  wait(): Generator<unknown, boolean, unknown>;
  notify(): void;
  notifyAll(): void;
}

/** What a mutex needs of the runtime (a subset of the kernel's `Runtime`). */
export interface MutexRuntime {
  /** The running thread: the mutex's owner when it acquires. */
  current(): object;
  condition(name: string): MutexCondition;
}

export type MutexOrder = 'any' | 'fifo';

export interface MutexOptions {
  /** Order of service (default `any`). */
  readonly order?: MutexOrder;
  /**
   * Name of the condition waiters wait on, as traces show it (default `<name>.released`; the lock
   * daemons' mutexes have always been traced under their own name).
   */
  readonly waitsOn?: string;
}

/** A mutex used wrongly: Python's `AssertionError`, which Ganeti's lock raises too. */
export class MutexUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export class Mutex {
  private owner: object | null = null;
  private readonly cond: MutexCondition;
  private readonly fifo: boolean;
  /** Tickets of the waiters, in arrival order (`fifo` only). */
  private readonly queue: number[] = [];
  private nextTicket = 0;

  constructor(
    private readonly rt: MutexRuntime,
    readonly name: string,
    opts: MutexOptions = {},
  ) {
    this.fifo = opts.order === 'fifo';
    this.cond = rt.condition(opts.waitsOn ?? `${name}.released`);
  }

  get locked(): boolean {
    return this.owner !== null;
  }

  *acquire(): Generator<unknown, void, unknown> {
    const me = this.rt.current();
    if (this.owner === me) throw new MutexUsageError(`${this.name}: lock is not re-entrant`);
    if (this.fifo) {
      if (this.owner !== null || this.queue.length > 0) {
        const ticket = this.nextTicket++;
        this.queue.push(ticket);
        while (this.owner !== null || this.queue[0] !== ticket) yield* this.cond.wait();
        this.queue.shift();
      }
    } else {
      while (this.owner !== null) yield* this.cond.wait();
    }
    this.owner = me;
  }

  release(): void {
    if (this.owner !== this.rt.current()) {
      throw new MutexUsageError(`${this.name}: released by a thread that does not own it`);
    }
    this.owner = null;
    if (!this.fifo) this.cond.notify();
    // Every waiter looks whether its ticket is first; the others wait again.
    else if (this.queue.length > 0) this.cond.notifyAll();
  }
}
