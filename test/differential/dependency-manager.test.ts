/** gnt-sim's `JobDependencyManager` against Ganeti 3.0's `_JobDependencyManager`. */
import { it } from 'vitest';
import { dependencyManagerComponent } from './dependency-manager.js';
import { runDifferential } from './harness.js';
import { expectAgreement, withOracle } from './suite.js';

withOracle('differential: dependency manager', (oracle) => {
  it('500 programs (checks against dependencies in every status or lost, self-dependencies, notifications) agree with Ganeti 3.0', async () => {
    expectAgreement(await runDifferential(oracle(), dependencyManagerComponent, { seed: 20_104, numRuns: 500 }));
  }, 20_000);
});
