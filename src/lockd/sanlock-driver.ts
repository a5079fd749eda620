/**
 * The `sanlock` lock driver (`lock_driver_sanlock.c`, spec §1.2 and §3): a client of the node's
 * sanlock daemon. It sets `USES_STATE`: the state string (`sanlock_inquire`) travels with
 * migration.
 *
 * Quirks kept on purpose (§7): acquire and release for an unregistered PID succeed and do
 * nothing; the `state` given to acquire is parsed and validated, then ignored (the context's own
 * resources are acquired); release frees only the listed resources; `drvInit` is idempotent;
 * lockspace set-up errors are ignored (78da4296a6); `restart` and `ignore` failure actions are
 * refused.
 */
import { createHash } from 'node:crypto';
import type { Proc } from '../sim/ports.js';
import { checkLeasesForDisks, confInt, confString, leasesRequiredForDisks, readConf } from './config.js';
import {
  ACQUIRE_REGISTER_ONLY,
  ACQUIRE_RESTRICT,
  LOCK_DRIVER_USES_STATE,
  LOCK_FAILURE_ACTION_NAMES,
  LOCK_MANAGER_VERSION,
  LockFailureAction,
  NEW_STARTED,
  OBJECT_TYPE_DOMAIN,
  RESOURCE_READONLY,
  RESOURCE_SHARED,
  RESOURCE_TYPE_DISK,
  RESOURCE_TYPE_LEASE,
  VirErr,
  VirFrom,
} from './constants.js';
import type { DriverEnv, LockDriver, LockManagerContext } from './driver.js';
import { checkFlags, VirError } from './errors.js';
import { SANLOCK_SERVICE, type SanlockReply, type SanlockRequest, type SanlockResource } from './sanlock-daemon.js';

/** `SANLK_MAX_RESOURCES`. */
export const SANLOCK_MAX_RESOURCES = 8;
export const SANLOCK_DISK_LOCKSPACE = '__LIBVIRT__DISKS__';
const SANLOCK_CALL_TIMEOUT_US = 1_000_000;

interface SanlockConfig {
  readonly autoDiskLeases: boolean;
  readonly hostId: number;
  readonly requireLeaseForDisks: boolean;
  readonly diskLeaseDir: string;
}

interface SanlockPrivate {
  readonly uuid: string;
  readonly name: string;
  readonly pid: number;
  registered: boolean;
  readonly resources: SanlockResource[];
  hasRWDisks: boolean;
}

const err = (code: number, message: string) => new VirError(code, VirFrom.LOCKING, message);

export function md5Hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** Validates a `sanlock_state_to_args` string: space-separated `lockspace:name:path:offset[:SH]`. */
function parseState(state: string): void {
  for (const entry of state.split(' ')) {
    if (entry.split(':').length < 4) throw err(VirErr.INTERNAL_ERROR, `Unable to parse lock state ${state}`);
  }
}

export function createSanlockDriver(env: DriverEnv): LockDriver {
  let config: SanlockConfig | null = null;
  const need = (): SanlockConfig => {
    if (!config) throw err(VirErr.INTERNAL_ERROR, 'lock manager is not initialized');
    return config;
  };
  function* call(req: SanlockRequest): Proc<SanlockReply> {
    const r = yield* env.world.net.call<SanlockReply>({ node: env.node, service: SANLOCK_SERVICE }, req.op, req, {
      timeoutUs: SANLOCK_CALL_TIMEOUT_US,
    });
    return r.ok ? r.value : { ok: false, errno: 'ECONNREFUSED' };
  }
  const priv = (man: LockManagerContext) => man.privateData as SanlockPrivate;

  return {
    version: LOCK_MANAGER_VERSION,
    flags: LOCK_DRIVER_USES_STATE,

    *drvInit(version, configFile, flags) {
      checkFlags(flags, 0, 'virLockManagerSanlockInit', VirFrom.LOCKING);
      if (version !== LOCK_MANAGER_VERSION)
        throw err(VirErr.INTERNAL_ERROR, `Unsupported lock manager version ${version}`);
      if (config) return;
      const conf = configFile === null ? null : yield* readConf(env.storage.diskFor(configFile), configFile);
      const auto = (confInt(conf, 'auto_disk_leases') ?? 0) !== 0;
      const cfg: SanlockConfig = {
        autoDiskLeases: auto,
        hostId: confInt(conf, 'host_id') ?? 0,
        requireLeaseForDisks: leasesRequiredForDisks(conf, auto),
        diskLeaseDir: confString(conf, 'disk_lease_dir') ?? '/var/lib/libvirt/sanlock',
      };
      if (cfg.autoDiskLeases && cfg.hostId === 0) {
        throw err(VirErr.INTERNAL_ERROR, 'Automatic disk lease mode enabled, but no host ID is set');
      }
      config = cfg;
      if (cfg.autoDiskLeases) {
        const path = `${cfg.diskLeaseDir}/${SANLOCK_DISK_LOCKSPACE}`;
        // 78da4296a6: a failed set-up is silently ignored (its check became `< -1`).
        yield* call({ op: 'init_resource', path });
        yield* call({ op: 'add_lockspace', lockspace: SANLOCK_DISK_LOCKSPACE, hostId: cfg.hostId, path });
      }
    },

    drvDeinit() {
      config = null;
      return true;
    },

    *drvNew(man, type, params, flags) {
      checkFlags(flags, NEW_STARTED, 'virLockManagerSanlockNew', VirFrom.LOCKING);
      need();
      if (type !== OBJECT_TYPE_DOMAIN) throw err(VirErr.INTERNAL_ERROR, `Unknown lock manager object type ${type}`);
      const p = { uuid: '', name: '', pid: 0 };
      for (const x of params) {
        if (x.key === 'uuid') p.uuid = String(x.value);
        else if (x.key === 'name') p.name = String(x.value);
        else if (x.key === 'pid') p.pid = Number(x.value);
      }
      let registered = false;
      if (!(flags & NEW_STARTED)) {
        // da879e5921: probe whether the process is registered (it may predate sanlock).
        const r = yield* call({ op: 'inquire', pid: p.pid });
        registered = r.ok && r.registered === true;
      }
      man.privateData = { ...p, registered, resources: [], hasRWDisks: false } satisfies SanlockPrivate;
    },

    *drvAddResource(man, type, name, params, flags) {
      checkFlags(flags, RESOURCE_READONLY | RESOURCE_SHARED, 'virLockManagerSanlockAddResource', VirFrom.LOCKING);
      const p = priv(man);
      const cfg = need();
      if (p.resources.length >= SANLOCK_MAX_RESOURCES) {
        throw err(VirErr.INTERNAL_ERROR, `Too many resources ${p.resources.length} for object`);
      }
      if (flags & RESOURCE_READONLY) return;
      const shared = (flags & RESOURCE_SHARED) !== 0;
      if (type === RESOURCE_TYPE_DISK) {
        if (!cfg.autoDiskLeases) {
          if (!shared) p.hasRWDisks = true;
          return;
        }
        const hash = md5Hex(name);
        const path = `${cfg.diskLeaseDir}/${hash}`;
        const r = yield* call({ op: 'init_resource', path });
        if (!r.ok) throw err(VirErr.SYSTEM_ERROR, `Failed to initialize disk lease ${path}: ${r.errno}`);
        p.resources.push({ lockspace: SANLOCK_DISK_LOCKSPACE, name: hash, path, offset: 0, shared });
        return;
      }
      if (type === RESOURCE_TYPE_LEASE) {
        const get = (k: string) => params.find((x) => x.key === k)?.value;
        const path = get('path');
        if (path === undefined) throw err(VirErr.INTERNAL_ERROR, 'Missing path for lease resource');
        p.resources.push({
          lockspace: String(get('lockspace') ?? ''),
          name,
          path: String(path),
          offset: Number(get('offset') ?? 0),
          shared,
        });
        return;
      }
      throw err(VirErr.INTERNAL_ERROR, `Unknown lock manager object type ${type}`);
    },

    *drvAcquire(man, state, flags, action, wantFd) {
      checkFlags(flags, ACQUIRE_REGISTER_ONLY | ACQUIRE_RESTRICT, 'virLockManagerSanlockAcquire', VirFrom.LOCKING);
      const p = priv(man);
      const cfg = need();
      checkLeasesForDisks(cfg.requireLeaseForDisks, p.resources.length, p.hasRWDisks);
      if (action === LockFailureAction.RESTART || action === LockFailureAction.IGNORE) {
        throw err(
          VirErr.CONFIG_UNSUPPORTED,
          `Failure action ${LOCK_FAILURE_ACTION_NAMES[action]} is not supported by sanlock`,
        );
      }
      let conn: string | null = null;
      const self = env.world.current().process;
      if (self !== null && self.pid === p.pid) {
        // In the QEMU child: register, then the kill-path if the domain asks for one.
        const r = yield* call({ op: 'register' });
        if (!r.ok || r.conn === undefined) throw err(VirErr.SYSTEM_ERROR, `Failed to open socket to sanlock daemon`);
        conn = r.conn;
        p.registered = true;
        if (action === LockFailureAction.PAUSE || action === LockFailureAction.POWEROFF) {
          yield* call({ op: 'killpath', conn, action: action === LockFailureAction.PAUSE ? 'pause' : 'poweroff' });
        }
      } else if (!p.registered) {
        return wantFd ? -1 : null; // unregistered PID: success, nothing acquired (§7.4)
      }
      if (state !== null && state !== '') parseState(state); // validated, then ignored (§7.3)
      if (!(flags & ACQUIRE_REGISTER_ONLY) && p.resources.length > 0) {
        const r = yield* call({ op: 'acquire', conn, pid: p.pid, res: p.resources });
        if (!r.ok) throw err(VirErr.RESOURCE_BUSY, `Failed to acquire lock: ${r.errno}`);
      }
      if (flags & ACQUIRE_RESTRICT && conn !== null) yield* call({ op: 'restrict', conn });
      return wantFd ? (conn === null ? -1 : Number(conn.slice(1))) : null;
    },

    *drvRelease(man, wantState, flags) {
      checkFlags(flags, 0, 'virLockManagerSanlockRelease', VirFrom.LOCKING);
      const p = priv(man);
      if (!p.registered) return null;
      let state: string | null = null;
      if (wantState) {
        const r = yield* call({ op: 'inquire', pid: p.pid });
        state = r.ok && r.state ? r.state : null;
      }
      // a58cb1ac40: only the listed resources are released.
      const r = yield* call({ op: 'release', conn: null, pid: p.pid, res: p.resources });
      if (!r.ok) throw err(VirErr.INTERNAL_ERROR, `Failed to release lock: ${r.errno}`);
      return state;
    },

    *drvInquire(man, wantState, flags) {
      checkFlags(flags, 0, 'virLockManagerSanlockInquire', VirFrom.LOCKING);
      if (!wantState) throw err(VirErr.INVALID_ARG, 'state must not be NULL');
      const p = priv(man);
      if (!p.registered) return null;
      const r = yield* call({ op: 'inquire', pid: p.pid });
      return r.ok && r.state ? r.state : null;
    },

    drvFree(man) {
      man.privateData = null;
    },
  };
}
