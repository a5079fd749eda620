/**
 * Priority storms with lock timeouts and escalation (seeds 000 and 002).
 *
 * Many jobs at different priorities want the same few instances and nodes; a cluster verify
 * takes the BGL exclusively now and then. Lock attempts time out (1 s, growing to 15 s), the
 * jobs go back to the worker pool still waiting, and after each exhausted schedule their
 * priority rises by one step; clients change priorities and cancel jobs in the middle of it.
 * Workers must pick jobs by priority and locks must be granted by priority.
 *
 * Catches `cancel-checked-once` (a cancel that lands around a lock timeout is lost); the PRIO
 * checks watch the worker pool and every lock's waiters throughout.
 */
import { type GanetiParams, ganetiScenario, type WorkloadShape } from './ganeti/workload.js';
import type { Scenario } from './scenario.js';

const SHAPE: WorkloadShape = {
  kinds: ['migrate', 'failover', 'reboot', 'verify', 'startup'],
  nodes: { min: 2, max: 2 },
  instances: { min: 1, max: 2 },
  workers: { min: 2, max: 6 },
  submissions: { min: 2, max: 6 },
  chainMax: 1,
  opsPerJob: { min: 1, max: 2 },
  gridUs: 50_000,
  gridSlots: 4,
  priorities: [-10, 0, 10],
};

export const scenario: Scenario<GanetiParams> = ganetiScenario({
  id: 'ganeti-priority-storm',
  title: 'priority storms with lock timeouts and escalation',
  description:
    'jobs of three priorities contend for two instances and the BGL; lock attempts time out, escalate, ' +
    'and clients cancel and re-prioritise',
  seeds: ['000', '002'],
  mutants: ['cancel-checked-once'],
  shape: SHAPE,
  maxTimeUs: 12 * 3600 * 1_000_000,
  maxSteps: 300_000,
  source: import.meta.url,
});
