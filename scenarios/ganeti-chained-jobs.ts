/**
 * Chained jobs with cancellations (seed 001).
 *
 * Clients submit chains of jobs with `SubmitManyJobs`, each job depending on the one before it
 * (relative id -1) with a list of accepted final statuses, and cancel some of them while they
 * wait for a lock, a worker or their dependency. The dependency manager decides: continue,
 * wait, cancel (a cancelled dependency the dependent did not accept), or error (wrong status).
 *
 * Catches `dependency-cancel-ignored` (a dependent of a cancelled job keeps waiting forever) and
 * `depmgr-notify-under-lock` (waiters are re-enqueued under the dependency manager's lock, which
 * inverts the queue lock -> manager lock order).
 */
import { type GanetiParams, ganetiScenario, type WorkloadShape } from './ganeti/workload.js';
import type { Scenario } from './scenario.js';

const SHAPE: WorkloadShape = {
  kinds: ['startup', 'shutdown', 'reboot', 'migrate', 'query'],
  nodes: { min: 2, max: 3 },
  instances: { min: 1, max: 3 },
  // One worker processes one job at a time: the dependency manager's races need two.
  workers: { min: 2, max: 4 },
  submissions: { min: 1, max: 3 },
  chainMin: 2,
  chainMax: 3,
  opsPerJob: { min: 1, max: 1 },
  gridUs: 100_000,
  gridSlots: 6,
  priorities: [0, 10],
};

export const scenario: Scenario<GanetiParams> = ganetiScenario({
  id: 'ganeti-chained-jobs',
  title: 'chained jobs with cancellations',
  description: 'chains of dependent jobs submitted at once, with some jobs cancelled while they wait',
  seeds: ['001', '000'],
  mutants: ['dependency-cancel-ignored', 'depmgr-notify-under-lock'],
  shape: SHAPE,
  maxTimeUs: 4 * 3600 * 1_000_000,
  // The manager-lock inversion needs two workers, a finishing job and a dependency check to
  // interleave within one instant: deeper PCT finds it several times sooner.
  pctDepths: [2, 3, 4, 5],
  source: import.meta.url,
});
