/**
 * Node evacuation with LU-generated jobs (seed 003).
 *
 * A node evacuation computes where each instance of the node goes and returns one job per
 * instance for the client to wait for (`{"jobs": [[true, id], ...]}`); meanwhile other clients
 * migrate, fail over and start instances and run cluster verifies, with few job queue workers.
 * The evacuating LU must not wait for its children: it holds its locks and its worker, and the
 * children need both.
 *
 * Catches `lu-waits-for-children`: the LU waits for the jobs it submitted; with every worker
 * busy (or a child needing a lock the parent holds) the run deadlocks through worker slots.
 */
import { type GanetiParams, ganetiScenario, type WorkloadShape } from './ganeti/workload.js';
import type { Scenario } from './scenario.js';

const SHAPE: WorkloadShape = {
  kinds: ['evacuate', 'migrate', 'failover', 'startup', 'verify'],
  nodes: { min: 2, max: 4 },
  instances: { min: 1, max: 4 },
  workers: { min: 1, max: 3 },
  submissions: { min: 1, max: 4 },
  chainMax: 1,
  opsPerJob: { min: 1, max: 1 },
  gridUs: 100_000,
  gridSlots: 10,
  priorities: [0, 10],
};

export const scenario: Scenario<GanetiParams> = ganetiScenario({
  id: 'ganeti-node-evacuate',
  title: 'node evacuation with LU-generated jobs',
  description: 'node evacuations return jobs for their instances while other jobs migrate and start instances',
  seeds: ['003', '002'],
  mutants: ['lu-waits-for-children'],
  shape: SHAPE,
  maxTimeUs: 4 * 3600 * 1_000_000,
  source: import.meta.url,
});
