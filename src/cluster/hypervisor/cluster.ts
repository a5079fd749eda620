/**
 * A small libvirt cluster in a simulated world: on every node a virtlockd and a libvirtd, with
 * disk images on one shared disk mounted at `IMAGE_DIR` on every node (like a SAN or NFS
 * export), so that the lock daemons of different nodes arbitrate through file locks on it.
 */
import { mountedStorage } from '../../lockd/config.js';
import { VirError } from '../../lockd/errors.js';
import { type KillPathAction, SanlockDaemon, type SanlockTiming } from '../../lockd/sanlock-daemon.js';
import { Virtlockd } from '../../lockd/virtlockd.js';
import type { MutantSet } from '../../mutants/registry.js';
import type { World } from '../../sim/ports.js';
import { Hypervisor, type LockManagerName } from './hypervisor.js';

/** Where the shared image disk is mounted on every node. */
export const IMAGE_DIR = '/var/lib/libvirt/images';

export interface LibvirtClusterOptions {
  readonly nodes: readonly string[];
  /** Name of the world's shared disk holding the images (it must be declared in the world). */
  readonly sharedDisk: string;
  /** Image file names under `IMAGE_DIR`, created empty at start. */
  readonly images: readonly string[];
  readonly lockManager: LockManagerName;
  /**
   * Content of `qemu-<plugin>.conf` (none: the plugin's defaults; for lockd that is direct mode
   * with auto disk leases). Per node when a function (sanlock needs a `host_id` per host).
   */
  readonly lockConfig?: string | ((node: string) => string);
  /** sanlock's `io_timeout` (renewal, loss and fencing times derive from it). */
  readonly sanlockTiming?: SanlockTiming;
  readonly mutants: MutantSet;
  readonly guestWriteEveryUs?: number;
}

export interface LibvirtCluster {
  readonly hypervisors: ReadonlyMap<string, Hypervisor>;
  readonly lockDaemons: ReadonlyMap<string, Virtlockd>;
  readonly sanlockDaemons: ReadonlyMap<string, SanlockDaemon>;
}

export function imagePath(image: string): string {
  return `${IMAGE_DIR}/${image}`;
}

export function startLibvirtCluster(world: World, opts: LibvirtClusterOptions): LibvirtCluster {
  const hypervisors = new Map<string, Hypervisor>();
  const lockDaemons = new Map<string, Virtlockd>();
  const sanlockDaemons = new Map<string, SanlockDaemon>();
  for (const node of opts.nodes) {
    const storage = mountedStorage(world, node, [{ prefix: IMAGE_DIR, disk: opts.sharedDisk }]);
    if (opts.lockManager === 'lockd') {
      lockDaemons.set(node, Virtlockd.start(world, { node, storage, mutants: opts.mutants }));
    }
    if (opts.lockManager === 'sanlock') {
      // libvirt_sanlock_helper: connects to libvirtd and suspends or destroys the domain.
      const killPath = function* (pid: number, action: KillPathAction) {
        const hv = hypervisors.get(node);
        const name = hv?.domainOfPid(pid);
        if (!hv || name === null || name === undefined) return;
        try {
          yield* action === 'pause' ? hv.suspend(name) : hv.destroy(name);
        } catch (e) {
          if (!(e instanceof VirError)) throw e;
        }
      };
      sanlockDaemons.set(
        node,
        SanlockDaemon.start(world, {
          node,
          storage,
          mutants: opts.mutants,
          killPath,
          ...(opts.sanlockTiming ? { timing: opts.sanlockTiming } : {}),
        }),
      );
    }
    const lockConfig = typeof opts.lockConfig === 'function' ? opts.lockConfig(node) : opts.lockConfig;
    hypervisors.set(
      node,
      Hypervisor.start(world, {
        node,
        lockManager: opts.lockManager,
        storage,
        mutants: opts.mutants,
        images: opts.images.map(imagePath),
        ...(lockConfig !== undefined ? { lockConfig } : {}),
        ...(opts.guestWriteEveryUs !== undefined ? { guestWriteEveryUs: opts.guestWriteEveryUs } : {}),
      }),
    );
  }
  return { hypervisors, lockDaemons, sanlockDaemons };
}
