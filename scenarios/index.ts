/**
 * The built-in scenarios, in the order `gnt-sim scenarios` lists them. The first is the default
 * of `gnt-sim search`.
 */
import { scenario as libvirtDomainLifecycle } from './libvirt-domain-lifecycle.js';
import { scenario as locksetAddRemove } from './lockset-add-remove.js';
import type { Scenario } from './scenario.js';

export const scenarios: readonly Scenario<never>[] = [
  locksetAddRemove,
  libvirtDomainLifecycle,
] as unknown as readonly Scenario<never>[];
