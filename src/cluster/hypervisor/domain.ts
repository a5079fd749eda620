/**
 * Domain definitions and the running-domain record of the simulated hypervisor: what a domain's
 * XML says (disks, leases, `<on_lockfailure>`) and what libvirtd knows about its QEMU process.
 */
import { LockFailureAction, type LockFailureActionValue } from '../../lockd/constants.js';
import type { LockDiskSource, LockDomain, LockLeaseDef } from '../../lockd/domain-lock.js';
import type { Condition, ProcessRef } from '../../sim/ports.js';

/** `<disk>`: a target name (`vda`) and its top image. */
export interface DomainDisk {
  readonly target: string;
  readonly source: LockDiskSource;
}

/** The parts of a domain's XML the lock manager and the guest care about. */
export interface DomainDef {
  readonly name: string;
  readonly uuid: string;
  readonly disks: readonly DomainDisk[];
  readonly leases: readonly LockLeaseDef[];
  readonly onLockFailure?: LockFailureActionValue;
}

/** The lock-model state of one QEMU process (spec §6.1 `ObjState`). */
export type LockObjState = 'defined' | 'registered' | 'running' | 'paused' | 'dead';

/** One QEMU process of a domain. */
export interface QemuProcess {
  readonly proc: ProcessRef;
  readonly pid: number;
  /** Domain id (> 0). */
  readonly id: number;
  /** `<name>/<pid>`: the subject of this process's lock-model and guest trace events. */
  readonly subject: string;
  /** Whether the vCPUs run (QMP `cont` / `stop`). */
  cpusRunning: boolean;
  /** Wakes the guest when its vCPUs start. */
  readonly cpuWake: Condition;
  lockState: LockObjState;
}

/** libvirt's domain state, as `virsh domstate` shows it. */
export type DomainState = 'shutoff' | 'running' | 'paused';

/** A domain as libvirtd keeps it (the status XML under `/run/libvirt/qemu` survives restarts). */
export interface DomainObj {
  def: DomainDef;
  state: DomainState;
  qemu: QemuProcess | null;
  /** State string kept from the last pause, for the next resume (`priv->lockState`). */
  lockState: string | null;
  /** A managed-save image exists. */
  saved: boolean;
  /** A start (or restore, or incoming migration) job is in progress (the status XML says so). */
  starting: boolean;
}

/**
 * Whether libvirt counts the domain as active: running or paused, or with a start, restore or
 * incoming migration under way (its QEMU is being launched: the status XML already exists).
 */
export function isActive(dom: DomainObj): boolean {
  return dom.state !== 'shutoff' || dom.starting || dom.qemu !== null;
}

/** The lock manager's view of a domain (`LockDomain`), for its current QEMU. */
export function lockDomainOf(dom: DomainObj): LockDomain {
  return {
    uuid: dom.def.uuid,
    name: dom.def.name,
    id: dom.qemu?.id ?? 0,
    pid: dom.qemu?.pid ?? 0,
    disks: dom.def.disks.map((d) => d.source),
    leases: dom.def.leases,
    onLockFailure: dom.def.onLockFailure ?? LockFailureAction.DEFAULT,
  };
}

/** Whether the guest writes to `src` (readonly sources are never written). */
export function isWritable(src: LockDiskSource): boolean {
  return !src.readonly && src.path !== null;
}
