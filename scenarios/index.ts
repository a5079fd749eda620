/**
 * The built-in scenarios, in the order `gnt-sim scenarios` lists them. The first is the default
 * of `gnt-sim search`.
 */
import { scenario as ganetiChainedJobs } from './ganeti-chained-jobs.js';
import { scenario as ganetiMixedOps } from './ganeti-mixed-ops.js';
import { scenario as ganetiNodeEvacuate } from './ganeti-node-evacuate.js';
import { scenario as ganetiOpportunisticCreate } from './ganeti-opportunistic-create.js';
import { scenario as ganetiPriorityStorm } from './ganeti-priority-storm.js';
import { scenario as libvirtDomainLifecycle } from './libvirt-domain-lifecycle.js';
import { scenario as locksetAddRemove } from './lockset-add-remove.js';
import { scenario as queueDurability } from './queue-durability.js';
import type { Scenario } from './scenario.js';

export const scenarios: readonly Scenario<never>[] = [
  ganetiMixedOps,
  ganetiNodeEvacuate,
  ganetiChainedJobs,
  ganetiPriorityStorm,
  locksetAddRemove,
  ganetiOpportunisticCreate,
  libvirtDomainLifecycle,
  queueDurability,
] as unknown as readonly Scenario<never>[];
