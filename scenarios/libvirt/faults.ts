/**
 * The faults of the libvirt domain-lifecycle scenario, each registered once: a lock daemon
 * crashes (and socket activation brings up an empty one) or re-execs itself keeping its state;
 * libvirtd restarts; a QEMU's connection to its lock daemon drops; a QEMU crashes, or is resumed
 * behind libvirt's back (a documented unsafe window the checkers excuse); the shared storage
 * slows down, or fails writes for a while (sanlock then cannot renew its leases). Nodes and
 * domains are named by index, resolved modulo their number when the fault strikes, so a plan
 * shrinks independently of the domains. Faults strike on a 50 ms grid after the first
 * operations start.
 *
 * The lock protocol itself runs over local sockets (QEMU and libvirtd talk to the lock daemon of
 * their own node), so message delays between nodes have nothing to act on here.
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { Hypervisor, LibvirtCluster, QemuProcess } from '../../src/cluster/hypervisor/index.js';
import { arg, type FaultTime } from '../../src/sim/faults.js';
import { defineFault, FaultSpace } from '../fault-space.js';

export const NODES = ['node1', 'node2'] as const;
/** Operations and faults happen on this grid, from one grid step after the start. */
export const GRID_US = 50_000;
const GRID_SLOTS = 20;

/** What the faults act on: the libvirt cluster and how many domains the workload defines. */
export interface LifecycleContext {
  readonly cluster: LibvirtCluster;
  readonly domains: number;
}

export function domainName(i: number): string {
  return `dom${i + 1}`;
}

const gridAt: fc.Arbitrary<FaultTime> = fc
  .integer({ min: 0, max: GRID_SLOTS })
  .map((n) => ({ timeUs: GRID_US + n * GRID_US }));

const nodeArgs = z.strictObject({ node: arg.uint() });
const node = fc.record({ node: fc.nat(NODES.length - 1) });
const domainArgs = z.strictObject({ domain: arg.uint() });
const domain = fc.record({ domain: fc.nat(3) });

function nodeOf(index: number): string {
  return NODES[index % NODES.length] as string;
}

/** The domain's running QEMU and the hypervisor it runs on, if any. */
function qemuOf(ctx: LifecycleContext, index: number): { hv: Hypervisor; q: QemuProcess; name: string } | null {
  const name = domainName(index % Math.max(1, ctx.domains));
  for (const hv of ctx.cluster.hypervisors.values()) {
    const q = hv.domain(name)?.qemu;
    if (q) return { hv, q, name };
  }
  return null;
}

const noQemu = (a: { domain: number }, ctx: LifecycleContext) => (qemuOf(ctx, a.domain) ? null : 'not-running');

const lockdCrash = defineFault({
  kind: 'lockd-crash',
  feature: 'fault:lockd-crash',
  args: nodeArgs,
  generate: node,
  subject: (a) => nodeOf(a.node),
  describe: (a) => `crash the lock daemon of ${nodeOf(a.node)} (socket activation starts an empty one)`,
  skip: (a, ctx: LifecycleContext) => (ctx.cluster.lockDaemons.get(nodeOf(a.node))?.process() ? null : 'not-running'),
  inject(a, ctx, world) {
    const daemon = ctx.cluster.lockDaemons.get(nodeOf(a.node));
    const p = daemon?.process();
    if (!daemon || !p) return undefined;
    world.processes.crashProcess(p, 'fault');
    daemon.restart();
    return undefined;
  },
});

const lockdReexec = defineFault({
  kind: 'lockd-reexec',
  feature: 'fault:lockd-reexec',
  args: nodeArgs,
  generate: node,
  subject: (a) => nodeOf(a.node),
  describe: (a) => `re-exec the lock daemon of ${nodeOf(a.node)}, keeping its state`,
  skip: (a, ctx: LifecycleContext) => (ctx.cluster.lockDaemons.has(nodeOf(a.node)) ? null : 'no-lock-daemon'),
  inject(a, ctx) {
    return ctx.cluster.lockDaemons.get(nodeOf(a.node))?.reexec();
  },
});

const libvirtdRestart = defineFault({
  kind: 'libvirtd-restart',
  feature: 'fault:libvirtd-restart',
  args: nodeArgs,
  generate: node,
  subject: (a) => nodeOf(a.node),
  describe: (a) => `restart libvirtd on ${nodeOf(a.node)}`,
  inject(a, ctx: LifecycleContext) {
    ctx.cluster.hypervisors.get(nodeOf(a.node))?.restartLibvirtd();
    return undefined;
  },
});

const connDrop = defineFault({
  kind: 'conn-drop',
  feature: 'fault:conn-drop',
  args: domainArgs,
  generate: domain,
  subject: (a) => `domain#${a.domain}`,
  describe: (a) => `drop the lock-daemon connection of domain #${a.domain}'s QEMU`,
  skip: noQemu,
  inject(a, ctx) {
    const at = qemuOf(ctx, a.domain);
    if (at) ctx.cluster.lockDaemons.get(at.hv.node)?.dropOwnerConnection(at.q.pid);
    return undefined;
  },
});

const qemuCrash = defineFault({
  kind: 'qemu-crash',
  feature: 'fault:qemu-crash',
  args: domainArgs,
  generate: domain,
  subject: (a) => `domain#${a.domain}`,
  describe: (a) => `crash domain #${a.domain}'s QEMU`,
  skip: noQemu,
  inject(a, ctx, world) {
    const at = qemuOf(ctx, a.domain);
    if (at) world.processes.crashProcess(at.q.proc, 'fault');
    return undefined;
  },
});

const qemuResume = defineFault({
  kind: 'qemu-resume',
  feature: 'fault:qemu-resume',
  args: domainArgs,
  generate: domain,
  subject: (a) => `domain#${a.domain}`,
  describe: (a) => `resume domain #${a.domain}'s vCPUs behind libvirt's back`,
  skip: noQemu,
  inject(a, ctx) {
    // A documented unsafe window (invariant 8 (b)): excused by the checkers, never a finding here.
    const at = qemuOf(ctx, a.domain);
    if (at) at.hv.qemuSideResume(at.name);
    return undefined;
  },
});

const storageLatency = defineFault({
  kind: 'storage-latency',
  feature: 'fault:storage-latency',
  args: z.strictObject({ extraUs: arg.count(), count: arg.count() }),
  generate: fc.record({ extraUs: fc.constant(20_000), count: fc.constant(4) }),
  subject: () => 'san',
  describe: (a) => `slow the next ${a.count} operations of the shared storage by ${a.extraUs} µs`,
  inject(a, _ctx: LifecycleContext, world) {
    world.disk('san').slowNext(a.extraUs, a.count);
    return undefined;
  },
});

const leaseStorage = defineFault({
  kind: 'lease-storage',
  feature: 'fault:lease-storage',
  args: z.strictObject({ writes: arg.count() }),
  generate: fc.record({ writes: fc.constant(40) }),
  subject: () => 'san',
  describe: (a) => `fail the next ${a.writes} writes of the shared storage (lease renewals fail)`,
  inject(a, _ctx: LifecycleContext, world) {
    world.disk('san').failNext('write', a.writes);
    return undefined;
  },
});

/** Every fault of the domain-lifecycle scenario. */
export const lifecycleFaults = new FaultSpace<LifecycleContext>(
  [lockdCrash, lockdReexec, libvirtdRestart, connDrop, qemuCrash, qemuResume, storageLatency, leaseStorage],
  { at: gridAt, maxFaults: 3 },
);
