/**
 * The faults of the Ganeti in-memory scenarios: the master daemon dies and the watcher starts it
 * again a little later (`ganeti-watcher`). Its memory goes (locks, the queue's cache, the workers,
 * the dependency manager's waiters); the configuration and the job files stay, and start-up
 * recovery (spec §5.11) re-queues queued and waiting jobs and ends running and canceling ones in
 * error ("Unclean master daemon shutdown"), a job cancelled while it waited for a dependency
 * included. Client calls in flight fail; clients carry on.
 *
 * Restarts are rare (`offWeight`): a run they hit ends what its jobs were doing, and the ordering
 * bugs these scenarios exist for need the jobs to go on.
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import { arg, type FaultTime } from '../../src/sim/faults.js';
import { defineFault, FaultSpace } from '../fault-space.js';

/** What the faults act on. */
export interface GanetiContext {
  readonly cluster: MemoryCluster;
}

export const RESTART_MASTERD = 'restart-masterd';

const restartMasterd = defineFault({
  kind: RESTART_MASTERD,
  feature: 'fault:restart-masterd',
  weight: 1,
  args: z.strictObject({ downUs: arg.uint() }),
  generate: fc.record({ downUs: fc.constantFrom(0, 100_000, 1_000_000) }),
  subject: () => 'masterd',
  describe: (a) => `crash the master daemon; the watcher starts it again ${a.downUs} µs later`,
  skip: (_a, ctx: GanetiContext) => (ctx.cluster.isOpen ? null : 'not-running'),
  inject(a, ctx, world) {
    // Not a daemon thread (as the vocabulary runs effects), and started before the crash: the
    // run must not end while the watcher has yet to bring the master back.
    world.spawn(
      'watcher',
      function* () {
        if (a.downUs > 0) yield* world.sleep(a.downUs);
        ctx.cluster.restartMaster();
      },
      { process: null },
    );
    ctx.cluster.crashMaster('fault plan');
    return undefined;
  },
});

/** The fault space of a workload whose arrivals lie on `gridUs` × `gridSlots`: faults land on the same grid. */
export function ganetiFaults(gridUs: number, gridSlots: number): FaultSpace<GanetiContext> {
  const at: fc.Arbitrary<FaultTime> = fc.integer({ min: 0, max: gridSlots + 4 }).map((n) => ({ timeUs: n * gridUs }));
  return new FaultSpace<GanetiContext>([restartMasterd], { at, maxFaults: 2, offWeight: 6 });
}
