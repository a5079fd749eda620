/**
 * Mixed instance operations on a small cluster (the default scenario; seeds 000 and 002).
 *
 * Clients submit jobs of instance start-ups, shutdowns, reboots, migrations and failovers,
 * cluster verifies (the BGL exclusive) and locking queries, at three priorities, on two to four
 * nodes with a handful of job queue workers, and sometimes cancel a job or change its priority
 * while it waits. Every opcode runs through the real job queue (queue lock released around the
 * LU, feedback and NotifyStart callbacks taking it shared) and the real processor (BGL, then the
 * instance, node and node-res levels in order, under the lock-attempt timeouts).
 *
 * Catches `queue-lock-held-during-lu` (the worker keeps the queue lock while its LU runs and
 * calls back into the queue), `cancel-checked-once` (a cancel that lands during a lock attempt
 * is lost and the opcode goes from canceling back to waiting) and `write-after-final` (the
 * processor writes a job again after a cancel finalized it).
 */
import { type GanetiParams, ganetiScenario, type WorkloadShape } from './ganeti/workload.js';
import type { Scenario } from './scenario.js';

const SHAPE: WorkloadShape = {
  kinds: ['startup', 'shutdown', 'reboot', 'migrate', 'failover', 'verify', 'query'],
  nodes: { min: 2, max: 4 },
  instances: { min: 1, max: 4 },
  workers: { min: 1, max: 4 },
  submissions: { min: 1, max: 5 },
  chainMax: 1,
  opsPerJob: { min: 1, max: 2 },
  gridUs: 100_000,
  gridSlots: 10,
  priorities: [-10, 0, 10],
};

export const scenario: Scenario<GanetiParams> = ganetiScenario({
  id: 'ganeti-mixed-ops',
  title: 'mixed instance operations on a small cluster',
  description:
    'jobs of instance start/stop/reboot/migrate/failover, cluster verify and queries at three priorities, ' +
    'with cancels and priority changes, through the real job queue and opcode processor',
  seeds: ['000', '002'],
  mutants: ['queue-lock-held-during-lu', 'cancel-checked-once', 'write-after-final'],
  shape: SHAPE,
  maxTimeUs: 4 * 3600 * 1_000_000,
  source: import.meta.url,
});
