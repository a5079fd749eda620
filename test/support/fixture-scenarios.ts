/**
 * Small scenarios over the bare kernel, for testing the explorer itself: dining philosophers
 * with hand-made locks. `philosophers` takes forks left-then-right (deadlocks under some
 * schedules); `ordered-philosophers` takes the lower-numbered fork first (never deadlocks).
 */
import fc from 'fast-check';
import type { Scenario } from '../../scenarios/scenario.js';
import type { Condition } from '../../src/sim/ports.js';

export interface PhilosopherParams {
  readonly philosophers: number;
  readonly meals: number;
}

function philosophersScenario(id: string, ordered: boolean): Scenario<PhilosopherParams> {
  return {
    id,
    title: `dining philosophers (${ordered ? 'ordered' : 'left first'})`,
    description: 'philosophers take two hand-made locks each',
    seeds: [],
    mutants: [],
    features: ['eat'],
    budget: { maxSteps: 50_000, maxTimeUs: 10_000_000 },
    source: import.meta.url,
    params: () => fc.record({ philosophers: fc.integer({ min: 2, max: 6 }), meals: fc.integer({ min: 1, max: 3 }) }),
    faults: () => fc.constant({}),
    size: (input) => ({ jobs: input.params.philosophers, faults: 0 }),
    build(world, { params }) {
      const n = params.philosophers;
      const held: Array<string | null> = Array.from({ length: n }, () => null);
      const freed: Condition[] = held.map((_, i) => world.condition(`fork${i}.freed`));
      const take = function* (i: number, who: string) {
        while (held[i] !== null) yield* (freed[i] as Condition).wait();
        held[i] = who;
      };
      const put = (i: number) => {
        held[i] = null;
        (freed[i] as Condition).notify();
      };
      for (let p = 0; p < n; p++) {
        const a = ordered ? Math.min(p, (p + 1) % n) : p;
        const b = ordered ? Math.max(p, (p + 1) % n) : (p + 1) % n;
        const who = `philosopher${p}`;
        world.spawn(who, function* () {
          for (let m = 0; m < params.meals; m++) {
            yield* take(a, who);
            yield* world.yieldNow();
            yield* take(b, who);
            yield* world.sleep(10);
            put(b);
            put(a);
          }
        });
      }
      const node = (name: string) => ({ key: name, label: name });
      return {
        waitFor: () => ({
          edges: world.kernel
            .blockedThreads()
            .filter((t) => /^fork\d+\.freed$/.test(t.waitsOn))
            .map((t) => {
              const fork = Number(t.waitsOn.slice(4, t.waitsOn.indexOf('.')));
              const holder = held[fork];
              return {
                waiter: node(t.name),
                resource: `fork${fork}`,
                mode: 'exclusive',
                owners: holder ? [node(holder)] : [],
                ahead: [],
              };
            }),
        }),
      };
    },
  };
}

export const philosophers = philosophersScenario('philosophers', false);
export const orderedPhilosophers = philosophersScenario('ordered-philosophers', true);
export const scenarios = [philosophers, orderedPhilosophers];
