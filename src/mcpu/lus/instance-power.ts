/**
 * Instance start-up, shutdown and reboot (`cmdlib/instance.py`, v2.10): each locks its instance
 * exclusively; start-up also locks the node resources of the primary node (recalculated from the
 * owned instance lock, `_LockInstancesNodes(primary_only=True)`).
 */
import { OpExecError, OpPrereqError } from '../../jqueue/errors.js';
import { LEVEL_NODE_RES, type Level } from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_NOENT, ECODE_STATE, LOCKS_REPLACE } from '../constants.js';
import { type InstanceOp, LogicalUnit } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

/** Checks the instance's primary node is usable (`CheckNodeOnline`). */
function checkPrimaryOnline(lu: LogicalUnit, instance: string): string {
  const inst = lu.cfg.getInstanceInfo(instance);
  if (!inst) throw new OpPrereqError(`Instance '${instance}' not known`, ECODE_NOENT);
  const node = lu.cfg.getNodeInfo(inst.primaryNode);
  if (!node || node.offline) {
    throw new OpPrereqError(`Can't use offline node ${inst.primaryNode}`, ECODE_STATE);
  }
  return inst.primaryNode;
}

export class LUInstanceStartup extends LogicalUnit<ValidOp<'OP_INSTANCE_STARTUP'>> {
  static override readonly REQ_BGL = false;
  private primary = '';

  override expandNames(): void {
    this.expandAndLockInstance();
    this.neededLocks?.set(LEVEL_NODE_RES, []);
    this.recalculateLocks.set(LEVEL_NODE_RES, LOCKS_REPLACE);
  }

  override declareLocks(level: Level): void {
    if (level === LEVEL_NODE_RES) this.lockInstancesNodes(true, LEVEL_NODE_RES);
  }

  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    this.primary = checkPrimaryOnline(this, this.op.instance_name);
  }

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    this.cfg.setInstanceAdminState(name, 'up');
    yield* this.proc.log(`Starting instance ${name} on node ${this.primary}`);
    yield* this.env.work.step('startup', 'Could not start instance: simulated hypervisor failure');
    if (this.env.instanceHooks?.startup) yield* this.env.instanceHooks.startup(name, this.primary);
    return null;
  }
}

/** Shutdown and reboot: the instance lock only, and its primary node must be online. */
abstract class InstanceOnPrimaryLU<Op extends InstanceOp> extends LogicalUnit<Op> {
  static override readonly REQ_BGL = false;

  override expandNames(): void {
    this.expandAndLockInstance();
  }

  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    checkPrimaryOnline(this, this.op.instance_name);
  }
}

export class LUInstanceShutdown extends InstanceOnPrimaryLU<ValidOp<'OP_INSTANCE_SHUTDOWN'>> {
  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    this.cfg.setInstanceAdminState(name, 'down');
    try {
      yield* this.env.work.step('shutdown', 'simulated hypervisor failure');
      const primary = this.cfg.getInstanceInfo(name)?.primaryNode;
      if (this.env.instanceHooks?.shutdown && primary) yield* this.env.instanceHooks.shutdown(name, primary);
    } catch (e) {
      // Ganeti only warns: the instance is marked down whatever the hypervisor said.
      if (!(e instanceof OpExecError)) throw e;
      yield* this.proc.logWarning(`Could not shutdown instance: ${e.message}`);
    }
    return null;
  }
}

export class LUInstanceReboot extends InstanceOnPrimaryLU<ValidOp<'OP_INSTANCE_REBOOT'>> {
  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    const inst = this.cfg.getInstanceInfo(name);
    if (inst?.adminState !== 'up') {
      yield* this.proc.logInfo('Instance was not running, starting it');
    }
    yield* this.env.work.step('reboot', 'Could not reboot instance: simulated hypervisor failure');
    this.cfg.setInstanceAdminState(name, 'up');
    return null;
  }
}
