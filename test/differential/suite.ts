/**
 * The vitest side of the differential tests: one Ganeti oracle per test file, started lazily, a
 * skip with one message when the oracle cannot run (never under CI, see `oracle.ts`), and the
 * assertion that a run found no divergence, failing with the side-by-side report.
 */
import { afterAll, describe, it } from 'vitest';
import type { DifferentialResult } from './harness.js';
import { GanetiOracle, skipReason } from './oracle.js';

/** Declares `body` as a suite that has the oracle, or one skipped test saying why it cannot run. */
export function withOracle(title: string, body: (oracle: () => GanetiOracle) => void): void {
  const reason = skipReason();
  if (reason !== null) {
    process.stderr.write(`${reason}\n`);
    describe(title, () => {
      it.skip(reason, () => {});
    });
    return;
  }
  let started: GanetiOracle | null = null;
  const oracle = () => {
    started ??= GanetiOracle.start();
    return started;
  };
  describe(title, () => {
    afterAll(async () => {
      await started?.close();
    });
    body(oracle);
  });
}

/** Fails with the side-by-side report when the run found a divergence. */
export function expectAgreement(r: DifferentialResult<unknown>): void {
  if (r.report !== null)
    throw new Error(`${r.divergent} of ${r.programs} programs diverge; the first, shrunk:\n${r.report}`);
}
