/**
 * Advisory file locks of one simulated disk, in the manner of flock(2): shared or exclusive,
 * owned by a process (the port says so; it is also what fcntl locks do), dropped when the owner
 * dies. Locks are on path names, not inodes: a rename does not carry a lock along, and a path can
 * be locked whether or not a file exists there (callers that care open with O_CREAT first).
 *
 * Fault model: locks are volatile kernel state. The owner's death (crash, kill or normal exit)
 * releases its locks through the kernel's exit hooks; the crash of the node that hosts the disk
 * drops every lock (`dropAll`). A lock never survives its owner, so a checker never sees a dead
 * holder.
 *
 * Waiting is a kernel `Condition` wait per path (a blocking wait: a cycle of flock waiters is a
 * deadlock), so which waiter wins after a release is a scheduling decision the explorer controls,
 * and timeouts run on virtual time. Like Linux, there is no FIFO hand-off: a release wakes every
 * waiter and the first to run takes the lock.
 */
import type { FlockResult, FunlockReason } from './events.js';
import type { Kernel } from './kernel.js';
import type { Condition, FileLockMode, Proc, ProcessRef } from './ports.js';

class PathLock {
  exclusive: ProcessRef | null = null;
  /** Sharers in acquisition order (deterministic, for `holders`). */
  readonly shared: ProcessRef[] = [];

  constructor(readonly cond: Condition) {}

  modeOf(owner: ProcessRef): FileLockMode | null {
    if (this.exclusive === owner) return 'exclusive';
    return this.shared.includes(owner) ? 'shared' : null;
  }

  /** Whether `mode` conflicts with what others hold; the owner holds nothing here any more. */
  conflicts(mode: FileLockMode): boolean {
    if (this.exclusive !== null) return true;
    return mode === 'exclusive' && this.shared.length > 0;
  }

  remove(owner: ProcessRef): boolean {
    if (this.exclusive === owner) {
      this.exclusive = null;
      return true;
    }
    const i = this.shared.indexOf(owner);
    if (i < 0) return false;
    this.shared.splice(i, 1);
    return true;
  }
}

export interface FlockRequest {
  readonly path: string;
  readonly mode: FileLockMode;
  readonly owner: ProcessRef;
  /** Whether to wait for a conflicting lock to go away. */
  readonly wait: boolean;
  /** Longest wait in virtual µs; null waits forever. */
  readonly timeoutUs: number | null;
}

export class FileLockTable {
  /**
   * Entries are never deleted: a woken waiter still holds its entry's condition, and the number
   * of distinct lock paths in a scenario is small.
   */
  private readonly locks = new Map<string, PathLock>();
  /** Paths each owner holds, by process id, so an owner's death releases them without a scan. */
  private readonly held = new Map<number, Set<string>>();
  /** Owners whose exit hook is registered (by process id); the kernel has no way to unregister. */
  private readonly hooked = new Set<number>();

  constructor(
    private readonly kernel: Kernel,
    private readonly diskName: string,
  ) {}

  *acquire(req: FlockRequest): Proc<FlockResult> {
    const lock = this.entry(req.path);
    const had = lock.modeOf(req.owner);
    if (had === req.mode) return 'held';
    // flock(2) converts non-atomically: the old lock goes first, even when the new one then
    // fails. Two sharers upgrading at once therefore do not deadlock; one of them loses its lock.
    if (had !== null) this.release(req.path, req.owner, 'convert');
    const deadline = req.timeoutUs === null ? null : this.kernel.now() + req.timeoutUs;
    while (lock.conflicts(req.mode)) {
      if (!req.wait) return 'busy';
      const remaining = deadline === null ? null : deadline - this.kernel.now();
      if (remaining !== null && remaining <= 0) return 'timeout';
      yield* lock.cond.wait(remaining);
    }
    if (req.mode === 'exclusive') lock.exclusive = req.owner;
    else lock.shared.push(req.owner);
    this.track(req.owner, req.path);
    return 'granted';
  }

  /** Releases `owner`'s lock on `path`; false when it held none. Wakes every waiter. */
  release(path: string, owner: ProcessRef, why: FunlockReason): boolean {
    const lock = this.locks.get(path);
    if (!lock?.remove(owner)) return false;
    this.held.get(owner.id)?.delete(path);
    this.kernel.emit('disk.funlock', path, this.diskName, owner.label, why);
    lock.cond.notifyAll();
    return true;
  }

  holders(path: string): readonly ProcessRef[] {
    const lock = this.locks.get(path);
    if (!lock) return [];
    return lock.exclusive !== null ? [lock.exclusive] : lock.shared.slice();
  }

  /** The node hosting the lock table crashed: every lock is gone. */
  dropAll(): void {
    for (const [path, lock] of this.locks) {
      for (const owner of this.holders(path)) this.release(path, owner, 'node-crash');
      // Waiters of processes that survive (on other nodes) retry against the empty table.
      lock.cond.notifyAll();
    }
  }

  private entry(path: string): PathLock {
    let lock = this.locks.get(path);
    if (!lock) {
      lock = new PathLock(this.kernel.condition(`flock:${this.diskName}:${path}`));
      this.locks.set(path, lock);
    }
    return lock;
  }

  private track(owner: ProcessRef, path: string): void {
    let paths = this.held.get(owner.id);
    if (!paths) {
      paths = new Set();
      this.held.set(owner.id, paths);
    }
    paths.add(path);
    if (this.hooked.has(owner.id)) return;
    this.hooked.add(owner.id);
    this.kernel.onExit(owner, () => this.ownerDied(owner));
  }

  private ownerDied(owner: ProcessRef): void {
    const paths = this.held.get(owner.id);
    this.held.delete(owner.id);
    if (!paths) return;
    // Set order is acquisition order: deterministic.
    for (const path of [...paths]) this.release(path, owner, 'owner-exit');
  }
}
