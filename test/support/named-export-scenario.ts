/**
 * A scenario whose module exports it only by name (as the built-in scenario modules do), for the
 * library's search: worker threads must find it in its own module (`source`) without a
 * `scenarios` list. Two threads increment a counter with a read, a preemption point and a write,
 * so some schedules lose an update.
 */
import fc from 'fast-check';
import { defineScenario } from '../../scenarios/define-scenario.js';

export const lostUpdate = defineScenario({
  id: 'lost-update',
  title: 'lost update',
  description: 'threads increment a shared counter with a read, a preemption point and a write',
  seeds: [],
  mutants: [],
  features: [],
  budget: { maxSteps: 10_000, maxTimeUs: 1_000_000 },
  source: import.meta.url,
  params: () => fc.record({ threads: fc.integer({ min: 2, max: 4 }) }),
  faults: () => fc.constant({}),
  size: ({ params }) => ({ jobs: params.threads, faults: 0 }),
  build(world, { params }) {
    let counter = 0;
    for (let t = 0; t < params.threads; t++) {
      world.spawn(`thread${t + 1}`, function* () {
        const read = counter;
        yield* world.yieldNow();
        counter = read + 1;
      });
    }
    return {
      checkers: [
        {
          name: 'counter',
          atEnd: (_result, ctx) => {
            if (counter !== params.threads)
              ctx.violation('LOST', `counter is ${counter} after ${params.threads} increments`);
          },
        },
      ],
    };
  },
});
