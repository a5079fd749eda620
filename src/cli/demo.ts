/**
 * Kernel demo scenario for `gnt-sim search` until the explorer lands: N philosophers take two
 * hand-made locks, each philosopher left-then-right, under random schedules. Some seeds
 * deadlock; the search reports the first such seed and the wait cycle.
 */
import type { RunResult } from '../sim/kernel.js';
import type { Condition } from '../sim/ports.js';
import { Simulation } from '../sim/simulation.js';

export function runPhilosophers(seed: number, philosophers: number): RunResult {
  const sim = Simulation.create({ seed, strategy: { kind: 'random' }, budget: { maxSteps: 100_000 } });
  const held: boolean[] = Array.from({ length: philosophers }, () => false);
  const freed: Condition[] = held.map((_, i) => sim.condition(`fork${i}.freed`));
  const take = function* (i: number) {
    while (held[i]) yield* (freed[i] as Condition).wait();
    held[i] = true;
    sim.emit('fork.take', `fork${i}`);
  };
  const put = (i: number) => {
    held[i] = false;
    sim.emit('fork.put', `fork${i}`);
    (freed[i] as Condition).notify();
  };
  for (let p = 0; p < philosophers; p++) {
    const left = p;
    const right = (p + 1) % philosophers;
    sim.spawn(`philosopher${p}`, function* () {
      for (let meal = 0; meal < 3; meal++) {
        yield* take(left);
        yield* sim.yieldNow();
        yield* take(right);
        yield* sim.sleep(10);
        put(right);
        put(left);
      }
    });
  }
  return sim.run();
}
