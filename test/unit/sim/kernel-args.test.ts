/**
 * Kernel calls validate their arguments: a garbage duration (NaN, undefined, negative,
 * fractional, infinite) throws in the calling thread and ends the run as an exception finding,
 * where it used to make a timer the clock could never order and hang the run. The guard traps
 * the ways out of the simulation into the real process.
 */
import { describe, expect, it } from 'vitest';
import { KernelArgumentError } from '../../../src/sim/kernel-args.js';
import type { Outcome } from '../../../src/sim/outcome.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';

function runOne(body: (sim: ReturnType<typeof Simulation.create>) => Proc<void>): Outcome {
  const sim = Simulation.create({ seed: 1, budget: { maxSteps: 1000 } });
  sim.spawn('t', () => body(sim));
  return sim.run().outcome;
}

describe('kernel arguments', () => {
  const garbage: Array<[string, unknown]> = [
    ['NaN', Number.NaN],
    ['undefined', undefined],
    ['null', null],
    ['-1', -1],
    ['1.5', 1.5],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '10'],
  ];
  for (const [name, value] of garbage) {
    it(`sleep(${name}) ends the run as an exception finding naming the call and the value`, () => {
      const o = runOne(function* (sim) {
        yield* sim.sleep(value as number);
      });
      expect(o.kind).toBe('exception');
      if (o.kind !== 'exception') return;
      expect(o.errorName).toBe('KernelArgumentError');
      expect(o.message).toMatch(/^sleep: expected a whole number of microseconds >= 0, got /);
    });
  }

  it('the error is thrown in the calling thread, which may catch it', () => {
    let caught: unknown = null;
    const o = runOne(function* (sim) {
      try {
        yield* sim.sleep(Number.NaN);
      } catch (e) {
        caught = e;
      }
      yield* sim.sleep(5);
    });
    expect(o.kind).toBe('completed');
    expect(caught).toBeInstanceOf(KernelArgumentError);
  });

  it('a wait timeout may be absent or null (no timeout) but not garbage', () => {
    for (const bad of [Number.NaN, -5, 0.5]) {
      const o = runOne(function* (sim) {
        yield* sim.condition('c').wait(bad);
      });
      expect(o.kind === 'exception' && o.message).toMatch(
        /^c\.wait: expected a whole number of microseconds >= 0, or null/,
      );
    }
    const timed = runOne(function* (sim) {
      yield* sim.condition('c').wait(undefined);
    });
    expect(timed.kind).toBe('deadlock');
  });

  it('sleep(0) and whole durations are fine', () => {
    expect(
      runOne(function* (sim) {
        yield* sim.sleep(0);
        yield* sim.sleep(3);
      }).kind,
    ).toBe('completed');
  });

  it('atTime and atStep refuse garbage where they are called', () => {
    const sim = Simulation.create({ seed: 1 });
    expect(() => sim.atTime(Number.NaN, () => {})).toThrow(/atTime: expected a whole number >= 0, got NaN/);
    expect(() => sim.atStep(-1, () => {})).toThrow(/atStep: expected a whole number >= 0, got -1/);
  });
});

describe('the determinism guard', () => {
  for (const call of ['exit', 'abort', 'kill'] as const) {
    it(`process.${call} inside a run is a nondeterminism finding, and the process lives on`, () => {
      const o = runOne(function* (sim) {
        yield* sim.sleep(1);
        if (call === 'kill') process.kill(process.pid, 'SIGTERM');
        else if (call === 'abort') process.abort();
        else process.exit(0);
      });
      expect(o.kind).toBe('nondeterminism');
      expect(o.kind === 'nondeterminism' && o.api).toBe(`process.${call}`);
    });
  }

  it('puts process.exit back when the run ends', () => {
    const exit = process.exit;
    runOne(function* (sim) {
      yield* sim.sleep(1);
    });
    expect(process.exit).toBe(exit);
  });
});
