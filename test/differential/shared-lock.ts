/**
 * SharedLock programs: owners (one thread each) acquire shared or exclusive at a priority with no
 * timeout, a zero or sub-millisecond timeout (both fail at once when the lock is not free) or a
 * timeout of whole seconds; release, downgrade, delete; the program's clock advances in ticks,
 * and a spurious wake-up of the topmost waiter (`notify`, Ganeti's `_notify_topmost`) exposes how
 * a timed acquire waits after a wake-up that does not grant it.
 *
 * Each step runs to quiescence before the next (every owner idle or blocked in the lock), on both
 * sides; an operation for an owner that is still blocked is skipped. Observed after each step:
 * the operations that returned in it (value or error, and for a timed acquire or delete the
 * seconds it took), the lock's mode, owners and pending queue as `GetLockInfo` shows them, and
 * which owners are still blocked.
 */
import fc from 'fast-check';
import {
  isLockUsageError,
  LockError,
  SharedLock,
  type SharedLockOptions,
  type TimedWait,
} from '../../src/locking/index.js';
import type { Condition, Proc, ThreadRef } from '../../src/sim/ports.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { Component } from './compare.js';
import type { Observation } from './oracle.js';

export type LockStep =
  | {
      readonly op: 'acquire';
      readonly owner: number;
      readonly shared: boolean;
      readonly priority: number;
      /** Seconds, or null for a blocking acquire. */
      readonly timeout: number | null;
    }
  | { readonly op: 'release'; readonly owner: number }
  | { readonly op: 'downgrade'; readonly owner: number }
  | { readonly op: 'delete'; readonly owner: number; readonly priority: number; readonly timeout: number | null }
  | { readonly op: 'notify' }
  | { readonly op: 'tick'; readonly seconds: number };

export interface LockProgram {
  readonly owners: number;
  readonly steps: readonly LockStep[];
}

export interface LockSimOptions {
  readonly timedWait?: TimedWait;
}

const SEC = 1_000_000;
/** Whole seconds keep every deadline exact on both clocks; 0.0005 s is below Ganeti's 1 ms minimum. */
const timeoutArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.0005) },
  { weight: 4, arbitrary: fc.integer({ min: 2, max: 5 }) },
);
const priorityArb = fc.constantFrom(-1, 0, 0, 2);

function stepArb(owners: number): fc.Arbitrary<LockStep> {
  const owner = fc.nat(owners - 1);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('acquire' as const),
        owner,
        shared: fc.boolean(),
        priority: priorityArb,
        timeout: timeoutArb,
      }),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('release' as const), owner }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('downgrade' as const), owner }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('delete' as const), owner, priority: priorityArb, timeout: timeoutArb }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('notify' as const) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 2 }) }) },
  );
}

export const lockProgramArb: fc.Arbitrary<LockProgram> = fc
  .integer({ min: 2, max: 4 })
  .chain((owners) =>
    fc.record({ owners: fc.constant(owners), steps: fc.array(stepArb(owners), { maxLength: 24, size: 'max' }) }),
  );

interface Owner {
  readonly name: string;
  readonly cond: Condition;
  thread: ThreadRef | null;
  cmd: LockStep | null;
  busy: boolean;
  start: number;
  done: Observation | null;
}

const usUntil = (timeout: number | null): number | null => (timeout === null ? null : Math.round(timeout * SEC));

function simulate(program: LockProgram, options: LockSimOptions = {}): Observation[] {
  const sim = Simulation.create({ seed: 1, strategy: { kind: 'fifo' }, trace: 'hash' });
  const lockOpts: SharedLockOptions = options.timedWait ? { timedWait: options.timedWait } : {};
  const lock = new SharedLock(sim, 'lock', lockOpts);
  const owners: Owner[] = Array.from({ length: program.owners }, (_, i) => ({
    name: `o${i}`,
    cond: sim.condition(`o${i}:command`, { idle: true }),
    thread: null,
    cmd: null,
    busy: false,
    start: 0,
    done: null,
  }));

  function* execute(cmd: LockStep): Proc<unknown> {
    switch (cmd.op) {
      case 'acquire':
        return yield* lock.acquire({ shared: cmd.shared, priority: cmd.priority, timeoutUs: usUntil(cmd.timeout) });
      case 'release':
        lock.release();
        return null;
      case 'downgrade':
        return lock.downgrade();
      case 'delete':
        return yield* lock.delete({ priority: cmd.priority, timeoutUs: usUntil(cmd.timeout) });
      default:
        throw new Error(`not an owner operation: ${cmd.op}`);
    }
  }

  function* ownerBody(o: Owner): Proc<void> {
    for (;;) {
      while (o.cmd === null) yield* o.cond.wait();
      const cmd = o.cmd;
      o.cmd = null;
      o.busy = true;
      o.start = sim.now();
      let out: Observation;
      try {
        out = { result: yield* execute(cmd) };
      } catch (e) {
        if (e instanceof LockError) out = { error: 'LockError', message: e.message };
        else if (isLockUsageError(e)) out = { error: 'LockUsageError', message: e.message };
        else throw e;
      }
      if ((cmd.op === 'acquire' || cmd.op === 'delete') && cmd.timeout !== null) {
        out.elapsed = (sim.now() - o.start) / SEC;
      }
      o.done = out;
      o.busy = false;
    }
  }

  /** Every owner idle or blocked in the lock, and no command unread. */
  function quiet(): boolean {
    const blocked = new Set(sim.blockedThreads().map((b) => b.thread));
    return owners.every((o) => o.cmd === null && o.thread !== null && blocked.has(o.thread.id));
  }

  function* settle(): Proc<void> {
    do yield* sim.sleep(0);
    while (!quiet());
  }

  function observe(out: Observation): Observation {
    const done: Observation[] = [];
    for (const o of owners) {
      if (o.done) done.push({ owner: o.name, ...o.done });
      o.done = null;
    }
    const info = lock.info();
    out.done = done;
    out.mode = info.mode;
    out.owners = [...(info.owners ?? [])].sort();
    out.pending = (info.pending ?? []).map((p) => [p.mode, [...p.threads].sort()]);
    out.busy = owners
      .filter((o) => o.busy)
      .map((o) => o.name)
      .sort();
    out.clock = sim.now() / SEC;
    out.countPending = lock.countPending();
    out.empty = lock.checkEmpty();
    return out;
  }

  const observations: Observation[] = [];
  for (const o of owners) o.thread = sim.spawn(o.name, () => ownerBody(o), { daemon: true });
  sim.spawn('driver', function* (): Proc<void> {
    for (const step of program.steps) {
      const out: Observation = {};
      if (step.op === 'tick') {
        yield* sim.sleep(step.seconds * SEC);
        yield* settle();
      } else if (step.op === 'notify') {
        lock.notifyTopmost();
        yield* settle();
      } else {
        const o = owners[step.owner] as Owner;
        if (o.busy) {
          out.skipped = true;
        } else {
          o.cmd = step;
          o.cond.notify();
          yield* settle();
        }
      }
      observations.push(observe(out));
    }
  });
  const r = sim.run();
  if (r.outcome.kind !== 'completed') throw new Error(`gnt-sim side ended with ${r.outcome.kind}`);
  return observations;
}

function describe(step: LockStep): string {
  const t = (timeout: number | null) => (timeout === null ? 'blocking' : `timeout ${timeout}s`);
  switch (step.op) {
    case 'acquire':
      return `o${step.owner} acquire ${step.shared ? 'shared' : 'exclusive'} prio ${step.priority} ${t(step.timeout)}`;
    case 'delete':
      return `o${step.owner} delete prio ${step.priority} ${t(step.timeout)}`;
    case 'release':
    case 'downgrade':
      return `o${step.owner} ${step.op}`;
    case 'notify':
      return 'spurious wake-up of the topmost waiter';
    case 'tick':
      return `clock +${step.seconds}s`;
  }
}

export const sharedLockComponent: Component<LockProgram, LockSimOptions> = {
  name: 'shared-lock',
  arbitrary: lockProgramArb,
  simulate,
  normalisers: [
    {
      id: 'usage-error-class',
      apply: (obs, side) =>
        side === 'gnt-sim' && Array.isArray(obs.done)
          ? {
              ...obs,
              done: (obs.done as Observation[]).map((d) =>
                d.error === 'LockUsageError' ? { ...d, error: 'AssertionError' } : d,
              ),
            }
          : obs,
    },
  ],
  handledElsewhere: ['virtual-poll-timeout'],
  describeSetup: (p) => `${p.owners} owners (o0..o${p.owners - 1}), one lock, clock at 0 s`,
  describeSteps: (p) => p.steps.map(describe),
};
