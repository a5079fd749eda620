/**
 * Ganeti integration: the instance LUs, run by the real job queue and opcode processor, drive
 * the simulated libvirt hypervisors through `libvirtInstanceHooks`, so job outcomes and disk
 * locks meet: startup and migration move the QEMU and its lock, and a failover while the old
 * primary still runs the instance (its libvirtd unreachable, so the source is not destroyed) is
 * refused by the lock manager and fails the job instead of giving the disk two writers.
 */
import { describe, expect, it } from 'vitest';
import { imagePath, libvirtInstanceHooks, startLibvirtCluster } from '../../../src/cluster/hypervisor/index.js';
import { MemoryCluster } from '../../../src/cluster/memory-cluster.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { Proc } from '../../../src/sim/ports.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

type Libvirt = ReturnType<typeof startLibvirtCluster>;

function ganetiWithLibvirt(workload: (c: MemoryCluster, lv: Libvirt, world: SimWorld) => Proc<void>) {
  const world = createWorld({ seed: 11, sharedDisks: ['san'], budget: { maxTimeUs: 600_000_000 } });
  const lv = startLibvirtCluster(world, {
    nodes: ['node1', 'node2'],
    sharedDisk: 'san',
    images: ['inst1.img'],
    lockManager: 'lockd',
    mutants: MutantSet.none,
  });
  const defOf = (instance: string) => ({
    name: instance,
    uuid: `uuid-${instance}`,
    leases: [],
    disks: [
      {
        target: 'vda',
        source: { path: imagePath(`${instance}.img`), type: 'file' as const, readonly: false, shared: false },
      },
    ],
  });
  const cluster = MemoryCluster.create(world, {
    shape: { nodes: 2, groups: 1, instances: 1, networks: 0 },
    workers: 2,
    instanceHooks: libvirtInstanceHooks(lv, defOf),
  });
  let failure: unknown = null;
  world.spawn('client', function* () {
    yield* world.sleep(50_000);
    try {
      yield* workload(cluster, lv, world);
    } catch (e) {
      failure = e;
    }
  });
  const result = world.run();
  if (failure !== null) throw failure;
  return { result, world };
}

describe('Ganeti instance LUs driving libvirt', () => {
  it('OP_INSTANCE_STARTUP starts the QEMU on the primary with its disk locked; OP_INSTANCE_MIGRATE moves both', () => {
    ganetiWithLibvirt(function* (c, lv) {
      expect(yield* c.runOpcode({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1' })).toBe('success');
      const hv1 = lv.hypervisors.get('node1');
      const hv2 = lv.hypervisors.get('node2');
      expect(hv1?.domain('inst1')?.state).toBe('running');
      const pid1 = hv1?.domain('inst1')?.qemu?.pid;
      expect(lv.lockDaemons.get('node1')?.owners('', imagePath('inst1.img'))).toEqual([pid1]);
      expect(yield* c.runOpcode({ OP_ID: 'OP_INSTANCE_MIGRATE', instance_name: 'inst1' })).toBe('success');
      expect(hv1?.domain('inst1')?.state).toBe('shutoff');
      expect(hv2?.domain('inst1')?.state).toBe('running');
      const pid2 = hv2?.domain('inst1')?.qemu?.pid;
      expect(lv.lockDaemons.get('node2')?.owners('', imagePath('inst1.img'))).toEqual([pid2]);
    });
  });

  it('a failover while the old primary still runs the instance fails the job on the disk lock (no second writer)', () => {
    ganetiWithLibvirt(function* (c, lv, world) {
      expect(yield* c.runOpcode({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1' })).toBe('success');
      // The old primary's libvirtd is unreachable: Ganeti cannot shut the instance down there.
      const libvirtd = world.processes.findProcess('node1', 'libvirtd');
      if (libvirtd) world.processes.crashProcess(libvirtd, 'unreachable');
      expect(yield* c.runOpcode({ OP_ID: 'OP_INSTANCE_FAILOVER', instance_name: 'inst1' })).toBe('error');
      expect(lv.hypervisors.get('node1')?.domain('inst1')?.state).toBe('running');
      expect(lv.hypervisors.get('node2')?.domain('inst1')?.state).toBe('shutoff');
    });
  });

  it('OP_INSTANCE_SET_PARAMS with hotplug plugs a new disk into the running QEMU with its lock, and unplugs it (lock freed) before removing it', () => {
    ganetiWithLibvirt(function* (c, lv) {
      expect(yield* c.runOpcode({ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1' })).toBe('success');
      const hv1 = lv.hypervisors.get('node1');
      const lockd = lv.lockDaemons.get('node1');
      const pid = hv1?.domain('inst1')?.qemu?.pid;
      const added = imagePath('inst1-disk1.img');
      const add = {
        OP_ID: 'OP_INSTANCE_SET_PARAMS',
        instance_name: 'inst1',
        hotplug: true,
        disks: [['add', { size: 512 }]],
      };
      const addJob = yield* c.submitOpcode(add);
      expect(yield* c.waitForJob(addJob)).toBe('success');
      expect(hv1?.domain('inst1')?.def.disks.map((d) => d.target)).toEqual(['vda', 'vdb']);
      expect(lockd?.owners('', added)).toEqual([pid]);
      expect(yield* c.queryJobs([addJob], ['opresult'])).toEqual([[[[['disk/1', 'add:size=512,mode=rw']]]]]);
      const remove = { OP_ID: 'OP_INSTANCE_SET_PARAMS', instance_name: 'inst1', hotplug: true, disks: [['remove']] };
      expect(yield* c.runOpcode(remove)).toBe('success');
      expect(hv1?.domain('inst1')?.def.disks.map((d) => d.target)).toEqual(['vda']);
      expect(lockd?.owners('', added)).toEqual([]);
      expect(lockd?.owners('', imagePath('inst1.img'))).toEqual([pid]);
    });
  });
});
