/**
 * The `lockd` lock driver (`lock_driver_lockd.c`, spec §1.2 and §2.5): a client of the node's
 * virtlockd. It is stateless between operations; each Acquire or Release opens a fresh
 * connection, REGISTERs the domain's QEMU PID as the owner and sends one RPC per resource.
 *
 * Resource mapping (§2.5): with `auto_disk_leases = 0` disks are not locked (only noted, for
 * `require_lease_for_disks`); with `file_lockspace_dir` set a disk is the autocreated file named by
 * the SHA-256 of its path in that lockspace ("indirect"); otherwise the image file itself in the
 * default lockspace ("direct"). A LEASE is `key` in the lockspace `"<path>/<lockspace>"`.
 *
 * Quirks kept on purpose (§7): acquisition stops at the first failure without rolling back;
 * release stops at the first failure; `require_lease_for_disks` is checked even for
 * REGISTER_ONLY; `drvInit` is idempotent and a second config is ignored; `state` is ignored.
 */
import { createHash } from 'node:crypto';
import { checkLeasesForDisks, confInt, confString, leasesRequiredForDisks, readConf } from './config.js';
import {
  ACQUIRE_REGISTER_ONLY,
  ACQUIRE_RESTRICT,
  LOCK_MANAGER_VERSION,
  LOCKSPACE_ACQUIRE_AUTOCREATE,
  LOCKSPACE_ACQUIRE_SHARED,
  LockdProc,
  NEW_STARTED,
  OBJECT_TYPE_DOMAIN,
  RESOURCE_READONLY,
  RESOURCE_SHARED,
  RESOURCE_TYPE_DISK,
  RESOURCE_TYPE_LEASE,
  VirErr,
  VirFrom,
} from './constants.js';
import type { DriverEnv, LockDriver, LockManagerContext, LockManagerParam } from './driver.js';
import { checkFlags, VirError } from './errors.js';
import { LockdConnection } from './lockd-client.js';
import type { LockdOwner } from './lockd-protocol.js';

/** `virLockManagerLockDaemonDriver`: the config, loaded once per process. */
export interface LockdConfig {
  readonly autoDiskLeases: boolean;
  readonly requireLeaseForDisks: boolean;
  readonly fileLockspaceDir: string | null;
}

interface LockdResource {
  readonly lockspace: string;
  readonly name: string;
  readonly flags: number;
}

/** `virLockManagerLockDaemonPrivate`. */
interface LockdPrivate {
  readonly owner: LockdOwner;
  readonly resources: LockdResource[];
  hasRWDisks: boolean;
}

const err = (code: number, message: string) => new VirError(code, VirFrom.LOCKING, message);

function priv(man: LockManagerContext): LockdPrivate {
  return man.privateData as LockdPrivate;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The lockd plugin as loaded into one process (the QEMU child inherits libvirtd's). */
export function createLockdDriver(env: DriverEnv): LockDriver {
  let config: LockdConfig | null = null;
  const need = (): LockdConfig => {
    if (!config) throw err(VirErr.INTERNAL_ERROR, 'lock manager is not initialized');
    return config;
  };

  return {
    version: LOCK_MANAGER_VERSION,
    flags: 0,

    *drvInit(version, configFile, flags) {
      checkFlags(flags, 0, 'virLockManagerLockDaemonInit', VirFrom.LOCKING);
      if (version !== LOCK_MANAGER_VERSION) {
        throw err(VirErr.INTERNAL_ERROR, `Unsupported lock manager version ${version}`);
      }
      if (config) return; // idempotent: a second driver's config file is ignored (§7.5)
      const conf = configFile === null ? null : yield* readConf(env.storage.diskFor(configFile), configFile);
      const auto = (confInt(conf, 'auto_disk_leases') ?? 1) !== 0;
      config = {
        autoDiskLeases: auto,
        requireLeaseForDisks: leasesRequiredForDisks(conf, auto),
        fileLockspaceDir: confString(conf, 'file_lockspace_dir'),
      };
      if (config.autoDiskLeases && config.fileLockspaceDir !== null) {
        const c = yield* LockdConnection.connect(env.world, env.node);
        try {
          yield* c.call({ proc: LockdProc.CREATE_LOCKSPACE, path: config.fileLockspaceDir });
        } finally {
          yield* c.close();
        }
      }
    },

    drvDeinit() {
      config = null;
      return true;
    },

    *drvNew(man, type, params, flags) {
      checkFlags(flags, NEW_STARTED, 'virLockManagerLockDaemonNew', VirFrom.LOCKING);
      need();
      if (type !== OBJECT_TYPE_DOMAIN) throw err(VirErr.INTERNAL_ERROR, `Unknown lock manager object type ${type}`);
      const owner = { uuid: '', name: '', id: 0, pid: 0 };
      for (const p of params) {
        if (p.key === 'uuid') owner.uuid = String(p.value);
        else if (p.key === 'name') owner.name = String(p.value);
        else if (p.key === 'id') owner.id = Number(p.value);
        else if (p.key === 'pid') owner.pid = Number(p.value);
        else if (p.key !== 'uri') throw err(VirErr.INTERNAL_ERROR, `Unexpected parameter ${p.key} for object`);
      }
      if (owner.id === 0) throw err(VirErr.INTERNAL_ERROR, 'Missing ID parameter for domain object');
      if (owner.name === '') throw err(VirErr.INTERNAL_ERROR, 'Missing name parameter for domain object');
      if (owner.uuid === '') throw err(VirErr.INTERNAL_ERROR, 'Missing UUID parameter for domain object');
      yield* [];
      man.privateData = { owner, resources: [], hasRWDisks: false } satisfies LockdPrivate;
    },

    *drvAddResource(man, type, name, params, flags) {
      checkFlags(flags, RESOURCE_READONLY | RESOURCE_SHARED, 'virLockManagerLockDaemonAddResource', VirFrom.LOCKING);
      yield* [];
      const p = priv(man);
      const cfg = need();
      if (flags & RESOURCE_READONLY) return; // readonly: nothing recorded (§7.7)
      const shared = (flags & RESOURCE_SHARED) !== 0;
      if (type === RESOURCE_TYPE_DISK) {
        if (!cfg.autoDiskLeases) {
          if (!shared) p.hasRWDisks = true;
          return;
        }
        const lockFlags = shared ? LOCKSPACE_ACQUIRE_SHARED : 0;
        if (cfg.fileLockspaceDir !== null) {
          p.resources.push({
            lockspace: cfg.fileLockspaceDir,
            name: sha256Hex(name),
            flags: lockFlags | LOCKSPACE_ACQUIRE_AUTOCREATE,
          });
        } else {
          p.resources.push({ lockspace: '', name, flags: lockFlags });
        }
        return;
      }
      if (type === RESOURCE_TYPE_LEASE) {
        const param = (key: string): LockManagerParam | undefined => params.find((x) => x.key === key);
        const offset = Number(param('offset')?.value ?? 0);
        if (offset !== 0) throw err(VirErr.INTERNAL_ERROR, 'Offset must be zero for this lock manager');
        const path = param('path')?.value;
        const lockspace = param('lockspace')?.value;
        if (path === undefined || lockspace === undefined) {
          throw err(VirErr.INTERNAL_ERROR, 'Missing path or lockspace for lease resource');
        }
        p.resources.push({ lockspace: `${path}/${lockspace}`, name, flags: shared ? LOCKSPACE_ACQUIRE_SHARED : 0 });
        return;
      }
      throw err(VirErr.INTERNAL_ERROR, `Unknown lock manager object type ${type}`);
    },

    *drvAcquire(man, _state, flags, _action, wantFd) {
      checkFlags(flags, ACQUIRE_REGISTER_ONLY | ACQUIRE_RESTRICT, 'virLockManagerLockDaemonAcquire', VirFrom.LOCKING);
      const p = priv(man);
      const cfg = need();
      checkLeasesForDisks(cfg.requireLeaseForDisks, p.resources.length, p.hasRWDisks);
      const c = yield* LockdConnection.connect(env.world, env.node);
      let leak = false;
      try {
        yield* c.call({ proc: LockdProc.REGISTER, owner: p.owner, flags: 0 });
        if (!(flags & ACQUIRE_REGISTER_ONLY)) {
          // One RPC per resource, in order, stopping at the first failure, no rollback (§7.1).
          for (const r of p.resources) {
            yield* c.call({ proc: LockdProc.ACQUIRE_RESOURCE, path: r.lockspace, name: r.name, flags: r.flags });
          }
        }
        if (flags & ACQUIRE_RESTRICT) yield* c.call({ proc: LockdProc.RESTRICT, flags: 0 });
        leak = wantFd;
        return wantFd ? c.fd() : null;
      } finally {
        if (!leak) yield* c.close();
      }
    },

    *drvRelease(man, _wantState, flags) {
      checkFlags(flags, 0, 'virLockManagerLockDaemonRelease', VirFrom.LOCKING);
      const p = priv(man);
      const c = yield* LockdConnection.connect(env.world, env.node);
      try {
        yield* c.call({ proc: LockdProc.REGISTER, owner: p.owner, flags: 0 });
        // MUTANT(lease-release-noop): the release names no resource and frees nothing
        // (libvirt 8dc93ffad: pause and migration kept the locks).
        const resources = env.mutants.has('lease-release-noop') ? [] : p.resources;
        for (const r of resources) {
          const f = r.flags & ~(LOCKSPACE_ACQUIRE_SHARED | LOCKSPACE_ACQUIRE_AUTOCREATE);
          yield* c.call({ proc: LockdProc.RELEASE_RESOURCE, path: r.lockspace, name: r.name, flags: f });
        }
      } finally {
        yield* c.close();
      }
      return null;
    },

    *drvInquire(_man, _wantState, flags) {
      checkFlags(flags, 0, 'virLockManagerLockDaemonInquire', VirFrom.LOCKING);
      yield* [];
      return null;
    },

    drvFree(man) {
      man.privateData = null;
    },
  };
}
