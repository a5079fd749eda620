/**
 * Differential benchmark (`npm run bench -- differential [--programs N] [--seed S]`): the full set
 * of differential programs (test/differential) against Ganeti 3.0's own classes, N in all (default
 * 10,000) split evenly over the four components, each component's batch through one Python
 * process. Reports programs per component, the divergences left after the table of intended
 * divergences (must be 0; the first one's shrunk report when not), and the time taken.
 */
import type { Component } from '../../test/differential/compare.js';
import { dependencyManagerComponent } from '../../test/differential/dependency-manager.js';
import { runDifferential } from '../../test/differential/harness.js';
import { jobProcessorComponent } from '../../test/differential/job-processor.js';
import { jobStatusComponent } from '../../test/differential/job-status.js';
import { GanetiOracle, oracleStatus } from '../../test/differential/oracle.js';
import { sharedLockComponent } from '../../test/differential/shared-lock.js';

const COMPONENTS = [
  sharedLockComponent,
  jobStatusComponent,
  jobProcessorComponent,
  dependencyManagerComponent,
] as Component<unknown, unknown>[];

function positiveInt(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive integer, got '${text}'`);
  return n;
}

export async function run(options: Readonly<Record<string, string>> = {}): Promise<Record<string, unknown>> {
  const total = positiveInt(options.programs, 10_000, 'programs');
  const seed = positiveInt(options.seed, 1, 'seed');
  const status = oracleStatus();
  if (!status.ok) throw new Error(status.reason);
  const perComponent = Math.ceil(total / COMPONENTS.length);
  const t0 = performance.now();
  const components: Record<string, unknown> = {};
  let programs = 0;
  let divergences = 0;
  for (const [i, component] of COMPONENTS.entries()) {
    const oracle = GanetiOracle.start();
    try {
      const r = await runDifferential(oracle, component, { seed: seed + i, numRuns: perComponent });
      programs += r.programs;
      divergences += r.divergent;
      components[component.name] = {
        programs: r.programs,
        divergencesOutsideTable: r.divergent,
        seconds: Math.round(r.wallMs) / 1000,
        programsPerSecond: Math.round(r.programs / (r.wallMs / 1000)),
        ...(r.report ? { firstDivergence: r.report } : {}),
      };
    } finally {
      await oracle.close();
    }
  }
  return {
    oracle: `Ganeti ${status.ganeti} (Debian ganeti-3.0)`,
    seed,
    programs,
    divergencesOutsideTable: divergences,
    seconds: Math.round(performance.now() - t0) / 1000,
    components,
  };
}
