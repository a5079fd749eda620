/**
 * Plugin loading (`virLockManagerPluginNew`, spec §1.2). `nop` is built in; any other name is a
 * module `<dir>/<name>.so` "dlopen"ed from the installed modules, where `<dir>` is the default
 * plugin directory unless `LIBVIRT_LOCK_MANAGER_PLUGIN_DIR` overrides it. The module's
 * `drvInit(1000000, "<configDir>/<driverName>-<name>.conf", flags)` runs at every load, and the
 * plugin is refcounted; `drvDeinit` runs when the count drops to 0.
 *
 * A module loaded twice into one process is the same module (dlopen returns the same handle), so
 * its static state, and with it the idempotent `drvInit` of lockd and sanlock (spec §7.5), is
 * shared: `LockModuleLoader` is that per-process module table. The QEMU child forked from
 * libvirtd inherits it.
 */
import { LOCK_MANAGER_VERSION, VirErr, VirFrom } from './constants.js';
import type { DriverEnv, LockDriver, LockDriverFactory } from './driver.js';
import { VirError } from './errors.js';
import { createNopDriver } from './nop.js';

export const DEFAULT_LOCK_MANAGER_PLUGIN_DIR = '/usr/lib64/libvirt/lock-driver';

/** The lock-driver modules installed on a node: module path -> factory. */
export type InstalledModules = ReadonlyMap<string, LockDriverFactory>;

/** The modules of one process: each installed module is instantiated once per process. */
export class LockModuleLoader {
  private readonly loaded = new Map<string, LockDriver>();

  constructor(
    readonly env: DriverEnv,
    private readonly installed: InstalledModules,
    /** `LIBVIRT_LOCK_MANAGER_PLUGIN_DIR`, or null for the default directory. */
    readonly pluginDirOverride: string | null = null,
  ) {}

  /** dlopen + dlsym("virLockDriverImpl"). */
  open(modfile: string): LockDriver {
    const existing = this.loaded.get(modfile);
    if (existing) return existing;
    const factory = this.installed.get(modfile);
    if (!factory) {
      throw new VirError(
        VirErr.SYSTEM_ERROR,
        VirFrom.LOCKING,
        `Plugin ${modfile} not accessible: No such file or directory`,
      );
    }
    const driver = factory(this.env);
    this.loaded.set(modfile, driver);
    return driver;
  }
}

/** `virLockManagerPlugin`. */
export class LockManagerPlugin {
  private refs = 1;

  constructor(
    readonly name: string,
    readonly driver: LockDriver,
  ) {}

  ref(): void {
    this.refs++;
  }

  /** Drops one reference; at 0 runs `drvDeinit` (which may refuse and keep the plugin). */
  unref(): void {
    if (this.refs <= 0) return;
    this.refs--;
    if (this.refs > 0) return;
    if (this.driver.drvDeinit && !this.driver.drvDeinit()) this.refs = 1;
  }

  /** Whether the driver produces a migration state string (`VIR_LOCK_MANAGER_USES_STATE`). */
  usesState(): boolean {
    return (this.driver.flags & 1) !== 0;
  }
}

/**
 * `virLockManagerPluginNew(name, driverName, configDir, flags)`: loads `name` and initialises
 * it with the config file `<configDir>/<driverName>-<name>.conf` (e.g. `/etc/libvirt/qemu-lockd.conf`).
 */
export function* lockManagerPluginNew(
  loader: LockModuleLoader,
  name: string,
  driverName: string,
  configDir: string,
  flags: number,
): Generator<unknown, LockManagerPlugin, unknown> {
  let driver: LockDriver;
  if (name === 'nop') {
    driver = createNopDriver();
  } else {
    const dir = loader.pluginDirOverride ?? DEFAULT_LOCK_MANAGER_PLUGIN_DIR;
    driver = loader.open(`${dir}/${name}.so`);
  }
  if (!driver.drvInit) {
    throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, "Missing 'drvInit' field in lock manager driver");
  }
  yield* driver.drvInit(LOCK_MANAGER_VERSION, `${configDir}/${driverName}-${name}.conf`, flags);
  return new LockManagerPlugin(name, driver);
}
