/**
 * The fast-check side of the `vs-fc-scheduler` bench searches the same workloads as gnt-sim: it
 * finds the ABBA deadlock, never fails the correct variant, and counts preemptions the way the
 * kernel does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlockFreedom, type RunLog } from '../../../scripts/bench/vs-fc/fc-workload.js';
import { abba, cycleOfDepth } from '../../support/lock-cycles.js';

describe('the fast-check workload of the comparison bench', () => {
  it('fc.scheduler() finds the ABBA deadlock and never fails the correct variant', async () => {
    const buggy = await fc.check(
      deadlockFreedom(abba(true), () => {}),
      { numRuns: 500, seed: 1 },
    );
    expect(buggy.failed).toBe(true);
    const correct = await fc.check(
      deadlockFreedom(abba(false), () => {}),
      { numRuns: 500, seed: 1 },
    );
    expect(correct.failed).toBe(false);
  });

  it('a deadlocking run of a lock cycle that needs three preemptions has at least three', async () => {
    const logs: RunLog[] = [];
    const d = await fc.check(
      deadlockFreedom(cycleOfDepth(3), (ok, log) => {
        if (!ok) logs.push(log);
      }),
      { numRuns: 2_000, seed: 2 },
    );
    expect(d.failed).toBe(true);
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(log.preemptions).toBeGreaterThanOrEqual(3);
  });
});
