/**
 * Opportunistic instance creation with the node-allocation lock (seed 002).
 *
 * Instance creations with an allocator take the node-allocation lock (NAL) exclusively and ask
 * for all node locks opportunistically: whatever nodes are free right now, never waiting for the
 * rest. Meanwhile nodes are added and removed (their locks added to and removed from the node
 * and node-res lock sets), instances are removed (their locks removed) and migrated, and
 * cluster verifies take the BGL, and test delays and group assignments lock node lists written as
 * callers may (unsorted, repeated, naming nodes not there). Lock sets must stay consistent
 * while members come and go, the NAL rules must hold (`_VerifyLocks`), and no acquisition may
 * deadlock.
 */
import { type GanetiParams, ganetiScenario, type WorkloadShape } from './ganeti/workload.js';
import type { Scenario } from './scenario.js';

const SHAPE: WorkloadShape = {
  kinds: [
    'create',
    'remove',
    'node-add',
    'node-remove',
    'migrate',
    'verify',
    'group-assign',
    'network-connect',
    'test-delay',
  ],
  nodes: { min: 2, max: 4 },
  instances: { min: 0, max: 3 },
  workers: { min: 1, max: 4 },
  submissions: { min: 1, max: 5 },
  chainMax: 1,
  opsPerJob: { min: 1, max: 2 },
  gridUs: 100_000,
  gridSlots: 8,
  priorities: [0, 10],
};

export const scenario: Scenario<GanetiParams> = ganetiScenario({
  id: 'ganeti-opportunistic-create',
  title: 'opportunistic instance creation with the NAL',
  description:
    'instance creations with opportunistic node locks under the NAL, while nodes are added and removed and ' +
    'instances removed and migrated',
  seeds: ['002', '000'],
  mutants: [],
  shape: SHAPE,
  maxTimeUs: 4 * 3600 * 1_000_000,
  source: import.meta.url,
});
