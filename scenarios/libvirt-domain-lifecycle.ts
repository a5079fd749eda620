/**
 * Domain lifecycles under the libvirt lock manager (seed 004; spec `libvirt.md`).
 *
 * Two nodes, each with a virtlockd and a libvirtd using the `lockd` plugin in direct mode (the
 * disk images themselves are locked, on a shared disk both nodes mount), or (swarm feature
 * `lock:sanlock`) a sanlock daemon per node with auto disk leases on that shared disk, delta
 * leases renewed on virtual time, and `<on_lockfailure>` per domain. A few domains share a
 * small pool of images, so their disks collide: exclusive, shareable or readonly. Each domain has
 * a thread that runs its operations at generated times: start (or start paused), suspend,
 * resume, destroy, save/restore, disk hotplug (with an occasional failing later step) and
 * unplug, live migration to the other node, and "failover" (starting it on the other node while
 * it may still run: what the lock manager exists to refuse). A fault thread meanwhile crashes
 * or re-execs a lock daemon, restarts a libvirtd, closes a QEMU's lock connection, crashes a
 * QEMU, slows the shared storage, or makes it fail writes for a while (sanlock then loses its
 * delta lease and must stop the holders or be fenced). Operations that libvirt refuses fail (the conflicts the
 * lock manager reports are job failures, never waits); the guests write to their read-write
 * disks while their vCPUs run, and the checkers judge what they wrote.
 *
 * Checkers: `src/check/libvirt-*.ts` (MX, HOLD, FREE, REEXEC, KILL, LEAK) and the two libvirt
 * lifecycle models; HOLD only with lockd (it reads the lock daemon's table). The run ends a little over the kill bound after the last operation, so that
 * "lock lost ⇒ killed" is decided.
 */
import fc from 'fast-check';
import { libvirtCheckers } from '../src/check/libvirt-checkers.js';
import type { DomainDef, DomainDisk } from '../src/cluster/hypervisor/domain.js';
import {
  type Hypervisor,
  IMAGE_DIR,
  imagePath,
  type LibvirtCluster,
  migrate,
  startLibvirtCluster,
} from '../src/cluster/hypervisor/index.js';
import { LOCKD_KILL_BOUND_US, LockFailureAction } from '../src/lockd/constants.js';
import { isVirError } from '../src/lockd/errors.js';
import { renewalFailUs } from '../src/lockd/sanlock-daemon.js';
import type { Proc } from '../src/sim/ports.js';
import type { SimWorld } from '../src/sim/world.js';
import { domainName, GRID_US, lifecycleFaults, NODES } from './libvirt/faults.js';
import { listOf } from './list-arbitrary.js';
import type { BuildInput, Scenario, ScenarioInstance } from './scenario.js';

export type LifecycleOpKind =
  | 'start'
  | 'start-paused'
  | 'suspend'
  | 'resume'
  | 'destroy'
  | 'save'
  | 'restore'
  | 'attach'
  | 'detach'
  | 'migrate'
  | 'failover';

export interface LifecycleOp {
  readonly atUs: number;
  readonly kind: LifecycleOpKind;
  /** Image index for `attach`; disk index for `detach`. */
  readonly arg: number;
  /** `attach`: a step after the lock fails, so the hotplug rolls back. */
  readonly fail: boolean;
}

export interface LifecycleDisk {
  readonly image: number;
  readonly shared: boolean;
  readonly readonly: boolean;
}

export interface LifecycleDomain {
  /** Index of the node it is defined and started on. */
  readonly home: number;
  /** `<on_lockfailure>` (sanlock only acts on it). */
  readonly onLockFailure: 'default' | 'pause' | 'poweroff';
  readonly disks: readonly LifecycleDisk[];
  readonly ops: readonly LifecycleOp[];
}

export interface LifecycleParams {
  readonly lockManager: 'lockd' | 'sanlock';
  readonly images: number;
  readonly domains: readonly LifecycleDomain[];
}

/** sanlock's lease directory, on the shared storage (it must be, for hosts to see each other). */
const SANLOCK_LEASE_DIR = `${IMAGE_DIR}/sanlock`;
/** sanlock's io_timeout here: renewal every 0.2 s, lease lost after 0.8 s, watchdog at 1 s. */
const SANLOCK_IO_TIMEOUT_US = 100_000;
const SANLOCK_TIMING = { ioTimeoutUs: SANLOCK_IO_TIMEOUT_US };
/** From lease loss: SIGKILL one io_timeout later, the watchdog two; plus the helper's pause. */
const SANLOCK_KILL_BOUND_US = 3 * SANLOCK_IO_TIMEOUT_US + 50_000;
const OP_KINDS: readonly LifecycleOpKind[] = [
  'start',
  'start-paused',
  'suspend',
  'resume',
  'destroy',
  'save',
  'restore',
  'attach',
  'detach',
  'migrate',
  'failover',
];
/** Which feature switches an operation kind on (start and resume are always on). */
const OP_FEATURE: Readonly<Record<LifecycleOpKind, string | null>> = {
  start: null,
  'start-paused': 'op:suspend',
  suspend: 'op:suspend',
  resume: null,
  destroy: 'op:destroy',
  save: 'op:save',
  restore: 'op:save',
  attach: 'op:hotplug',
  detach: 'op:hotplug',
  migrate: 'op:migrate',
  failover: 'op:failover',
};
const FEATURES = [
  'op:suspend',
  'op:destroy',
  'op:save',
  'op:hotplug',
  'op:migrate',
  'op:failover',
  'disk:shared',
  'disk:readonly',
  'lock:sanlock',
  ...lifecycleFaults.features,
] as const;

const gridTime = (max: number) => fc.integer({ min: 0, max }).map((n) => n * GRID_US);

function paramsArb(on: ReadonlySet<string>): fc.Arbitrary<LifecycleParams> {
  const opKinds = OP_KINDS.filter((k) => {
    const f = OP_FEATURE[k];
    return f === null || on.has(f);
  });
  const lockManager = on.has('lock:sanlock')
    ? fc.constantFrom('lockd' as const, 'sanlock' as const)
    : fc.constant('lockd' as const);
  return fc.integer({ min: 1, max: 3 }).chain((images) => {
    const disk = fc.record({
      image: fc.nat(images - 1),
      shared: on.has('disk:shared') ? fc.boolean() : fc.constant(false),
      readonly: on.has('disk:readonly') ? fc.boolean() : fc.constant(false),
    });
    const op = fc.record({
      atUs: gridTime(20),
      kind: fc.constantFrom(...opKinds),
      arg: fc.nat(2),
      fail: fc.boolean(),
    });
    const domain = fc.record({
      home: fc.nat(NODES.length - 1),
      onLockFailure: fc.constantFrom('default' as const, 'pause' as const, 'poweroff' as const),
      // Two disks of one domain never share an image (libvirt refuses a source used twice).
      disks: fc.uniqueArray(disk, { minLength: 1, maxLength: 2, selector: (d) => d.image }),
      // Every domain starts first; the rest is shuffled in time.
      ops: listOf(op, { maxLength: 4 }).map((ops) => [
        { atUs: 0, kind: 'start' as const, arg: 0, fail: false },
        ...[...ops].sort((a, b) => a.atUs - b.atUs),
      ]),
    });
    return fc.record({
      lockManager,
      images: fc.constant(images),
      domains: listOf(domain, { minLength: 1, maxLength: 4 }),
    });
  });
}

function imageName(i: number): string {
  return `disk${i + 1}.img`;
}

function diskOf(d: LifecycleDisk, index: number): DomainDisk {
  return {
    target: `vd${String.fromCharCode(97 + index)}`,
    source: { path: imagePath(imageName(d.image)), type: 'file', shared: d.shared, readonly: d.readonly },
  };
}

const ON_LOCK_FAILURE = {
  default: LockFailureAction.DEFAULT,
  pause: LockFailureAction.PAUSE,
  poweroff: LockFailureAction.POWEROFF,
} as const;

function defOf(d: LifecycleDomain, i: number): DomainDef {
  return {
    name: domainName(i),
    uuid: `00000000-0000-0000-0000-00000000000${i + 1}`,
    leases: [],
    disks: d.disks.map(diskOf),
    onLockFailure: ON_LOCK_FAILURE[d.onLockFailure],
  };
}

/** The hypervisor where the domain is active, or its home when it runs nowhere. */
function whereIs(cluster: LibvirtCluster, name: string, home: string): Hypervisor {
  for (const hv of cluster.hypervisors.values()) {
    if (hv.domain(name)?.state !== undefined && hv.domain(name)?.state !== 'shutoff') return hv;
  }
  return cluster.hypervisors.get(home) as Hypervisor;
}

function otherNode(node: string): string {
  return node === NODES[0] ? NODES[1] : NODES[0];
}

function* runOp(cluster: LibvirtCluster, d: LifecycleDomain, i: number, op: LifecycleOp): Proc<void> {
  const name = domainName(i);
  const home = NODES[d.home % NODES.length] as string;
  const hv = whereIs(cluster, name, home);
  switch (op.kind) {
    case 'start':
      return yield* hv.start(name);
    case 'start-paused':
      return yield* hv.start(name, { paused: true });
    case 'suspend':
      return yield* hv.suspend(name);
    case 'resume':
      return yield* hv.resume(name);
    case 'destroy':
      return yield* hv.destroy(name);
    case 'save':
      return yield* hv.save(name);
    case 'restore':
      return yield* hv.restore(name);
    case 'attach': {
      const disk = diskOf({ image: op.arg, shared: false, readonly: false }, 2 + op.arg);
      return yield* hv.attachDisk(name, disk, { failAfterLock: op.fail });
    }
    case 'detach': {
      const disks = hv.domain(name)?.def.disks ?? [];
      const disk = disks[op.arg % Math.max(1, disks.length)];
      if (disk) yield* hv.detachDisk(name, disk.target);
      return;
    }
    case 'migrate': {
      const dst = cluster.hypervisors.get(otherNode(hv.node)) as Hypervisor;
      return yield* migrate(hv, dst, name);
    }
    case 'failover': {
      // The other node starts the domain as if its old primary were gone.
      const dst = cluster.hypervisors.get(otherNode(hv.node)) as Hypervisor;
      const def = hv.domain(name)?.def ?? defOf(d, i);
      if (dst.domain(name)?.state === undefined || dst.domain(name)?.state === 'shutoff') dst.define(def);
      return yield* dst.start(name);
    }
  }
}

function* runDomain(world: SimWorld, cluster: LibvirtCluster, d: LifecycleDomain, i: number): Proc<void> {
  for (const op of d.ops) {
    if (op.atUs > world.now()) yield* world.sleep(op.atUs - world.now());
    try {
      yield* runOp(cluster, d, i, op);
    } catch (e) {
      if (!isVirError(e)) throw e; // libvirt refused: the job fails, the workload goes on
    }
  }
}

export const scenario: Scenario<LifecycleParams> = {
  id: 'libvirt-domain-lifecycle',
  title: 'libvirt domain lifecycles under the lockd and sanlock lock managers',
  description:
    'Domains sharing disk images start, pause, resume, hotplug, migrate, save and fail over on two nodes while lock ' +
    'daemons crash or re-exec, libvirtd restarts, lock connections drop, QEMUs crash and lease storage fails; ' +
    'guests write their disks',
  seeds: ['004'],
  mutants: ['release-all-leases', 'release-without-kill', 'acquire-after-resume', 'lease-release-noop'],
  features: FEATURES,
  budget: { maxSteps: 300_000, maxTimeUs: 60_000_000 },
  source: import.meta.url,
  params: paramsArb,
  faults: (on) => lifecycleFaults.arbitrary(on),
  faultVocabulary: lifecycleFaults.vocabulary,
  size: (input: BuildInput<LifecycleParams>) => ({
    jobs: input.params.domains.length,
    faults: lifecycleFaults.vocabulary.weight(input.faults),
  }),
  build(world, { params, faults, mutants }): ScenarioInstance {
    const sanlock = params.lockManager === 'sanlock';
    const cluster = startLibvirtCluster(world, {
      nodes: NODES,
      sharedDisk: 'san',
      images: Array.from({ length: params.images }, (_, i) => imageName(i)),
      lockManager: params.lockManager,
      mutants,
      ...(sanlock
        ? {
            lockConfig: (node: string) =>
              `auto_disk_leases = 1\nhost_id = ${NODES.indexOf(node as (typeof NODES)[number]) + 1}\n` +
              `disk_lease_dir = "${SANLOCK_LEASE_DIR}"\n`,
            sanlockTiming: { ioTimeoutUs: SANLOCK_IO_TIMEOUT_US },
          }
        : {}),
    });
    params.domains.forEach((d, i) => {
      cluster.hypervisors.get(NODES[d.home % NODES.length] as string)?.define(defOf(d, i));
    });
    // Operations start once the daemons are up; the run ends after the kill bound has passed.
    const startUs = GRID_US;
    const lastUs = Math.max(
      0,
      ...params.domains.flatMap((d) => d.ops.map((o) => o.atUs)),
      ...(faults.faults ?? []).map((f) => ('timeUs' in f.at ? f.at.timeUs - startUs : 0)),
    );
    const endUs =
      startUs +
      lastUs +
      Math.max(LOCKD_KILL_BOUND_US, SANLOCK_KILL_BOUND_US + renewalFailUs(SANLOCK_TIMING)) +
      2 * GRID_US;
    params.domains.forEach((d, i) => {
      const shifted = { ...d, ops: d.ops.map((o) => ({ ...o, atUs: o.atUs + startUs })) };
      world.spawn(`domain${i + 1}`, function* () {
        yield* runDomain(world, cluster, shifted, i);
        if (world.now() < endUs) yield* world.sleep(endUs - world.now());
      });
    });
    lifecycleFaults.vocabulary.apply(world, faults, { cluster, domains: params.domains.length });
    return {
      checkers: libvirtCheckers({ directMode: !sanlock, sanlockKillBoundUs: SANLOCK_KILL_BOUND_US }),
    };
  },
};
