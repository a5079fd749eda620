/**
 * Node add, remove and evacuate (`cmdlib/node.py`, v2.10).
 *
 * Add and remove run with the BGL held exclusively (`REQ_BGL`, on Ganeti's whitelist): they
 * change the set of node and node-res locks (`context.AddNode` / `RemoveNode`: configuration,
 * job queue replication targets, then the locks), which is only safe while no other opcode runs.
 *
 * Evacuate locks, shared, the instances on the node, the groups of the node's group members and
 * those nodes, all declared optimistically and verified once held; it returns one job per
 * instance to move (LU-generated jobs) and never waits for them.
 */

import { DTS_EXT_MIRROR, DTS_INT_MIRROR } from '../../config/cluster-config.js';
import { OpExecError, OpPrereqError } from '../../jqueue/errors.js';
import type { OpInput } from '../../jqueue/opcode.js';
import { LEVEL_INSTANCE, LEVEL_NODE, LEVEL_NODE_RES, LEVEL_NODEGROUP, type Level } from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_EXISTS, ECODE_INVAL, ECODE_NORES, ECODE_STATE, NODE_EVAC_PRI, NODE_EVAC_SEC } from '../constants.js';
import { expandNodeName, LogicalUnit, lookupNodeGroup, ResultWithJobs, shareAll } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';
import { DEFAULT_IALLOCATOR } from './instance-lifecycle.js';

const commaJoin = (items: Iterable<string>): string => [...items].join(', ');

export class LUNodeAdd extends LogicalUnit<ValidOp<'OP_NODE_ADD'>> {
  private group = '';

  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    const name = this.op.node_name;
    if (this.cfg.getNodeInfo(name)) {
      throw new OpPrereqError(`Node ${name} is already in the configuration`, ECODE_EXISTS);
    }
    const group = this.op.group ?? (this.cfg.getNodeGroupList()[0] as string);
    this.group = lookupNodeGroup(this.cfg, group);
  }

  *exec(): Proc<unknown> {
    const name = this.op.node_name;
    yield* this.proc.logInfo(`Node ${name} will be added to group ${this.group}`);
    yield* this.env.work.step('node-add', `Node ${name} did not respond to the node daemon set-up`);
    const masterCandidate = Boolean(this.op.master_candidate);
    this.cfg.addNode({ name, group: this.group, masterCandidate, offline: false, drained: false });
    if (this.env.nodeHooks?.nodeAdded) yield* this.env.nodeHooks.nodeAdded(name, masterCandidate);
    yield* this.glm.add(LEVEL_NODE, name);
    yield* this.glm.add(LEVEL_NODE_RES, name);
    return null;
  }
}

export class LUNodeRemove extends LogicalUnit<ValidOp<'OP_NODE_REMOVE'>> {
  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    const name = expandNodeName(this.cfg, this.op.node_name);
    if (name === this.cfg.getMasterNode()) {
      throw new OpPrereqError('Node is the master node, failover to another node is required', ECODE_INVAL);
    }
    for (const inst of this.cfg.nodeInstances(name)) {
      throw new OpPrereqError(`Instance ${inst} is still running on the node, please remove first`, ECODE_INVAL);
    }
  }

  *exec(): Proc<unknown> {
    const name = this.op.node_name;
    yield* this.proc.log(`Stopping the node daemon and removing configs from node ${name}`);
    yield* this.env.work.step('node-remove', `Could not stop the node daemon on ${name}`);
    this.cfg.removeNode(name);
    if (this.env.nodeHooks?.nodeRemoved) yield* this.env.nodeHooks.nodeRemoved(name);
    yield* this.glm.remove(LEVEL_NODE, name);
    yield* this.glm.remove(LEVEL_NODE_RES, name);
    return null;
  }
}

export class LUNodeEvacuate extends LogicalUnit<ValidOp<'OP_NODE_EVACUATE'>> {
  static override readonly REQ_BGL = false;
  private lockNodes: string[] = [];
  private instanceNames: string[] = [];

  /** `CheckIAllocatorOrNode(self, "iallocator", "remote_node")`. */
  override checkArguments(): void {
    if (this.op.remote_node !== null && this.op.iallocator !== null) {
      throw new OpPrereqError('Do not specify both, iallocator and node', ECODE_INVAL);
    }
    if (this.op.remote_node === null && this.op.iallocator === null) this.op.iallocator = DEFAULT_IALLOCATOR;
  }

  override expandNames(): void {
    this.op.node_name = expandNodeName(this.cfg, this.op.node_name);
    if (this.op.remote_node !== null) {
      this.op.remote_node = expandNodeName(this.cfg, this.op.remote_node);
      if (this.op.remote_node === this.op.node_name) {
        throw new OpPrereqError('Can not use evacuated node as a new secondary node', ECODE_INVAL);
      }
      if (this.op.mode !== NODE_EVAC_SEC) {
        throw new OpPrereqError(
          'Without the use of an iallocator only secondary instances can be evacuated',
          ECODE_INVAL,
        );
      }
    }
    this.shareLocks = shareAll();
    this.neededLocks = new Map<Level, string[]>([
      [LEVEL_INSTANCE, []],
      [LEVEL_NODEGROUP, []],
      [LEVEL_NODE, []],
    ]);
    // Optimistic: verified once the locks are held.
    this.lockNodes = this.determineNodes();
  }

  private determineNodes(): string[] {
    const node = this.op.node_name;
    const members = this.op.remote_node === null ? this.cfg.groupMembersOfNodes([node]) : [this.op.remote_node];
    return [...new Set([node, ...members])].sort();
  }

  private determineInstances(): string[] {
    const node = this.op.node_name;
    if (this.op.mode === NODE_EVAC_PRI) return this.cfg.primaryInstances(node);
    if (this.op.mode === NODE_EVAC_SEC) return this.cfg.secondaryInstances(node);
    throw new OpPrereqError(
      'Due to an issue with the iallocator interface it is not possible to evacuate all instances at once;' +
        ' specify explicitly whether to evacuate primary or secondary instances',
      ECODE_INVAL,
    );
  }

  override declareLocks(level: Level): void {
    const locks = this.neededLocks as Map<Level, string[]>;
    if (level === LEVEL_INSTANCE) locks.set(LEVEL_INSTANCE, this.determineInstances());
    else if (level === LEVEL_NODEGROUP) locks.set(LEVEL_NODEGROUP, this.cfg.groupsOfNodes(this.lockNodes));
    else if (level === LEVEL_NODE) locks.set(LEVEL_NODE, this.lockNodes);
  }

  override *checkPrereq(): Proc<void> {
    const ownedInstances = [...this.ownedLocks(LEVEL_INSTANCE)].sort();
    const ownedNodes = this.ownedLocks(LEVEL_NODE);
    const ownedGroups = [...this.ownedLocks(LEVEL_NODEGROUP)].sort();
    const needNodes = this.determineNodes();
    if (!needNodes.every((n) => ownedNodes.has(n))) {
      throw new OpPrereqError(
        `Nodes in same group as '${String(this.op.node_name)}' changed since locks were acquired, current nodes are` +
          ` are '${commaJoin(needNodes)}', used to be '${commaJoin([...ownedNodes].sort())}'; retry the operation`,
        ECODE_STATE,
      );
    }
    const wantedGroups = this.cfg.groupsOfNodes(ownedNodes);
    if (wantedGroups.join(',') !== ownedGroups.join(',')) {
      throw new OpExecError(
        `Node groups changed since locks were acquired, current groups are '${commaJoin(wantedGroups)}',` +
          ` used to be '${commaJoin(ownedGroups)}'; retry the operation`,
      );
    }
    this.instanceNames = this.determineInstances();
    if (this.instanceNames.join(',') !== ownedInstances.join(',')) {
      throw new OpExecError(
        `Instances on node '${String(this.op.node_name)}' changed since locks were acquired, current instances` +
          ` are '${commaJoin(this.instanceNames)}', used to be '${commaJoin(ownedInstances)}'; retry the operation`,
      );
    }
    if (this.instanceNames.length > 0) {
      yield* this.proc.logInfo(
        `Evacuating instances from node '${String(this.op.node_name)}': ${commaJoin(this.instanceNames)}`,
      );
    } else {
      yield* this.proc.logInfo(`No instances to evacuate from node '${String(this.op.node_name)}'`);
    }
  }

  *exec(): Proc<unknown> {
    yield* this.env.work.step('evacuate', 'node evacuation failed');
    if (this.instanceNames.length === 0) return new ResultWithJobs([]);
    if (this.op.mode === NODE_EVAC_SEC) {
      // Ganeti replaces the secondary (OpInstanceReplaceDisks), an LU this catalogue does not
      // simulate; moving secondaries is out of scope.
      throw new OpPrereqError('Evacuating secondary instances is not simulated', ECODE_INVAL);
    }
    return new ResultWithJobs(this.instanceNames.map((name) => [this.moveOpcode(name)]));
  }

  /** The simulated iallocator's answer for one primary instance: migrate if running, else fail over. */
  private moveOpcode(name: string): OpInput {
    const inst = this.cfg.getInstanceInfo(name);
    if (!inst || !(DTS_INT_MIRROR.has(inst.diskTemplate) || DTS_EXT_MIRROR.has(inst.diskTemplate))) {
      throw new OpPrereqError(
        `Can't compute node evacuation using iallocator '${String(this.op.iallocator)}': Instance '${name}'` +
          ` has a non-mirrored disk template`,
        ECODE_NORES,
      );
    }
    const opId = inst.adminState === 'up' ? 'OP_INSTANCE_MIGRATE' : 'OP_INSTANCE_FAILOVER';
    return { OP_ID: opId, instance_name: name };
  }
}
