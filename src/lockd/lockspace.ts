/**
 * `virLockSpace` (spec §2.2): named resources in a directory (or, for the default lockspace,
 * named by absolute path), each a file on the simulated disk locked with a non-blocking file lock,
 * with an in-memory record of its owners.
 *
 * One record per name, whose mode (shared or exclusive, autocreate or not) is fixed by the first
 * acquirer: a second acquire succeeds only when both it and the record are SHARED (owners are a
 * multiset, so the same PID may appear twice); anything else is RESOURCE_BUSY, including the same
 * owner re-acquiring an exclusive resource. Same-process file locks never conflict, so conflicts
 * inside one daemon come only from the table; the file lock arbitrates between daemons on
 * different hosts sharing the storage.
 *
 * Owners are PIDs. The file lock belongs to the process calling (the daemon), and dies with it:
 * a crashed daemon loses every lock, a re-exec keeps them (the process stays the same).
 *
 * Trace: `libvirt.resource <key> <from> <to> <op> <owner> <owners>` for every change of a record
 * (checked against `models/lock-resource.machine.ts`), and `lockspace.busy <key> <owner>
 * <reason>` for every refused acquire.
 */
import { DiskError, type Emit, type Proc } from '../sim/ports.js';
import { LOCKSPACE_ACQUIRE_AUTOCREATE, LOCKSPACE_ACQUIRE_SHARED, VirErr, VirFrom } from './constants.js';
import type { Storage } from './driver.js';
import { checkFlags, systemError, VirError } from './errors.js';

export type ResourceStateName = 'free' | 'shared' | 'exclusive';

/** What a lockspace needs from its process: storage, and a trace sink. */
export interface LockSpaceIo {
  readonly storage: Storage;
  /** Prefix of the resource keys in traces (the daemon's node), e.g. `node1:`. */
  readonly keyPrefix: string;
  readonly emit: Emit;
  /** A new file descriptor number of the process (for the re-exec state file). */
  allocFd(): number;
}

/** A resource record as serialised for a re-exec (`virLockSpaceResourcePreExecRestart`). */
export interface LockSpaceResourceJson {
  readonly name: string;
  readonly path: string;
  readonly fd: number;
  readonly lockHeld: boolean;
  readonly flags: number;
  readonly owners: readonly number[];
}

export interface LockSpaceJson {
  readonly directory?: string;
  readonly resources: readonly LockSpaceResourceJson[];
}

interface Resource {
  readonly name: string;
  readonly path: string;
  readonly fd: number;
  lockHeld: boolean;
  readonly flags: number;
  readonly owners: number[];
}

function stateOf(res: Resource | undefined): ResourceStateName {
  if (!res || res.owners.length === 0) return 'free';
  return res.flags & LOCKSPACE_ACQUIRE_SHARED ? 'shared' : 'exclusive';
}

/** The trace key of resource `name` of the lockspace in `dir` (`""` for the default one). */
export function lockspaceResourceKey(prefix: string, dir: string | null, name: string): string {
  return `${prefix}${dir ?? ''}|${name}`;
}

export class LockSpace {
  private readonly resources = new Map<string, Resource>();

  private constructor(
    private readonly io: LockSpaceIo,
    /** The directory, or null for the default lockspace (resources named by absolute path). */
    readonly dir: string | null,
  ) {}

  /**
   * `virLockSpaceNew`: `mkdir -p` of the directory. Directories are implicit in the simulated
   * disk, so creating one cannot fail except when a file sits at that path.
   */
  static *create(io: LockSpaceIo, dir: string | null): Proc<LockSpace> {
    if (dir !== null) {
      const disk = io.storage.diskFor(dir);
      if (yield* disk.exists(dir)) {
        throw new VirError(
          VirErr.INTERNAL_ERROR,
          VirFrom.LOCKSPACE,
          `Lockspace location ${dir} exists, but is not a directory`,
        );
      }
    }
    return new LockSpace(io, dir);
  }

  /** `virLockSpaceNewPostExecRestart`: the records come back; the file locks were never dropped. */
  static fromJson(io: LockSpaceIo, json: LockSpaceJson): LockSpace {
    const ls = new LockSpace(io, json.directory ?? null);
    for (const r of json.resources) {
      ls.resources.set(r.name, { ...r, owners: [...r.owners] });
    }
    return ls;
  }

  /** `virLockSpacePreExecRestart`. */
  toJson(): LockSpaceJson {
    const resources = [...this.resources.values()].map((r) => ({ ...r, owners: [...r.owners] }));
    return this.dir === null ? { resources } : { directory: this.dir, resources };
  }

  resourcePath(name: string): string {
    return this.dir === null ? name : `${this.dir}/${name}`;
  }

  /** Owners of `name` (empty when free), for tests and checkers. */
  owners(name: string): readonly number[] {
    return this.resources.get(name)?.owners.slice() ?? [];
  }

  state(name: string): ResourceStateName {
    return stateOf(this.resources.get(name));
  }

  /** Names with a record, in creation order. */
  names(): string[] {
    return [...this.resources.keys()];
  }

  /** `virLockSpaceCreateResource`: touches the file; busy while a record exists. */
  *createResource(name: string): Proc<void> {
    if (this.resources.has(name)) throw this.busy(name, 'locked');
    const path = this.resourcePath(name);
    try {
      yield* this.io.storage.diskFor(path).appendFile(path, '');
    } catch (e) {
      throw this.ioError(e, `Unable to create lockspace resource ${path}`);
    }
  }

  /** `virLockSpaceDeleteResource`: unlinks the file (ENOENT ignored); busy while a record exists. */
  *deleteResource(name: string): Proc<void> {
    if (this.resources.has(name)) throw this.busy(name, 'locked');
    const path = this.resourcePath(name);
    try {
      yield* this.io.storage.diskFor(path).unlink(path);
    } catch (e) {
      if (e instanceof DiskError && e.code === 'ENOENT') return;
      throw this.ioError(e, `Unable to delete lockspace resource ${path}`);
    }
  }

  /** `virLockSpaceAcquireResource`: never waits (the file lock is tried, not waited for). */
  *acquireResource(name: string, owner: number, flags: number): Proc<void> {
    checkFlags(
      flags,
      LOCKSPACE_ACQUIRE_SHARED | LOCKSPACE_ACQUIRE_AUTOCREATE,
      'virLockSpaceAcquireResource',
      VirFrom.LOCKSPACE,
    );
    const shared = (flags & LOCKSPACE_ACQUIRE_SHARED) !== 0;
    const existing = this.resources.get(name);
    if (existing) {
      if (existing.flags & LOCKSPACE_ACQUIRE_SHARED && shared) {
        existing.owners.push(owner);
        this.changed(name, 'shared', 'shared', 'ACQUIRE_SHARED', owner, existing);
        return;
      }
      this.io.emit('lockspace.busy', this.key(name), owner, 'table');
      throw this.busy(name, 'locked');
    }
    const path = this.resourcePath(name);
    const disk = this.io.storage.diskFor(path);
    const mode = shared ? 'shared' : 'exclusive';
    try {
      if (flags & LOCKSPACE_ACQUIRE_AUTOCREATE) {
        // open(O_CREAT), lock, then make sure nobody unlinked the file in between; else retry.
        for (;;) {
          yield* disk.appendFile(path, '');
          if (!(yield* disk.flock(path, mode, { wait: false }))) {
            this.io.emit('lockspace.busy', this.key(name), owner, 'file');
            throw this.busy(name, 'locked');
          }
          if (yield* disk.exists(path)) break;
          disk.funlock(path);
        }
      } else {
        if (!(yield* disk.exists(path)))
          throw systemError(VirFrom.LOCKSPACE, 'ENOENT', `Unable to open resource ${path}`);
        if (!(yield* disk.flock(path, mode, { wait: false }))) {
          this.io.emit('lockspace.busy', this.key(name), owner, 'file');
          throw this.busy(name, 'locked');
        }
      }
    } catch (e) {
      if (e instanceof VirError) throw e;
      throw this.ioError(e, `Unable to open/create resource ${path}`);
    }
    const res: Resource = { name, path, fd: this.io.allocFd(), lockHeld: true, flags, owners: [owner] };
    this.resources.set(name, res);
    this.changed(
      name,
      'free',
      shared ? 'shared' : 'exclusive',
      shared ? 'ACQUIRE_SHARED' : 'ACQUIRE_EXCLUSIVE',
      owner,
      res,
    );
  }

  /** `virLockSpaceReleaseResource`: removes one occurrence of `owner`; the last one frees the record. */
  *releaseResource(name: string, owner: number): Proc<void> {
    const res = this.resources.get(name);
    if (!res) throw this.busy(name, 'not locked');
    const i = res.owners.indexOf(owner);
    if (i < 0) {
      throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.LOCKSPACE, `owner ${owner} does not hold the resource lock`);
    }
    const from = stateOf(res);
    res.owners.splice(i, 1);
    if (res.owners.length > 0) {
      this.changed(name, from, from, 'RELEASE', owner, res);
      return;
    }
    this.resources.delete(name);
    this.changed(name, from, 'free', 'RELEASE_LAST', owner, res);
    yield* this.freeResource(res);
  }

  /**
   * `virLockSpaceReleaseResourcesForOwner` (connection close only): removes **one** occurrence of
   * `owner` from every record and frees records left empty. Returns how many records it touched.
   */
  *releaseResourcesForOwner(owner: number): Proc<number> {
    let count = 0;
    const emptied: Resource[] = [];
    for (const res of [...this.resources.values()]) {
      const i = res.owners.indexOf(owner);
      if (i < 0) continue;
      count++;
      const from = stateOf(res);
      res.owners.splice(i, 1);
      if (res.owners.length > 0) {
        this.changed(res.name, from, from, 'OWNER_GONE', owner, res);
        continue;
      }
      this.resources.delete(res.name);
      this.changed(res.name, from, 'free', 'OWNER_GONE', owner, res);
      emptied.push(res);
    }
    for (const res of emptied) yield* this.freeResource(res);
    return count;
  }

  /**
   * `virLockSpaceResourceFree`: an autocreated file is unlinked when its last owner goes (a shared
   * one only if the lock can be upgraded, so other hosts' readers keep it); closing the FD drops
   * the lock. Errors are only logged in libvirt, so nothing here fails.
   */
  private *freeResource(res: Resource): Proc<void> {
    const disk = this.io.storage.diskFor(res.path);
    try {
      if (res.lockHeld && res.flags & LOCKSPACE_ACQUIRE_AUTOCREATE) {
        const sole =
          (res.flags & LOCKSPACE_ACQUIRE_SHARED) === 0 || (yield* disk.flock(res.path, 'exclusive', { wait: false }));
        if (sole) yield* disk.unlink(res.path);
      }
    } catch (e) {
      if (!(e instanceof DiskError)) throw e;
    } finally {
      disk.funlock(res.path);
      res.lockHeld = false;
    }
  }

  private key(name: string): string {
    return lockspaceResourceKey(this.io.keyPrefix, this.dir, name);
  }

  private changed(
    name: string,
    from: ResourceStateName,
    to: ResourceStateName,
    op: string,
    owner: number,
    res: Resource,
  ): void {
    this.io.emit('libvirt.resource', this.key(name), from, to, op, owner, res.owners.join(','));
  }

  private busy(name: string, what: 'locked' | 'not locked'): VirError {
    return new VirError(VirErr.RESOURCE_BUSY, VirFrom.LOCKSPACE, `Lockspace resource '${name}' is ${what}`);
  }

  private ioError(e: unknown, message: string): VirError {
    if (e instanceof DiskError) return systemError(VirFrom.LOCKSPACE, e.code, message);
    throw e;
  }
}
