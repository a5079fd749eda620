/**
 * The sanlock plugin and daemon (spec §3): auto disk leases across hosts, the migration state
 * string, release of listed resources only, and lease loss on virtual time (kill, pause through
 * the kill-path helper, fencing when the holder survives).
 */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/cluster/hypervisor/index.js';
import { LockFailureAction, VirErr } from '../../../src/lockd/constants.js';
import { md5Hex } from '../../../src/lockd/sanlock-driver.js';
import { domainDef, errorCode, runLibvirt } from './support.js';

const LEASES = '/var/lib/libvirt/images/sanlock';
const IO_US = 100_000; // io_timeout 0.1 s: renewal 0.2 s, loss 0.8 s, watchdog 1 s
const sanlock = {
  lockManager: 'sanlock' as const,
  // The lease directory must be on the storage both hosts share.
  lockConfig: (node: string) =>
    `auto_disk_leases = 1\nhost_id = ${node === 'node1' ? 1 : 2}\ndisk_lease_dir = "${LEASES}"\n`,
  sanlockTiming: { ioTimeoutUs: IO_US },
};
const IMG = '/var/lib/libvirt/images/d1.img';

describe('sanlock plugin', () => {
  it('auto disk leases: a disk leased by one host is busy for the other ("Failed to acquire lock"), free after a pause', () => {
    const { trace } = runLibvirt(sanlock, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      h.hv('node2').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      const pid = h.hv('node1').domain('a')?.qemu?.pid ?? 0;
      expect(h.cluster.sanlockDaemons.get('node1')?.heldBy(pid)).toEqual([`${LEASES}/${md5Hex(IMG)}`]);
      expect(yield* errorCode(h.hv('node2').start('b'))).toBe(VirErr.RESOURCE_BUSY);
      yield* h.hv('node1').suspend('a');
      yield* h.hv('node2').start('b');
    });
    expect(trace.some((l) => l.includes('Failed to acquire lock: EBUSY'))).toBe(true);
  });

  it('migration carries the inquired state string; the destination acquires and the source QEMU dies', () => {
    const { trace } = runLibvirt(sanlock, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }, { image: 'd2.img' }]));
      yield* h.hv('node1').start('a');
      yield* migrate(h.hv('node1'), h.hv('node2'), 'a');
      const pid = h.hv('node2').domain('a')?.qemu?.pid ?? 0;
      expect(h.cluster.sanlockDaemons.get('node2')?.heldBy(pid)).toHaveLength(2);
      expect(h.hv('node1').domain('a')?.state).toBe('shutoff');
    });
    expect(trace.some((l) => /^lock\.op a ProcessInquire \d+ ok$/.test(l))).toBe(true);
  });

  it('hot-unplug releases only the unplugged disk (a58cb1ac40)', () => {
    runLibvirt(sanlock, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }, { image: 'd2.img' }]));
      h.hv('node2').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      yield* h.hv('node1').detachDisk('a', 'vdb');
      expect(yield* errorCode(h.hv('node2').start('b'))).toBe(VirErr.RESOURCE_BUSY);
      const pid = h.hv('node1').domain('a')?.qemu?.pid ?? 0;
      expect(h.cluster.sanlockDaemons.get('node1')?.heldBy(pid)).toHaveLength(1);
    });
  });

  it('on_lockfailure restart is refused (CONFIG_UNSUPPORTED)', () => {
    runLibvirt(sanlock, function* (h) {
      h.hv('node1').define({ ...domainDef('a', [{ image: 'd1.img' }]), onLockFailure: LockFailureAction.RESTART });
      expect(yield* errorCode(h.hv('node1').start('a'))).toBe(VirErr.CONFIG_UNSUPPORTED);
    });
  });
});

describe('sanlock lease loss', () => {
  it('when the delta lease cannot be renewed the holder is killed before the watchdog, so the host is not fenced', () => {
    const { trace } = runLibvirt(sanlock, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      h.world.disk('san').failNext('write', 1_000_000);
      yield* h.world.sleep(20 * IO_US);
      expect(h.hv('node1').domain('a')?.state).toBe('shutoff');
    });
    expect(trace.some((l) => l.startsWith('sanlock.lease-lost node1/sanlock#1'))).toBe(true);
    expect(trace.some((l) => /^sanlock\.kill node1\/sanlock#1 \d+ SIGTERM$/.test(l))).toBe(true);
    expect(trace.some((l) => l.startsWith('sanlock.fence'))).toBe(false);
  });

  it('on_lockfailure pause: the kill-path helper suspends the domain, which releases its leases', () => {
    const { trace } = runLibvirt(sanlock, function* (h) {
      h.hv('node1').define({ ...domainDef('a', [{ image: 'd1.img' }]), onLockFailure: LockFailureAction.PAUSE });
      yield* h.hv('node1').start('a');
      h.world.disk('san').failNext('write', 1_000_000);
      yield* h.world.sleep(20 * IO_US);
      expect(h.hv('node1').domain('a')?.state).toBe('paused');
    });
    expect(trace.some((l) => /^sanlock\.kill node1\/sanlock#1 \d+ killpath:pause$/.test(l))).toBe(true);
    expect(trace.some((l) => l.startsWith('sanlock.fence'))).toBe(false);
  });

  it('a holder that cannot be stopped (the helper finds no libvirtd) makes the watchdog fence the host', () => {
    const { trace } = runLibvirt(sanlock, function* (h) {
      h.hv('node1').define({ ...domainDef('a', [{ image: 'd1.img' }]), onLockFailure: LockFailureAction.PAUSE });
      yield* h.hv('node1').start('a');
      const libvirtd = h.world.processes.findProcess('node1', 'libvirtd');
      if (libvirtd) h.world.processes.crashProcess(libvirtd, 'test');
      h.world.disk('san').failNext('write', 1_000_000);
      yield* h.world.sleep(20 * IO_US);
    });
    expect(trace.some((l) => l === 'sanlock.fence node1')).toBe(true);
    expect(trace.some((l) => l.startsWith('node.crash node1'))).toBe(true);
  });
});
