/**
 * Node-group assignment and network connection (`cmdlib/group.py`, `cmdlib/network.py`, v2.10).
 *
 * `LUGroupAssignNodes` locks the target group and the nodes' current groups (declared
 * optimistically, verified once held) and the nodes, all exclusively.
 * `LUNetworkConnect` locks the group exclusively and, with conflict checking, the group's
 * instances and the network shared (instances declared optimistically, verified once the group
 * is held).
 */

import { DTS_INT_MIRROR } from '../../config/cluster-config.js';
import { OpExecError, OpPrereqError, pyAssert } from '../../jqueue/errors.js';
import { LEVEL_INSTANCE, LEVEL_NETWORK, LEVEL_NODE, LEVEL_NODEGROUP, type Level } from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { ECODE_STATE } from '../constants.js';
import { expandNodeName, LogicalUnit, lookupNetwork, lookupNodeGroup } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

const commaJoin = (items: Iterable<string>): string => [...items].join(', ');
const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean =>
  [...new Set(a)].sort().join('\0') === [...new Set(b)].sort().join('\0');

export class LUGroupAssignNodes extends LogicalUnit<ValidOp<'OP_GROUP_ASSIGN_NODES'>> {
  static override readonly REQ_BGL = false;
  private groupUuid = '';

  override expandNames(): void {
    this.groupUuid = lookupNodeGroup(this.cfg, this.op.group_name);
    this.op.nodes = [...new Set(this.op.nodes.map((n) => expandNodeName(this.cfg, n)))].sort();
    this.neededLocks = new Map<Level, string[]>([
      [LEVEL_NODEGROUP, [this.groupUuid]],
      [LEVEL_NODE, this.op.nodes],
    ]);
  }

  override declareLocks(level: Level): void {
    if (level !== LEVEL_NODEGROUP) return;
    const groups = this.neededLocks?.get(LEVEL_NODEGROUP) as string[];
    pyAssert(groups.length === 1, 'expected only the target group');
    // The nodes' current groups, read before their locks are held: verified in CheckPrereq.
    for (const g of this.cfg.groupsOfNodes(this.op.nodes)) if (!groups.includes(g)) groups.push(g);
  }

  // biome-ignore lint/correctness/useYield: synchronous checks; the port is a Proc.
  override *checkPrereq(): Proc<void> {
    const nodes = this.op.nodes;
    pyAssert(sameSet(this.ownedLocks(LEVEL_NODE), nodes), 'node locks differ from the opcode nodes');
    const expected = [this.groupUuid, ...this.cfg.groupsOfNodes(nodes)];
    const actual = this.ownedLocks(LEVEL_NODEGROUP);
    if (!sameSet(expected, actual)) {
      throw new OpExecError(
        `Nodes changed groups since locks were acquired, current groups are '${commaJoin([...new Set(expected)].sort())}',` +
          ` used to be '${commaJoin([...actual].sort())}'`,
      );
    }
    const split = this.newSplitInstances(nodes);
    if (split.length > 0 && !this.op.force) {
      throw new OpExecError(
        `The following instances get split by this change and --force was not given: ${commaJoin(split)}`,
      );
    }
  }

  /** DRBD instances whose primary and secondary end up in different groups (`CheckAssignmentForSplitInstances`). */
  private newSplitInstances(nodes: readonly string[]): string[] {
    const groupAfter = (n: string) => (nodes.includes(n) ? this.groupUuid : this.cfg.getNodeInfo(n)?.group);
    return this.cfg.getInstanceList().filter((name) => {
      const inst = this.cfg.getInstanceInfo(name);
      if (!inst || !DTS_INT_MIRROR.has(inst.diskTemplate)) return false;
      const all = this.cfg.instanceNodes(name);
      if (!all.some((n) => nodes.includes(n))) return false;
      const before = new Set(all.map((n) => this.cfg.getNodeInfo(n)?.group));
      const after = new Set(all.map(groupAfter));
      return before.size === 1 && after.size > 1;
    });
  }

  *exec(): Proc<unknown> {
    yield* this.env.work.step('group-assign', 'node group assignment failed');
    this.cfg.assignGroupNodes(this.op.nodes.map((n) => [n, this.groupUuid] as const));
    return null;
  }
}

export class LUNetworkConnect extends LogicalUnit<ValidOp<'OP_NETWORK_CONNECT'>> {
  static override readonly REQ_BGL = false;
  private groupUuid = '';
  private networkUuid = '';
  private connected = false;

  override expandNames(): void {
    this.networkUuid = lookupNetwork(this.cfg, this.op.network_name);
    this.groupUuid = lookupNodeGroup(this.cfg, this.op.group_name);
    this.neededLocks = new Map<Level, string[]>([
      [LEVEL_INSTANCE, []],
      [LEVEL_NODEGROUP, [this.groupUuid]],
    ]);
    this.shareLocks[LEVEL_INSTANCE] = true;
    if (this.op.conflicts_check) {
      this.neededLocks.set(LEVEL_NETWORK, [this.networkUuid]);
      this.shareLocks[LEVEL_NETWORK] = true;
    }
  }

  override declareLocks(level: Level): void {
    if (level !== LEVEL_INSTANCE) return;
    const locks = this.neededLocks as Map<Level, string[]>;
    pyAssert((locks.get(LEVEL_INSTANCE) ?? []).length === 0, 'instance locks declared twice');
    // Optimistic: verified once the group lock is held.
    if (this.op.conflicts_check) locks.set(LEVEL_INSTANCE, this.cfg.groupInstances(this.groupUuid));
  }

  override *checkPrereq(): Proc<void> {
    pyAssert(this.ownedLocks(LEVEL_NODEGROUP).has(this.groupUuid), 'group lock not owned');
    const owned = this.ownedLocks(LEVEL_INSTANCE);
    if (this.op.conflicts_check) {
      const wanted = this.cfg.groupInstances(this.groupUuid);
      if (!sameSet(wanted, owned)) {
        throw new OpPrereqError(
          `Instances in node group '${this.groupUuid}' changed since locks were acquired, wanted` +
            ` '${commaJoin(wanted)}', have '${commaJoin([...owned].sort())}'; retry the operation`,
          ECODE_STATE,
        );
      }
    }
    const group = this.cfg.getNodeGroup(this.groupUuid);
    pyAssert(group !== null, 'group vanished while locked');
    this.connected = Object.hasOwn(group.networks, this.networkUuid);
    if (this.connected) {
      yield* this.proc.logWarning(
        `Network '${String(this.op.network_name)}' is already mapped to group '${group.name}'`,
      );
    }
  }

  *exec(): Proc<unknown> {
    if (this.connected) return null;
    yield* this.env.work.step('network-connect', 'network connection failed');
    this.cfg.connectNetwork(this.groupUuid, this.networkUuid, {
      mode: this.op.network_mode,
      link: this.op.network_link,
    });
    return null;
  }
}
