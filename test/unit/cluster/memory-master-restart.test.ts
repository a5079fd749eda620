/**
 * The in-memory master as a daemon process: a crash loses its memory (locks, queue, workers),
 * client calls in flight fail as a broken LUXI connection, calls made while it is down wait, and
 * its restart recovers the jobs from the store by the recovery table (spec §5.11).
 */
import { describe, expect, it } from 'vitest';
import { MasterDaemonDown, MemoryCluster } from '../../../src/cluster/memory-cluster.js';
import type { JobStatus } from '../../../src/jqueue/constants.js';
import type { Proc } from '../../../src/sim/ports.js';
import { createWorld } from '../../../src/sim/world.js';

const delay = (seconds: number) => ({ OP_ID: 'OP_TEST_DELAY', duration: seconds, on_master: true, on_nodes: [] });

describe('a restartable in-memory master', () => {
  it('a crash ends the running job in error at the restart, the queued one runs then, calls in flight fail and calls made meanwhile wait', () => {
    const world = createWorld({ seed: 1, trace: 'full' });
    const cluster = MemoryCluster.create(world, { workers: 1, process: { control: world.processes, node: 'node1' } });
    cluster.start();
    const statuses: (JobStatus | null)[] = [];
    let watchError: unknown = null;
    let lateSubmit: number | null = null;
    world.spawn('client', function* (): Proc<void> {
      const running = yield* cluster.submitJob([delay(1)]);
      const queued = yield* cluster.submitJob([delay(0.1)]);
      statuses.push(yield* cluster.waitForJob(running), yield* cluster.waitForJob(queued));
    });
    world.spawn('watcher', function* (): Proc<void> {
      yield* world.sleep(100_000);
      try {
        yield* cluster.waitForJobChange(1, ['status'], ['running'], null, 10_000_000);
      } catch (e) {
        watchError = e;
      }
    });
    world.spawn('late', function* (): Proc<void> {
      yield* world.sleep(600_000);
      lateSubmit = yield* cluster.submitJob([delay(0.1)]);
    });
    world.kernel.atTime(500_000, () => cluster.crashMaster('test'));
    world.kernel.atTime(800_000, () => cluster.restartMaster());
    const r = world.run();
    expect(r.outcome.kind).toMatch(/completed|quiescent/);
    expect(statuses).toEqual(['error', 'success']);
    expect(watchError).toBeInstanceOf(MasterDaemonDown);
    // Submitted while the master was down: waited for the restart, got the next id.
    expect(lateSubmit).toBe(3);
    const opened = r.trace.snapshot().filter((e) => e.kind === 'proc.start' && e.subject.startsWith('node1/masterd'));
    expect(opened.length).toBe(2);
  });
});
