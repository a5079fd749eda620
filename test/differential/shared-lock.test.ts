/**
 * gnt-sim's `SharedLock` against Ganeti 3.0's `locking.SharedLock`, step by step (see README.md).
 * The canary shows the oracle at work: gnt-sim's old remainder-only timed wait must diverge.
 */
import { expect, it } from 'vitest';
import { runDifferential } from './harness.js';
import { sharedLockComponent } from './shared-lock.js';
import { expectAgreement, withOracle } from './suite.js';

withOracle('differential: SharedLock', (oracle) => {
  it('600 lock programs (owners acquiring at priorities with and without timeouts, releases, downgrades, deletes, spurious wake-ups) agree with Ganeti 3.0', async () => {
    expectAgreement(await runDifferential(oracle(), sharedLockComponent, { seed: 20_101, numRuns: 600 }));
  }, 20_000);

  it('canary: with the remainder-only timed wait the oracle finds a divergence and shrinks it to a spurious wake-up of a timed waiter', async () => {
    const r = await runDifferential(oracle(), sharedLockComponent, {
      seed: 20_101,
      numRuns: 400,
      simOptions: { timedWait: 'remainder' },
    });
    expect(r.divergent).toBeGreaterThan(0);
    const steps = sharedLockComponent.describeSteps(r.divergence?.program ?? { owners: 0, steps: [] });
    expect(steps.length).toBeLessThanOrEqual(6);
    expect(steps).toContain('spurious wake-up of the topmost waiter');
    expect(steps.some((s) => / timeout [1-9]/.test(s))).toBe(true);
    expect(r.report).toContain('Ganeti 3.0');
  }, 20_000);
});
