/** gnt-sim's `QueuedJob` status, priority, cancel and change-priority against Ganeti 3.0's `_QueuedJob`. */
import { it } from 'vitest';
import { runDifferential } from './harness.js';
import { jobStatusComponent } from './job-status.js';
import { expectAgreement, withOracle } from './suite.js';

withOracle('differential: job and opcode status', (oracle) => {
  it('500 programs (opcode statuses in every combination, Cancel, ChangePriority, MarkUnfinishedOps, Finalize) agree with Ganeti 3.0', async () => {
    expectAgreement(await runDifferential(oracle(), jobStatusComponent, { seed: 20_102, numRuns: 500 }));
  }, 20_000);
});
