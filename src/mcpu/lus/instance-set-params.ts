/**
 * Instance disk changes (`LUInstanceSetParams` of `cmdlib/instance.py`, reduced to disk
 * additions and removals; hot-plugging as Ganeti 2.12+ does it with `hotplug=True`).
 *
 * Locks: the instance, then the nodes and node resources of all its nodes (recalculated from the
 * owned instance lock), exclusively: block devices are created and removed on those nodes. A
 * running instance's disks change only with `hotplug` (the new disk is plugged into the running
 * hypervisor after it is created; a disk is unplugged before it is removed); without it the
 * change applies at the next start, as in Ganeti 2.10.
 *
 * Result (`TSetParamsResult`): `[["disk/<i>", "add:size=<MiB>,mode=rw"], ["disk/<i>", "remove"]]`.
 */
import { OpPrereqError, pyAssert } from '../../jqueue/errors.js';
import type { Level } from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_INVAL } from '../constants.js';
import { LogicalUnit } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

/** `constants.DDM_ADD` / `DDM_REMOVE`. */
export const DDM_ADD = 'add';
export const DDM_REMOVE = 'remove';

type DiskMod = readonly [op: typeof DDM_ADD, params: { size: number }] | readonly [op: typeof DDM_REMOVE];

function parseMods(raw: readonly unknown[]): DiskMod[] {
  return raw.map((m, i) => {
    const [op, params] = Array.isArray(m) ? m : [];
    if (op === DDM_REMOVE) return [DDM_REMOVE] as const;
    if (op === DDM_ADD) {
      const size = (params as { size?: unknown } | undefined)?.size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
        throw new OpPrereqError(`Disk size must be a positive integer, got '${String(size)}'`, ECODE_INVAL);
      }
      return [DDM_ADD, { size }] as const;
    }
    throw new OpPrereqError(`Invalid disk modification ${i}: '${String(op)}'`, ECODE_INVAL);
  });
}

export class LUInstanceSetParams extends LogicalUnit<ValidOp<'OP_INSTANCE_SET_PARAMS'>> {
  static override readonly REQ_BGL = false;

  // Parsed on use: the base constructor calls `checkArguments` before subclass fields exist.
  private get mods(): DiskMod[] {
    return parseMods(this.op.disks);
  }

  override checkArguments(): void {
    if (this.mods.length === 0) throw new OpPrereqError('No changes submitted', ECODE_INVAL);
  }

  override expandNames(): void {
    this.expandAndLockInstanceAndNodes();
  }

  override declareLocks(level: Level): void {
    this.declareInstanceNodeLocks(level);
  }

  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    const inst = this.cfg.getInstanceInfo(this.op.instance_name);
    pyAssert(inst !== null, 'instance vanished while locked');
    let disks = inst.disks.length;
    for (const m of this.mods) {
      if (m[0] === DDM_REMOVE) {
        if (disks <= 1) throw new OpPrereqError('Cannot remove the last disk of an instance', ECODE_INVAL);
        disks--;
      } else {
        disks++;
      }
    }
  }

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    const inst = this.cfg.getInstanceInfo(name);
    pyAssert(inst !== null, 'instance vanished while locked');
    const primary = inst.primaryNode;
    const live = this.op.hotplug === true && inst.adminState === 'up';
    const hooks = this.env.instanceHooks;
    const result: [string, string][] = [];
    for (const m of this.mods) {
      if (m[0] === DDM_ADD) {
        yield* this.env.work.step('disk-add', `Could not create disk for instance ${name}`);
        const index = this.cfg.addInstanceDisk(name, { size: m[1].size });
        if (live && hooks?.diskAdd) yield* hooks.diskAdd(name, primary, index);
        result.push([`disk/${index}`, `add:size=${m[1].size},mode=rw`]);
      } else {
        const index = (this.cfg.getInstanceInfo(name)?.disks.length ?? 1) - 1;
        if (live && hooks?.diskRemove) yield* hooks.diskRemove(name, primary, index);
        yield* this.env.work.step('disk-remove', `Could not remove disk ${index} of instance ${name}`);
        this.cfg.removeInstanceDisk(name, index);
        result.push([`disk/${index}`, 'remove']);
      }
    }
    return result;
  }
}
