/**
 * Kernel scheduling throughput: (a) two threads ping-ponging on two conditions, (b) 64 threads
 * contending on one condition, (c) timer-heavy sleeping threads. Searches run in `hash` trace
 * mode, so that is what is measured first; `full` mode (every record kept) is reported beside it.
 */
import { Simulation } from '../../src/sim/simulation.js';
import type { TraceMode } from '../../src/sim/trace.js';
import { measure, rates } from './timing.js';

function pingPong(rounds: number, trace: TraceMode): number {
  const sim = Simulation.create({ seed: 1, trace, budget: { maxSteps: 1e9 } });
  const ping = sim.condition('ping');
  const pong = sim.condition('pong');
  let turn = 0;
  sim.spawn('ping', function* () {
    for (let i = 0; i < rounds; i++) {
      while (turn !== 0) yield* ping.wait();
      turn = 1;
      pong.notify();
    }
  });
  sim.spawn('pong', function* () {
    for (let i = 0; i < rounds; i++) {
      while (turn !== 1) yield* pong.wait();
      turn = 0;
      ping.notify();
    }
  });
  return sim.run().steps;
}

function contention(threads: number, rounds: number, trace: TraceMode): number {
  const sim = Simulation.create({ seed: 1, trace, strategy: { kind: 'random' }, budget: { maxSteps: 1e9 } });
  const freed = sim.condition('mutex.freed');
  let held = false;
  for (let t = 0; t < threads; t++) {
    sim.spawn(`t${t}`, function* () {
      for (let i = 0; i < rounds; i++) {
        while (held) yield* freed.wait();
        held = true;
        yield* sim.yieldNow();
        held = false;
        freed.notify();
      }
    });
  }
  return sim.run().steps;
}

function sleepers(threads: number, rounds: number, trace: TraceMode): number {
  const sim = Simulation.create({ seed: 1, trace, budget: { maxSteps: 1e9, maxTimeUs: 1e15 } });
  for (let t = 0; t < threads; t++) {
    sim.spawn(`s${t}`, function* () {
      for (let i = 0; i < rounds; i++) yield* sim.sleep(1 + ((t * 7 + i * 13) % 50));
    });
  }
  return sim.run().steps;
}

export async function run(): Promise<Record<string, unknown>> {
  const cases = {
    pingPong: (m: TraceMode) => pingPong(500_000, m),
    contention64: (m: TraceMode) => contention(64, 5_000, m),
    timerSleepers: (m: TraceMode) => sleepers(256, 2_000, m),
  };
  const out: Record<string, unknown> = { unit: 'scheduling steps per second (one core)', repeats: 5 };
  for (const [name, fn] of Object.entries(cases)) {
    for (const mode of ['hash', 'full'] as const) {
      const ms = measure(5, () => fn(mode));
      out[`${name}.${mode}`] = { steps: ms[0]?.value, ...rates(ms) };
    }
  }
  return out;
}
