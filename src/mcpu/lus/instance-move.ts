/**
 * Instance migration and failover (`cmdlib/instance_migration.py`, v2.10: `_ExpandNamesForMigration`,
 * `_DeclareLocksForMigration`, `TLMigrateInstance`).
 *
 * Locks: the instance exclusively; then, once the instance is locked and its disk template
 * known, at the node-alloc level: an internally mirrored (DRBD) instance locks its primary and
 * secondary nodes; an externally mirrored one without a target node locks all nodes and the NAL
 * (the iallocator may choose any node) and releases what it does not need as soon as the target
 * is chosen. The node resources copy the node locks.
 */

import { DTS_EXT_MIRROR, DTS_INT_MIRROR } from '../../config/cluster-config.js';
import { OpPrereqError, pyAssert } from '../../jqueue/errors.js';
import {
  ALL_SET,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  type Level,
} from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_INVAL, ECODE_STATE, LOCKS_REPLACE } from '../constants.js';
import { copyLockList, expandNodeName, LogicalUnit } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

/** The failover/migration LUs share their lock declarations and target selection. */
abstract class MigrationLu<
  Op extends ValidOp<'OP_INSTANCE_MIGRATE'> | ValidOp<'OP_INSTANCE_FAILOVER'>,
> extends LogicalUnit<Op> {
  static override readonly REQ_BGL = false;
  protected abstract readonly verb: 'migrations' | 'failovers';
  protected source = '';
  protected target = '';

  override expandNames(): void {
    this.expandAndLockInstance();
    if (this.op.target_node !== null && this.op.target_node !== undefined) {
      this.op.target_node = expandNodeName(this.cfg, this.op.target_node);
    }
    const locks = this.neededLocks as NonNullable<typeof this.neededLocks>;
    locks.set(LEVEL_NODE, []);
    this.recalculateLocks.set(LEVEL_NODE, LOCKS_REPLACE);
    locks.set(LEVEL_NODE_RES, []);
    this.recalculateLocks.set(LEVEL_NODE_RES, LOCKS_REPLACE);
    // Only externally mirrored instances without a target need it; declared empty until then.
    locks.set(LEVEL_NODE_ALLOC, []);
  }

  override declareLocks(level: Level): void {
    const locks = this.neededLocks as NonNullable<typeof this.neededLocks>;
    if (level === LEVEL_NODE_ALLOC) {
      const name = this.op.instance_name;
      pyAssert(this.ownedLocks(LEVEL_INSTANCE).has(name), 'instance lock not owned');
      const inst = this.cfg.getInstanceInfo(name);
      if (inst && DTS_EXT_MIRROR.has(inst.diskTemplate)) {
        const target = this.op.target_node;
        if (target === null) {
          locks.set(LEVEL_NODE, ALL_SET);
          locks.set(LEVEL_NODE_ALLOC, ALL_SET);
        } else {
          locks.set(LEVEL_NODE, [inst.primaryNode, target]);
        }
        this.recalculateLocks.delete(LEVEL_NODE);
      } else {
        this.lockInstancesNodes();
      }
    } else if (level === LEVEL_NODE) {
      const nodes = locks.get(LEVEL_NODE);
      pyAssert(nodes === ALL_SET || (nodes !== undefined && nodes.length > 0), 'node locks not declared');
    } else if (level === LEVEL_NODE_RES) {
      locks.set(LEVEL_NODE_RES, copyLockList(locks.get(LEVEL_NODE)));
      this.recalculateLocks.delete(LEVEL_NODE_RES);
    }
  }

  /** `TLMigrateInstance.CheckPrereq`: picks the target and drops the locks not needed any more. */
  override *checkPrereq(): Proc<void> {
    const name = this.op.instance_name;
    const inst = this.cfg.getInstanceInfo(name);
    pyAssert(inst !== null, 'instance vanished while locked');
    this.source = inst.primaryNode;
    const wanted = this.op.target_node;
    if (DTS_EXT_MIRROR.has(inst.diskTemplate)) {
      if (wanted !== null) {
        this.target = wanted;
      } else {
        // The iallocator's choice among the locked, usable nodes.
        const candidates = [...this.ownedLocks(LEVEL_NODE)]
          .sort()
          .filter((n) => n !== inst.primaryNode && !this.cfg.getNodeInfo(n)?.offline);
        if (candidates.length === 0) {
          throw new OpPrereqError(
            `Can't compute nodes using iallocator '${String(this.op.iallocator ?? 'hail')}': no usable node`,
            ECODE_STATE,
          );
        }
        this.target = this.env.work.pick(candidates);
      }
      if (this.target === inst.primaryNode) {
        throw new OpPrereqError(`Instance ${name} is already on the node ${this.target}`, ECODE_STATE);
      }
      this.releaseLocks(LEVEL_NODE, { keep: [inst.primaryNode, this.target] });
      this.releaseLocks(LEVEL_NODE_RES, { keep: [inst.primaryNode, this.target] });
      this.releaseLocks(LEVEL_NODE_ALLOC);
    } else if (DTS_INT_MIRROR.has(inst.diskTemplate)) {
      const secondary = inst.secondaryNodes[0] as string;
      if (this.op.iallocator || (wanted !== null && wanted !== secondary)) {
        const text = this.verb === 'failovers' ? 'failed over' : 'migrated';
        throw new OpPrereqError(
          `Instances with disk template ${inst.diskTemplate} cannot be ${text} to arbitrary nodes` +
            ' (neither an iallocator nor a target node can be passed)',
          ECODE_INVAL,
        );
      }
      this.target = secondary;
    } else {
      throw new OpPrereqError(`Instance's disk layout '${inst.diskTemplate}' does not allow ${this.verb}`, ECODE_STATE);
    }
    const target = this.cfg.getNodeInfo(this.target);
    if (!target || target.offline) throw new OpPrereqError(`Can't use offline node ${this.target}`, ECODE_STATE);
  }
}

export class LUInstanceMigrate extends MigrationLu<ValidOp<'OP_INSTANCE_MIGRATE'>> {
  protected readonly verb = 'migrations' as const;

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    yield* this.proc.log(`Migrating instance ${name}`);
    yield* this.proc.log('* checking disk consistency between source and target');
    yield* this.proc.log(`* preparing ${this.target} to accept the instance`);
    yield* this.proc.log(`* migrating instance to ${this.target}`);
    yield* this.env.work.step('migrate', `Could not migrate instance ${name}: simulated migration failure`);
    if (this.env.instanceHooks?.migrate) yield* this.env.instanceHooks.migrate(name, this.source, this.target);
    this.cfg.setInstancePrimary(name, this.target);
    yield* this.proc.log('* done');
    return null;
  }
}

export class LUInstanceFailover extends MigrationLu<ValidOp<'OP_INSTANCE_FAILOVER'>> {
  protected readonly verb = 'failovers' as const;

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    yield* this.proc.log(`Failover instance ${name}`);
    yield* this.proc.log(`* shutting down instance on source node`);
    yield* this.proc.log(`* activating the instance's disks on target node ${this.target}`);
    yield* this.env.work.step('failover', `Could not start instance ${name} on node ${this.target}`);
    if (this.env.instanceHooks?.failover) {
      const start = this.cfg.getInstanceInfo(name)?.adminState === 'up';
      yield* this.env.instanceHooks.failover(name, this.source, this.target, start);
    }
    this.cfg.setInstancePrimary(name, this.target);
    if (this.cfg.getInstanceInfo(name)?.adminState === 'up') {
      yield* this.proc.log(`* starting the instance on the target node ${this.target}`);
    }
    return null;
  }
}
