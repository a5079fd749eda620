/**
 * Ganeti integration: the instance LUs' hypervisor calls (`InstanceHooks` of `src/mcpu`) carried
 * out by the simulated libvirt hypervisors, so that a job-level mistake (say, a failover while
 * the old primary still runs the instance) surfaces as a disk-level conflict that the lock
 * manager refuses (the job fails with libvirt's error) or, without protection, as two writers.
 *
 * Mapping (Ganeti 2.10 `cmdlib/instance*.py` against libvirt):
 * - startup on the primary: define there if needed, then `start` (ProcessStart, then acquire);
 * - shutdown on the primary: `shutdown` (QEMU exits; virtlockd frees its locks);
 * - migrate source -> target: live migration (`migrate`);
 * - failover source -> target: `destroy` on the source when it is reachable (errors only warn,
 *   as with Ganeti's `ignore_consistency`), then define and, if the instance is marked up,
 *   `start` on the target;
 * - disk add/remove with `hotplug` on a running instance: `attachDisk` of the new disk after it
 *   was created, `detachDisk` before the disk is removed (`diskOf` names each index's disk).
 * A libvirt error becomes an `OpExecError` with libvirt's message.
 */
import { OpExecError } from '../../jqueue/errors.js';
import { isVirError } from '../../lockd/errors.js';
import type { InstanceHooks } from '../../mcpu/logical-unit.js';
import type { Proc } from '../../sim/ports.js';
import { imagePath, type LibvirtCluster } from './cluster.js';
import type { DomainDef, DomainDisk } from './domain.js';
import type { Hypervisor } from './hypervisor.js';
import { migrate } from './migration.js';

function* viaLibvirt(what: string, body: () => Proc<void>): Proc<void> {
  try {
    yield* body();
  } catch (e) {
    if (isVirError(e)) throw new OpExecError(`${what}: ${e.message}`);
    throw e;
  }
}

/** The disk of an instance's `index`: target `vd<a+index>`, image `<instance>-disk<index>.img` on the shared storage. */
export function defaultInstanceDisk(instance: string, index: number): DomainDisk {
  return {
    target: `vd${String.fromCharCode(97 + index)}`,
    source: { path: imagePath(`${instance}-disk${index}.img`), type: 'file', readonly: false, shared: false },
  };
}

export function libvirtInstanceHooks(
  cluster: LibvirtCluster,
  defOf: (instance: string) => DomainDef,
  diskOf: (instance: string, index: number) => DomainDisk = defaultInstanceDisk,
): InstanceHooks {
  const hv = (node: string): Hypervisor => {
    const h = cluster.hypervisors.get(node);
    if (!h) throw new OpExecError(`Node ${node} has no hypervisor`);
    return h;
  };
  const defineIfNeeded = (h: Hypervisor, instance: string) => {
    const state = h.domain(instance)?.state;
    if (state === undefined || state === 'shutoff') h.define(defOf(instance));
  };
  return {
    *startup(instance, node) {
      const h = hv(node);
      if (h.domain(instance)?.state === 'running') return; // already running: nothing to do
      defineIfNeeded(h, instance);
      yield* viaLibvirt('Could not start instance', () => h.start(instance));
    },
    *shutdown(instance, node) {
      const h = hv(node);
      if ((h.domain(instance)?.state ?? 'shutoff') === 'shutoff') return;
      yield* viaLibvirt('Could not shutdown instance', () => h.shutdown(instance));
    },
    *migrate(instance, source, target) {
      yield* viaLibvirt(`Could not migrate instance ${instance}`, () => migrate(hv(source), hv(target), instance));
    },
    *failover(instance, source, target, start) {
      const src = hv(source);
      if ((src.domain(instance)?.state ?? 'shutoff') !== 'shutoff') {
        try {
          yield* src.destroy(instance);
        } catch (e) {
          if (!isVirError(e)) throw e; // source unreachable: Ganeti goes on (ignore_consistency)
        }
      }
      const dst = hv(target);
      defineIfNeeded(dst, instance);
      if (start) yield* viaLibvirt(`Could not start instance ${instance} on node ${target}`, () => dst.start(instance));
    },
    *diskAdd(instance, node, index) {
      const disk = diskOf(instance, index);
      const h = hv(node);
      // Ganeti created the block device before; the hypervisor needs its image to exist.
      if (disk.source.path !== null) yield* h.createImage(disk.source.path);
      yield* viaLibvirt(`Could not hotplug disk/${index}`, () => h.attachDisk(instance, disk));
    },
    *diskRemove(instance, node, index) {
      const disk = diskOf(instance, index);
      yield* viaLibvirt(`Could not hot-unplug disk/${index}`, () => hv(node).detachDisk(instance, disk.target));
    },
  };
}
