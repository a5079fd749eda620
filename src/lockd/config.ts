/**
 * Plugin configuration files (`qemu-lockd.conf`, `qemu-sanlock.conf`) in libvirt's `virConf`
 * syntax — `key = value` lines with quoted strings, integers and `#` comments — read from the
 * simulated disk of the node, and the mapping from paths to simulated disks.
 */
import type { Disk, Proc, World } from '../sim/ports.js';
import { VirErr, VirFrom } from './constants.js';
import type { Storage } from './driver.js';
import { VirError } from './errors.js';

export type ConfValue = string | number;

/** Parses `virConf` text; a malformed line is a `VIR_ERR_INTERNAL_ERROR` naming the file and line. */
export function parseConf(text: string, file: string): Map<string, ConfValue> {
  const out = new Map<string, ConfValue>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    const raw = m?.[2]?.trim();
    if (!m || raw === undefined) {
      throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, `${file}:${i + 1}: expecting a name = value line`);
    }
    const str = /^"([^"]*)"$/.exec(raw);
    if (str) out.set(m[1] as string, str[1] as string);
    else if (/^-?\d+$/.test(raw)) out.set(m[1] as string, Number(raw));
    else throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, `${file}:${i + 1}: expecting a value`);
  }
  return out;
}

/** Formats a config for writing to a simulated disk (the inverse of `parseConf`). */
export function formatConf(entries: Readonly<Record<string, ConfValue>>): string {
  return Object.entries(entries)
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? String(v) : `"${v}"`}\n`)
    .join('');
}

/** Reads and parses `file` from `disk`; null when the file does not exist. */
export function* readConf(disk: Disk, file: string): Proc<Map<string, ConfValue> | null> {
  if (!(yield* disk.exists(file))) return null;
  return parseConf(yield* disk.readFile(file), file);
}

export function confString(conf: ReadonlyMap<string, ConfValue> | null, key: string): string | null {
  const v = conf?.get(key);
  if (v === undefined) return null;
  if (typeof v !== 'string') {
    throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, `config parameter '${key}' must be a string`);
  }
  return v;
}

export function confInt(conf: ReadonlyMap<string, ConfValue> | null, key: string): number | null {
  const v = conf?.get(key);
  if (v === undefined) return null;
  if (typeof v !== 'number') {
    throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKING, `config parameter '${key}' must be an integer`);
  }
  return v;
}

/**
 * `require_lease_for_disks`, which both lease drivers read the same way: as set, else on when no
 * config file was read, else the opposite of `auto_disk_leases` (automatic disk leases cover the
 * disks, so no explicit lease is needed).
 */
export function leasesRequiredForDisks(conf: ReadonlyMap<string, ConfValue> | null, autoDiskLeases: boolean): boolean {
  const set = confInt(conf, 'require_lease_for_disks');
  return set === null ? (conf === null ? true : !autoDiskLeases) : set !== 0;
}

/** Acquire refuses a guest with read/write disks and no lease when leases are required. */
export function checkLeasesForDisks(required: boolean, leases: number, hasRWDisks: boolean): void {
  if (required && hasRWDisks && leases === 0) {
    throw new VirError(
      VirErr.CONFIG_UNSUPPORTED,
      VirFrom.LOCKING,
      'Read/write, exclusive access, disks were present, but no leases specified',
    );
  }
}

/** A shared disk mounted at `prefix` on every node that lists it. */
export interface Mount {
  /** Absolute directory, e.g. `/var/lib/libvirt/images`. */
  readonly prefix: string;
  /** Name of the shared disk in the world. */
  readonly disk: string;
}

/** Paths under a mount live on that shared disk; everything else on the node's own disk. */
export function mountedStorage(world: World, node: string, mounts: readonly Mount[]): Storage {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1));
  return {
    diskFor(path: string): Disk {
      for (const m of sorted) {
        if (path === m.prefix || path.startsWith(`${m.prefix}/`)) return world.disk(m.disk);
      }
      return world.disk(node);
    },
  };
}
