/** The simulated hypervisor (libvirt's QEMU driver side); see `hypervisor.ts` for the API. */

export {
  IMAGE_DIR,
  imagePath,
  type LibvirtCluster,
  type LibvirtClusterOptions,
  startLibvirtCluster,
} from './cluster.js';
export type { DomainDef, DomainDisk, DomainObj, DomainState, LockObjState, QemuProcess } from './domain.js';
export { libvirtInstanceHooks } from './ganeti-hooks.js';
export { Hypervisor, type HypervisorOptions, type LockManagerName, MIGRATION_TRANSFER_US } from './hypervisor.js';
export { migrate } from './migration.js';
