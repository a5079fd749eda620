/**
 * Helpers for the simulated-world tests (disk, file locks, network, fault plans): build a world,
 * run a body in a free-standing thread or a process, and pick trace records.
 */
import { expect } from 'vitest';
import { type EventRecord, eventsOf, type FaultStrikeRecord, faultStrikesOf } from '../../../src/sim/events.js';
import type { RunResult } from '../../../src/sim/kernel.js';
import type { Proc, TraceKind } from '../../../src/sim/ports.js';
import { type CreateWorldOptions, createWorld, type SimWorld } from '../../../src/sim/world.js';

export function makeWorld(opts: Partial<CreateWorldOptions> = {}): SimWorld {
  return createWorld({ seed: 1, ...opts });
}

/** Runs the world and requires a clean end (completed or quiescent). */
export function runClean(world: SimWorld): RunResult {
  const r = world.run();
  if (r.outcome.kind !== 'completed' && r.outcome.kind !== 'quiescent') {
    expect.fail(`run ended with ${JSON.stringify(r.outcome)}`);
  }
  return r;
}

/** Runs `body` as a free-standing thread (no process: it survives node crashes) and returns its result. */
export function runThread<T>(world: SimWorld, body: () => Proc<T>): { value: T; result: RunResult } {
  let value: T | undefined;
  let done = false;
  world.spawn('test', function* () {
    value = yield* body();
    done = true;
  });
  const result = runClean(world);
  expect(done, 'the test thread finished').toBe(true);
  return { value: value as T, result };
}

export function records<K extends TraceKind>(world: SimWorld, kind: K): EventRecord<K>[] {
  return eventsOf(world.kernel.trace.snapshot(), kind);
}

/** The trace records of the strikes of faults of `verb` (`fault.<verb>`). */
export function strikes(world: SimWorld, verb: string): FaultStrikeRecord[] {
  return faultStrikesOf(world.kernel.trace.snapshot(), verb);
}

/** Runs `body` expecting it to throw; returns the error. */
export function* catching(body: () => Proc<unknown>): Proc<unknown> {
  try {
    yield* body();
  } catch (e) {
    return e;
  }
  return null;
}
