/** Helpers for the job-queue tests: a recording job environment and a way to run one generator in a simulation. */

import type { OpInput } from '../../src/jqueue/opcode.js';
import type { JobEnv } from '../../src/jqueue/queued-job.js';
import { eventsOf } from '../../src/sim/events.js';
import type { Kernel } from '../../src/sim/kernel.js';
import type { Proc, TraceEvents, TraceKind } from '../../src/sim/ports.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { TraceRecord } from '../../src/sim/trace.js';

/** A job environment with a settable clock that records what the job emits, as trace records. */
export class RecordingEnv implements JobEnv {
  readonly events: TraceRecord[] = [];

  constructor(public nowUs = 1_000_000) {}

  now(): number {
    return this.nowUs;
  }

  emit<K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]): void {
    this.events.push({ step: this.events.length, time: this.nowUs, thread: 0, kind, subject, fields });
  }

  /** `[from, to]` of the recorded status changes of `kind` (and `subject`, if given). */
  changes<K extends 'job.status' | 'opcode.status'>(kind: K, subject?: string): TraceEvents[K][] {
    return eventsOf(this.events, kind)
      .filter((e) => subject === undefined || e.subject === subject)
      .map((e) => [...e.fields] as TraceEvents[K]);
  }
}

/** A clock-only environment (no emission), like a read-only job's. */
export function clockEnv(nowUs = 1_000_000): JobEnv {
  return { now: () => nowUs };
}

/** A test opcode input, e.g. `op('OP_TEST_DELAY')` or `op('OP_TAGS_GET', { priority: -10 })`. */
export function op(id: string, params: Omit<Partial<OpInput>, 'OP_ID'> = {}): OpInput {
  return { OP_ID: id, ...params };
}

/**
 * Runs `body` as the only thread of a fresh simulation and returns its result and the run's
 * outcome kind. `setup` may spawn more threads first.
 */
export function runInSim<T>(
  body: (sim: Kernel) => Proc<T>,
  opts: { seed?: number; setup?: (sim: Kernel) => void } = {},
): { value: T; outcome: string; timeUs: number; sim: Kernel } {
  const sim = Simulation.create({ seed: opts.seed ?? 1, strategy: { kind: 'fifo' } });
  let value: T | undefined;
  let done = false;
  opts.setup?.(sim);
  sim.spawn('test', function* () {
    value = yield* body(sim);
    done = true;
  });
  const r = sim.run();
  if (!done) throw new Error(`runInSim: body did not finish (outcome ${JSON.stringify(r.outcome)})`);
  return { value: value as T, outcome: r.outcome.kind, timeUs: r.timeUs, sim };
}
