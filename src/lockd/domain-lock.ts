/**
 * The domain wrappers (`domain_lock.c`, spec §1.3). Every wrapper runs New → AddResource* → one
 * op → Free. "With resources" means every `<lease>` first, then the **top** image of every disk,
 * skipping sources without a path or not of type file, block or dir (network disks and backing
 * chains are never locked). A readonly source is added READONLY, a shareable one SHARED.
 *
 * Trace: `lock.begin <domain> <op> <pid>` when a wrapper starts and `lock.op <domain> <op> <pid>
 * <ok|ERROR_NAME> [message]` when it returns, from the calling thread, so a trace shows which
 * lock-manager calls each lifecycle event made, and which were cut short (libvirtd died).
 */
import type { Proc, Runtime } from '../sim/ports.js';
import {
  ACQUIRE_REGISTER_ONLY,
  ACQUIRE_RESTRICT,
  type LockFailureActionValue,
  NEW_STARTED,
  OBJECT_TYPE_DOMAIN,
  ParamType,
  RESOURCE_READONLY,
  RESOURCE_SHARED,
  RESOURCE_TYPE_DISK,
  RESOURCE_TYPE_LEASE,
  virErrName,
} from './constants.js';
import type { LockManagerContext, LockManagerParam } from './driver.js';
import { isVirError } from './errors.js';
import {
  lockManagerAcquire,
  lockManagerAddResource,
  lockManagerFree,
  lockManagerInquire,
  lockManagerNew,
  lockManagerRelease,
} from './manager.js';
import type { LockManagerPlugin } from './plugin.js';

export type DiskSourceType = 'file' | 'block' | 'dir' | 'network' | 'volume';

/** A disk's top image as the lock manager sees it (`virStorageSource`). */
export interface LockDiskSource {
  readonly path: string | null;
  readonly type: DiskSourceType;
  readonly readonly: boolean;
  readonly shared: boolean;
}

/** `<lease>` (`virDomainLeaseDef`). */
export interface LockLeaseDef {
  readonly key: string;
  readonly path: string;
  readonly offset: number;
  readonly lockspace: string | null;
}

/** What the wrappers read from a domain object (`virDomainObj`). */
export interface LockDomain {
  readonly uuid: string;
  readonly name: string;
  /** Domain id (> 0 while active). */
  readonly id: number;
  /** QEMU PID; 0 = no process (Xen). */
  readonly pid: number;
  readonly disks: readonly LockDiskSource[];
  readonly leases: readonly LockLeaseDef[];
  readonly onLockFailure: LockFailureActionValue;
}

export type DomainLockOp =
  | 'ProcessStart'
  | 'ProcessPause'
  | 'ProcessResume'
  | 'ProcessInquire'
  | 'ImageAttach'
  | 'ImageDetach'
  | 'LeaseAttach'
  | 'LeaseDetach';

/** Whether a disk source is locked at all (spec §7.7). */
export function isLockableSource(src: LockDiskSource): boolean {
  return src.path !== null && (src.type === 'file' || src.type === 'block' || src.type === 'dir');
}

export class DomainLocker {
  constructor(
    readonly plugin: LockManagerPlugin,
    /** Driver URI (`qemu:///system`), passed to the plugin as the `uri` parameter. */
    readonly uri: string,
    private readonly rt: Runtime,
  ) {}

  /** `virDomainLockProcessStart`: in the child; REGISTER_ONLY unless the CPUs start at once. */
  *processStart(dom: LockDomain, paused: boolean, wantFd: boolean): Proc<number | null> {
    const flags = ACQUIRE_RESTRICT | (paused ? ACQUIRE_REGISTER_ONLY : 0);
    return yield* this.run('ProcessStart', dom, NEW_STARTED, 'all', (man) =>
      lockManagerAcquire(man, null, flags, dom.onLockFailure, wantFd),
    );
  }

  /** `virDomainLockProcessPause`: releases everything; returns the state to keep. */
  *processPause(dom: LockDomain): Proc<string | null> {
    return yield* this.run('ProcessPause', dom, 0, 'all', (man) => lockManagerRelease(man, true, 0));
  }

  /** `virDomainLockProcessResume`: acquires everything, with the state kept from the pause. */
  *processResume(dom: LockDomain, state: string | null): Proc<void> {
    yield* this.run('ProcessResume', dom, 0, 'all', (man) =>
      lockManagerAcquire(man, state, 0, dom.onLockFailure, false),
    );
  }

  *processInquire(dom: LockDomain): Proc<string | null> {
    return yield* this.run('ProcessInquire', dom, 0, 'all', (man) => lockManagerInquire(man, true, 0));
  }

  *imageAttach(dom: LockDomain, src: LockDiskSource): Proc<void> {
    yield* this.run('ImageAttach', dom, 0, { disk: src }, (man) =>
      lockManagerAcquire(man, null, 0, dom.onLockFailure, false),
    );
  }

  *imageDetach(dom: LockDomain, src: LockDiskSource): Proc<void> {
    yield* this.run('ImageDetach', dom, 0, { disk: src }, (man) => lockManagerRelease(man, false, 0));
  }

  *leaseAttach(dom: LockDomain, lease: LockLeaseDef): Proc<void> {
    yield* this.run('LeaseAttach', dom, 0, { lease }, (man) =>
      lockManagerAcquire(man, null, 0, dom.onLockFailure, false),
    );
  }

  *leaseDetach(dom: LockDomain, lease: LockLeaseDef): Proc<void> {
    yield* this.run('LeaseDetach', dom, 0, { lease }, (man) => lockManagerRelease(man, false, 0));
  }

  /** New → AddResource* → op → Free, with the trace record of the outcome. */
  private *run<T>(
    op: DomainLockOp,
    dom: LockDomain,
    newFlags: number,
    resources: 'all' | { disk: LockDiskSource } | { lease: LockLeaseDef },
    body: (man: LockManagerContext) => Proc<T>,
  ): Proc<T> {
    let man: LockManagerContext | null = null;
    this.rt.emit('lock.begin', dom.name, op, dom.pid);
    try {
      man = yield* lockManagerNew(this.plugin, OBJECT_TYPE_DOMAIN, domainParams(dom, this.uri), newFlags);
      if (resources === 'all') {
        for (const lease of dom.leases) yield* addLease(man, lease);
        for (const disk of dom.disks) yield* addImage(man, disk);
      } else if ('disk' in resources) {
        yield* addImage(man, resources.disk);
      } else {
        yield* addLease(man, resources.lease);
      }
      const value = yield* body(man);
      this.rt.emit('lock.op', dom.name, op, dom.pid, 'ok');
      return value;
    } catch (e) {
      if (isVirError(e)) this.rt.emit('lock.op', dom.name, op, dom.pid, virErrName(e.code), e.message);
      throw e;
    } finally {
      lockManagerFree(man);
    }
  }
}

/** The domain parameters given to `drvNew` (spec §1.1). */
export function domainParams(dom: LockDomain, uri: string): LockManagerParam[] {
  return [
    { type: ParamType.UUID, key: 'uuid', value: dom.uuid },
    { type: ParamType.STRING, key: 'name', value: dom.name },
    { type: ParamType.UINT, key: 'id', value: dom.id },
    { type: ParamType.UINT, key: 'pid', value: dom.pid },
    { type: ParamType.CSTRING, key: 'uri', value: uri },
  ];
}

function* addLease(man: LockManagerContext, lease: LockLeaseDef): Proc<void> {
  const params: LockManagerParam[] = [
    { type: ParamType.STRING, key: 'path', value: lease.path },
    { type: ParamType.ULONG, key: 'offset', value: lease.offset },
  ];
  if (lease.lockspace !== null) params.push({ type: ParamType.STRING, key: 'lockspace', value: lease.lockspace });
  yield* lockManagerAddResource(man, RESOURCE_TYPE_LEASE, lease.key, params, 0);
}

function* addImage(man: LockManagerContext, src: LockDiskSource): Proc<void> {
  if (!isLockableSource(src) || src.path === null) return;
  let flags = 0;
  if (src.readonly) flags |= RESOURCE_READONLY;
  if (src.shared) flags |= RESOURCE_SHARED;
  yield* lockManagerAddResource(man, RESOURCE_TYPE_DISK, src.path, [], flags);
}
