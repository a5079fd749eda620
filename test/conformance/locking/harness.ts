/**
 * Helpers for the Ganeti locking conformance tests. Ganeti's tests synchronise real threads with
 * events and sleeps; ours run under the simulation kernel, where "let every other thread run until
 * it blocks" is a virtual sleep (`settle`), and timeouts are virtual microseconds.
 */
import { expect } from 'vitest';
import type { Kernel, RunResult } from '../../../src/sim/kernel.js';
import { describeOutcome, type OutcomeKind } from '../../../src/sim/outcome.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation, type StrategySpec } from '../../../src/sim/simulation.js';

export type Sim = Kernel;

/** Seconds to virtual microseconds. */
export const sec = (s: number): number => Math.round(s * 1_000_000);

/**
 * The schedules a Ganeti `@_Repeat` test (8 runs) runs under here: FIFO, round-robin and random
 * schedules from six seeds. Each must give the outcome Ganeti's test checks.
 */
export const REPEAT_SCHEDULES: ReadonlyArray<{ seed: number; strategy: StrategySpec }> = [
  { seed: 1, strategy: { kind: 'fifo' } },
  { seed: 1, strategy: { kind: 'round-robin' } },
  ...[11, 12, 13, 14, 15, 16].map((seed) => ({ seed, strategy: { kind: 'random' } as StrategySpec })),
];

export interface RunOptions {
  readonly seed?: number;
  readonly strategy?: StrategySpec;
  /** Outcome the run must end with (default `completed`). */
  readonly outcome?: OutcomeKind;
}

/** Builds a simulation, lets `setup` create locks and threads, runs it and checks the outcome. */
export function simulate(setup: (sim: Sim) => void, opts: RunOptions = {}): RunResult {
  const sim = Simulation.create({ seed: opts.seed ?? 1, strategy: opts.strategy ?? { kind: 'fifo' } });
  setup(sim);
  const r = sim.run();
  if (r.outcome.kind !== (opts.outcome ?? 'completed')) {
    throw new Error(`run ended with ${describeOutcome(r.outcome)}`);
  }
  return r;
}

/** Runs the same scenario under every schedule of `REPEAT_SCHEDULES`. */
export function repeat(setup: (sim: Sim) => void): void {
  for (const s of REPEAT_SCHEDULES) simulate(setup, s);
}

/** Lets every other thread run until it blocks (time only advances when nobody can run). */
export function* settle(sim: Sim, us = 10): Proc<void> {
  yield* sim.sleep(us);
}

/** Runs a blocking operation and returns what it threw (or `undefined`). */
export function* thrown(op: () => Proc<unknown>): Proc<unknown> {
  try {
    yield* op();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Runs a synchronous operation and returns what it threw (or `undefined`). */
export function thrownSync(op: () => unknown): unknown {
  try {
    op();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Asserts `e` is an error of class `cls` (and, when given, with `rule` / message). */
export function expectError(
  e: unknown,
  cls: abstract new (...args: never[]) => Error,
  check: { rule?: string; message?: string | RegExp } = {},
): void {
  expect(e).toBeInstanceOf(cls);
  if (check.rule !== undefined) expect((e as { rule?: string }).rule).toBe(check.rule);
  if (check.message !== undefined) {
    if (typeof check.message === 'string') expect((e as Error).message).toBe(check.message);
    else expect((e as Error).message).toMatch(check.message);
  }
}

/** Ganeti's `self.done` queue: what threads report, in order. */
export class Done {
  readonly items: string[] = [];
  put(x: string): void {
    this.items.push(x);
  }
  /** Takes the oldest item (Ganeti's `get_nowait`); throws when empty. */
  get(): string {
    const x = this.items.shift();
    if (x === undefined) throw new Error('Queue.Empty');
    return x;
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** Ganeti's `threading.Event` on a kernel condition. */
export class Event {
  private flag = false;
  private readonly cond;

  constructor(sim: Sim, name = 'event') {
    this.cond = sim.condition(`event:${name}`);
  }

  set(): void {
    this.flag = true;
    this.cond.notifyAll();
  }

  isSet(): boolean {
    return this.flag;
  }

  *wait(): Proc<void> {
    while (!this.flag) yield* this.cond.wait();
  }
}

/** A small deterministic generator for test data (Park–Miller), standing in for Python's `random.Random(seed)`. */
export class TestRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed % 2147483647 || 1;
  }

  int(n: number): number {
    this.state = (this.state * 48271) % 2147483647;
    return this.state % n;
  }

  choice<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}
