/**
 * The kernel's invariants (`src/sim/kernel-invariants.ts`): each part's rule fires, naming
 * itself, when its state is corrupted by hand (no program using the public API can break one,
 * which is the point), a break inside a simulated thread ends the run as a `harness` outcome and
 * never as the thread's exception, even when the thread catches it, and clean runs never break
 * any.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingOf } from '../../../src/check/finding.js';
import { Kernel } from '../../../src/sim/kernel.js';
import { type ConditionHost, Conditions } from '../../../src/sim/kernel-conditions.js';
import { Footprints } from '../../../src/sim/kernel-footprints.js';
import { type InvariantRule, KernelInvariantError } from '../../../src/sim/kernel-invariants.js';
import { Processes, type ProcessHost } from '../../../src/sim/kernel-processes.js';
import { BLOCKED, DEAD, RUNNABLE, SimThread } from '../../../src/sim/kernel-threads.js';
import { Timers } from '../../../src/sim/kernel-timers.js';
import { isFinding, type Outcome } from '../../../src/sim/outcome.js';
import type { ThreadRef } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { random } from '../../../src/sim/strategy.js';
import { Trace } from '../../../src/sim/trace.js';
import { loadProgram, programArb } from '../../support/programs.js';

/** Runs `f`; returns the rule of the `KernelInvariantError` it threw, or null. */
function ruleBroken(f: () => void): InvariantRule | null {
  try {
    f();
  } catch (e) {
    if (e instanceof KernelInvariantError) return e.rule;
    throw e;
  }
  return null;
}

const broken = (rule: InvariantRule, detail: string) => new KernelInvariantError(rule, detail);

function conditionsWith(running: SimThread) {
  const timers = new Timers<SimThread>(broken);
  const ready: SimThread[] = [];
  const host: ConditionHost = {
    runningThread: () => running,
    record: () => {},
    broken,
  };
  return { conditions: new Conditions(host, timers, ready), timers, ready };
}

function expectHarness(o: Outcome, rule: InvariantRule): void {
  expect(o.kind).toBe('harness');
  if (o.kind === 'harness') expect(o.rule).toBe(rule);
}

/** A kernel part's internals, reached through a cast: how these tests corrupt them. */
type Internals<T> = { -readonly [K in keyof T]: T[K] };

describe('kernel invariants, part by part', () => {
  it('conditions: a thread blocks only while it is the running, runnable thread', () => {
    const t = new SimThread(1, 't', null, false);
    const { conditions } = conditionsWith(t);
    const cond = conditions.create('c', false);
    expect(ruleBroken(() => cond.wait(null).next())).toBeNull();
    expect(t.state).toBe(BLOCKED);
    // Blocked already, it cannot block again (nor sleep).
    expect(ruleBroken(() => cond.wait(null).next())).toBe('block-not-running');
    expect(ruleBroken(() => conditions.sleep(t, 5))).toBe('block-not-running');
  });

  it('conditions: a queue holding a thread not blocked on that condition is reported at notify', () => {
    const t = new SimThread(1, 't', null, false);
    const { conditions, ready } = conditionsWith(t);
    const cond = conditions.create('c', false);
    const other = conditions.create('other', false);
    cond.wait(null).next();
    cond.notify();
    expect(ready).toEqual([t]);
    // The same thread, runnable now, put back into the queue by hand: not blocked on it.
    (cond as unknown as { queue: SimThread[] }).queue.push(t);
    expect(ruleBroken(() => cond.notify())).toBe('queue-holds-unblocked');
    // Blocked, but on another condition.
    other.wait(null).next();
    (cond as unknown as { queue: SimThread[] }).queue.push(t);
    expect(ruleBroken(() => cond.notify())).toBe('queue-holds-unblocked');
  });

  it('conditions: a timer fires only for the thread waiting for it, and wakes only a blocked thread', () => {
    const t = new SimThread(1, 't', null, false);
    const { conditions, timers } = conditionsWith(t);
    conditions.sleep(t, 10);
    const timer = t.timer;
    expect(timer).not.toBeNull();
    if (!timer) return;
    const stranger = timers.add(10, t, null);
    expect(ruleBroken(() => conditions.timedOut(stranger, t))).toBe('timer-of-unblocked-thread');
    // Its own timer, but the thread was made runnable behind the kernel's back.
    (t as Internals<SimThread>).state = RUNNABLE;
    expect(ruleBroken(() => conditions.timedOut(timer, t))).toBe('wake-not-blocked');
    (t as Internals<SimThread>).state = BLOCKED;
    (t as Internals<SimThread>).timer = timer;
    expect(ruleBroken(() => conditions.timedOut(timer, t))).toBeNull();
    expect(t.state).toBe(RUNNABLE);
  });

  it('timers: no timer before now, not even at NaN, and the clock never moves backwards', () => {
    const timers = new Timers<SimThread>(broken);
    timers.advanceTo(100);
    expect(ruleBroken(() => timers.add(100, null, () => {}))).toBeNull();
    expect(ruleBroken(() => timers.add(99, null, () => {}))).toBe('timer-in-the-past');
    expect(ruleBroken(() => timers.add(Number.NaN, null, () => {}))).toBe('timer-in-the-past');
    expect(ruleBroken(() => timers.advanceTo(50))).toBe('clock-backwards');
    expect(timers.nowUs).toBe(100);
  });

  it('processes: a process does not die while a thread of it lives', () => {
    const threads: SimThread[] = [];
    let processes: Processes | null = null;
    const host: ProcessHost = {
      spawn: (name, _body, opts) => {
        const p = opts.process ? processes?.own(opts.process) : null;
        const t = new SimThread(threads.length + 1, name, p ?? null, false);
        p?.threads.add(t);
        threads.push(t);
        return t;
      },
      // A broken kernel that "drops" the thread but leaves it in its process.
      dropThread: (t) => {
        (t as Internals<SimThread>).state = DEAD;
      },
      record: () => {},
      broken,
    };
    processes = new Processes(host);
    const proc = processes.start('n1', 'p', function* () {});
    expect(ruleBroken(() => processes?.crash(proc, 'test'))).toBe('dead-process-has-threads');
  });

  it('footprints: a decision’s segment begins with the thread it chose, unless a crash dropped it first', () => {
    const a = new SimThread(1, 'a', null, false);
    const b = new SimThread(2, 'b', null, false);
    const fp = new Footprints(new Trace('hash'), broken);
    fp.decided([a, b], a, true);
    expect(ruleBroken(() => fp.ran(b))).toBe('segment-not-begun-by-choice');
    fp.decided([a, b], b, true);
    expect(ruleBroken(() => fp.ran(b))).toBeNull();
    expect(ruleBroken(() => fp.ran(a))).toBeNull(); // later steps of the segment may be anyone's
    fp.decided([a, b], a, true);
    (a as Internals<SimThread>).state = DEAD;
    expect(ruleBroken(() => fp.ran(b))).toBeNull();
    expect(fp.decisions.map((d) => [...d.threads])).toEqual([[], [2, 1], [2]]);
  });
});

describe('kernel invariants in a run', () => {
  /** The kernel's thread object behind a `ThreadRef` (its state is what these tests corrupt). */
  const internals = (t: ThreadRef) => t as unknown as Internals<SimThread>;

  it('the run loop: a thread in the ready list must be runnable', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('a', function* () {});
    const b = sim.spawn('b', function* () {});
    internals(b).state = BLOCKED;
    expectHarness(sim.run().outcome, 'ready-not-runnable');
  });

  it('the run loop: a thread of a dead process never runs', () => {
    const sim = Simulation.create({ seed: 1 });
    const proc = sim.startProcess('n1', 'p', function* () {
      yield* sim.sleep(10);
    });
    (proc as unknown as { alive: boolean }).alive = false;
    expectHarness(sim.run().outcome, 'thread-of-dead-process');
  });

  it('the run loop: no more non-daemon threads end than were started', () => {
    const sim = Simulation.create({ seed: 1 });
    const t = sim.spawn('d', function* () {}, { daemon: true });
    (t as unknown as { daemon: boolean }).daemon = false;
    expectHarness(sim.run().outcome, 'live-count-negative');
  });

  it('a break inside a thread is a harness outcome, not the thread’s exception, even when the thread catches it', () => {
    const sim = Simulation.create({ seed: 1 });
    const cond = sim.condition('c');
    let caught: unknown = null;
    let after = false;
    sim.spawn('corrupter', function* () {
      // A runnable thread in the queue: notify finds it not blocked on the condition.
      (cond as unknown as { queue: ThreadRef[] }).queue.push(sim.current());
      try {
        cond.notify();
      } catch (e) {
        caught = e;
      }
      yield* sim.yieldNow();
      after = true;
    });
    const r = sim.run();
    expectHarness(r.outcome, 'queue-holds-unblocked');
    expect(caught).toBeInstanceOf(KernelInvariantError);
    expect(after).toBe(false); // the run ended at the break
    expect(isFinding(r.outcome)).toBe(true);
    expect(findingOf(r, undefined)).toMatchObject({ kind: 'harness', property: 'harness:queue-holds-unblocked' });
  });

  it('a break in the kernel’s own code (a timer action) ends the run as a harness outcome too', () => {
    const sim: Kernel = Simulation.create({ seed: 1 });
    sim.spawn('sleeper', function* () {
      yield* sim.sleep(100);
    });
    // The public calls check their arguments (`kernel-args.ts`), so reach past them to the timer
    // wheel, as a bug inside the kernel would.
    const timers = (sim as unknown as { timers: { add(t: number, th: null, a: () => void): unknown } }).timers;
    sim.atTime(50, () => timers.add(Number.NaN, null, () => {}));
    expectHarness(sim.run().outcome, 'timer-in-the-past');
  });

  it('property: no program of sleeps, waits, notifies and crashes breaks a kernel invariant', () => {
    fc.assert(
      fc.property(programArb, fc.integer(), fc.nat(60), fc.boolean(), (p, seed, crashAt, footprints) => {
        const sim = new Kernel({
          seed,
          strategy: (rng) => random(rng.stream('schedule')),
          budget: { maxSteps: 5_000 },
          footprints,
        });
        const proc = sim.startProcess('n1', 'p', function* () {
          loadProgram(sim, p);
          yield* sim.sleep(1);
        });
        sim.atStep(crashAt, () => sim.crashProcess(proc, 'test'));
        sim.atTime(crashAt * 7, () => {
          if (!sim.findProcess('n1', 'p')) sim.restartProcess('n1', 'p');
        });
        expect(sim.run().outcome.kind).not.toBe('harness');
      }),
      { numRuns: 300 },
    );
  });
});
