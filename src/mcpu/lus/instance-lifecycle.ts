/**
 * Instance creation and removal (`cmdlib/instance.py`, v2.10).
 *
 * Creation adds the new instance's lock (`add_locks`: a concurrent creation of the same name fails
 * with "Couldn't add locks"). With an iallocator it locks the NAL exclusively and all nodes and
 * node resources — opportunistically when `opportunistic_locking` is set: the internal lock of
 * the level is awaited, but only the node locks free at that moment are taken, and the allocator
 * chooses among them (`ECODE_TEMP_NORES` when too few were free). Once the nodes are chosen it
 * releases every other node lock and the NAL. On success it keeps the instance lock (drops the
 * `remove_locks` entry) until the opcode ends.
 *
 * Removal locks the instance and all its nodes and node resources; after deleting the instance
 * from the configuration it asks for the instance lock to be removed.
 */

import { DTS_INT_MIRROR } from '../../config/cluster-config.js';
import { OpExecError, OpPrereqError, pyAssert } from '../../jqueue/errors.js';
import {
  ALL_SET,
  LEVEL_INSTANCE,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  type Level,
} from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_EXISTS, ECODE_INVAL, ECODE_NORES, ECODE_STATE, ECODE_TEMP_NORES } from '../constants.js';
import { copyLockList, expandNodeName, LogicalUnit } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

/** The cluster-wide default iallocator (`cluster.default_iallocator`). */
export const DEFAULT_IALLOCATOR = 'hail';

export class LUInstanceCreate extends LogicalUnit<ValidOp<'OP_INSTANCE_CREATE'>> {
  static override readonly REQ_BGL = false;
  private nodes: string[] = [];

  /** `CheckIAllocatorOrNode(self, "iallocator", "pnode")` and the opportunistic-locking rule. */
  override checkArguments(): void {
    const node = this.op.pnode ?? null;
    const ialloc = this.op.iallocator ?? null;
    if (node !== null && ialloc !== null) {
      throw new OpPrereqError('Do not specify both, iallocator and node', ECODE_INVAL);
    }
    if (node === null && ialloc === null) this.op.iallocator = DEFAULT_IALLOCATOR;
    if (this.op.opportunistic_locking && !this.op.iallocator) {
      throw new OpPrereqError(
        'Opportunistic locking is only available in combination with an instance allocator',
        ECODE_INVAL,
      );
    }
  }

  override expandNames(): void {
    const locks = new Map<Level, string[] | typeof ALL_SET>();
    this.neededLocks = locks;
    const name = this.op.instance_name;
    // A preventive check; a concurrent creation may still add the lock first (then adding fails).
    if (this.cfg.getInstanceInfo(name)) {
      throw new OpPrereqError(`Instance '${name}' is already in the cluster`, ECODE_EXISTS);
    }
    this.addLocks.set(LEVEL_INSTANCE, name);
    if (this.op.iallocator) {
      locks.set(LEVEL_NODE, ALL_SET);
      locks.set(LEVEL_NODE_ALLOC, ALL_SET);
      if (this.op.opportunistic_locking) {
        this.opportunisticLocks[LEVEL_NODE] = true;
        this.opportunisticLocks[LEVEL_NODE_RES] = true;
      }
    } else {
      const pnode = this.op.pnode;
      pyAssert(pnode !== null, 'checkArguments leaves an iallocator or a primary node');
      const nodes = [expandNodeName(this.cfg, pnode)];
      this.op.pnode = pnode;
      if (this.op.snode !== null && this.op.snode !== undefined) {
        this.op.snode = expandNodeName(this.cfg, this.op.snode);
        nodes.push(this.op.snode);
      }
      locks.set(LEVEL_NODE, nodes);
    }
    locks.set(LEVEL_NODE_RES, copyLockList(locks.get(LEVEL_NODE)));
  }

  override *checkPrereq(): Proc<void> {
    const template = this.op.disk_template;
    const mirrored = DTS_INT_MIRROR.has(template);
    if (this.op.iallocator) yield* this.runAllocator(mirrored ? 2 : 1);
    if (mirrored && (this.op.snode === null || this.op.snode === undefined)) {
      throw new OpPrereqError('The networked disk templates need a mirror node', ECODE_INVAL);
    }
    if (!mirrored) this.op.snode = null;
    if (this.op.snode === this.op.pnode) {
      throw new OpPrereqError('The secondary node cannot be the primary node', ECODE_INVAL);
    }
    const pnode = this.op.pnode;
    pyAssert(pnode !== null, 'the primary node is given or chosen by the allocator');
    const keep = [pnode, ...(this.op.snode ? [this.op.snode] : [])];
    this.releaseLocks(LEVEL_NODE, { keep });
    this.releaseLocks(LEVEL_NODE_RES, { keep });
    this.releaseLocks(LEVEL_NODE_ALLOC);
    const owned = [...this.ownedLocks(LEVEL_NODE)].sort();
    const ownedRes = [...this.ownedLocks(LEVEL_NODE_RES)].sort();
    pyAssert(
      owned.length === ownedRes.length && owned.every((n, i) => n === ownedRes[i]),
      'Node locks differ from node resource locks',
    );
    for (const n of keep) {
      const node = this.cfg.getNodeInfo(n);
      if (!node || node.offline) throw new OpPrereqError(`Can't use offline node ${n}`, ECODE_STATE);
    }
    this.nodes = keep;
  }

  /** `_RunAllocator`: chooses among the locked nodes (only those, with opportunistic locking). */
  private *runAllocator(count: number): Proc<void> {
    const opportunistic = Boolean(this.op.opportunistic_locking);
    // Only nodes whose node and node-res locks are both held (either may have been busy).
    const res = this.ownedLocks(LEVEL_NODE_RES);
    const whitelist = opportunistic ? new Set([...this.ownedLocks(LEVEL_NODE)].filter((n) => res.has(n))) : null;
    const usable = this.cfg
      .getNodeList()
      .filter((n) => (whitelist === null || whitelist.has(n)) && this.cfg.getNodeInfo(n)?.offline === false)
      .filter((n) => this.cfg.getNodeInfo(n)?.drained === false);
    // Primary and secondary must share a group.
    const groups = this.cfg
      .groupsOfNodes(usable)
      .filter((g) => usable.filter((n) => this.cfg.getNodeInfo(n)?.group === g).length >= count);
    if (groups.length === 0) {
      throw new OpPrereqError(
        `Can't compute nodes using iallocator '${String(this.op.iallocator)}': Request failed: No valid allocation solutions found`,
        opportunistic ? ECODE_TEMP_NORES : ECODE_NORES,
      );
    }
    const group = this.env.work.pick(groups);
    const members = usable.filter((n) => this.cfg.getNodeInfo(n)?.group === group);
    const primary = this.env.work.pick(members);
    this.op.pnode = primary;
    if (count > 1) this.op.snode = this.env.work.pick(members.filter((n) => n !== primary));
    const chosen = [this.op.pnode, ...(count > 1 ? [this.op.snode] : [])].join(', ');
    yield* this.proc.logInfo(
      `Selected nodes for instance ${String(this.op.instance_name)} via iallocator ${String(this.op.iallocator)}: ${chosen}`,
    );
  }

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    yield* this.proc.log('* creating instance disks...');
    yield* this.env.work.step('create', 'Device creation failed, reverting...');
    yield* this.proc.log(`adding instance ${name} to cluster config`);
    // `checkPrereq` left the primary node first, then the secondary if the template mirrors.
    const [primaryNode, ...secondaryNodes] = this.nodes;
    pyAssert(primaryNode !== undefined, 'checkPrereq chose the nodes');
    this.cfg.addInstance({
      name,
      primaryNode,
      secondaryNodes,
      diskTemplate: this.op.disk_template,
      disks: this.op.disks.map((d) => ({ size: typeof d.size === 'number' ? d.size : 1024 })),
      adminState: 'up',
      nics: this.op.nics.map((n) => ({ network: typeof n.network === 'string' ? n.network : null })),
    });
    // The instance is in the configuration now: keep its lock.
    this.removeLocks.delete(LEVEL_INSTANCE);
    yield* this.proc.log('* starting instance...');
    return [...this.nodes];
  }
}

export class LUInstanceRemove extends LogicalUnit<ValidOp<'OP_INSTANCE_REMOVE'>> {
  static override readonly REQ_BGL = false;

  override expandNames(): void {
    this.expandAndLockInstanceAndNodes();
  }

  override declareLocks(level: Level): void {
    this.declareInstanceNodeLocks(level);
  }

  *exec(): Proc<unknown> {
    const name = this.op.instance_name;
    const inst = this.cfg.getInstanceInfo(name);
    pyAssert(inst !== null, 'instance vanished while locked');
    yield* this.proc.log(`Shutting down instance ${name} on node ${inst.primaryNode}`);
    try {
      yield* this.env.work.step('remove', `Could not remove block devices of instance ${name}`);
    } catch (e) {
      if (!(e instanceof OpExecError) || !this.op.ignore_failures) throw e;
      yield* this.proc.logWarning(e.message);
    }
    yield* this.proc.logInfo(`Removing instance ${name} out of cluster config`);
    this.cfg.removeInstance(name);
    pyAssert(!this.removeLocks.has(LEVEL_INSTANCE), 'instance lock already scheduled for removal');
    this.removeLocks.set(LEVEL_INSTANCE, name);
    return null;
  }
}
