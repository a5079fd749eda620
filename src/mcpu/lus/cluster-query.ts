/**
 * Cluster verification, queries and the test delay (`cmdlib/cluster.py`, `cmdlib/query.py`,
 * `cmdlib/test.py`, v2.10).
 *
 * `LUClusterVerify` runs with the BGL held exclusively, alone in the cluster. (Ganeti 2.10's
 * `LUClusterVerify` takes the BGL shared and hands the work to per-group jobs; the issue asks
 * for a BGL-exclusive verification, so this one checks the whole configuration itself and sits
 * on the REQ_BGL whitelist.)
 *
 * `LUQuery` with `use_locking` takes every level shared (all instances, the NAL, all groups,
 * nodes, node resources and networks): a reader that conflicts only with writers.
 *
 * `LUTestDelay` sleeps, optionally holding the locks of some nodes (Ganeti's tool for testing
 * the locking, and ours for holding a lock for a known time).
 */

import { DTS_INT_MIRROR } from '../../config/cluster-config.js';
import { OpExecError } from '../../jqueue/errors.js';
import {
  ALL_SET,
  LEVEL_INSTANCE,
  LEVEL_NETWORK,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  LEVEL_NODEGROUP,
  type Level,
  RS_NORMAL,
} from '../../locking/index.js';
import type { Proc } from '../../sim/ports.js';
import { expandNodeName, type LevelLocks, LogicalUnit, shareAll } from '../logical-unit.js';
import type { ValidOp } from '../opcodes.js';

/** `constants.RS_UNKNOWN`: a query field this LU does not know. */
export const RS_UNKNOWN = 1;

export class LUClusterVerify extends LogicalUnit<ValidOp<'OP_CLUSTER_VERIFY'>> {
  *exec(): Proc<unknown> {
    yield* this.proc.log('* Verifying cluster config');
    const errors: string[] = [];
    for (const name of this.cfg.getInstanceList()) {
      const inst = this.cfg.getInstanceInfo(name);
      if (!inst) continue;
      const nodes = this.cfg.instanceNodes(name);
      for (const n of nodes) if (!this.cfg.getNodeInfo(n)) errors.push(`instance ${name} uses unknown node ${n}`);
      if (DTS_INT_MIRROR.has(inst.diskTemplate) && inst.secondaryNodes.length !== 1) {
        errors.push(`instance ${name} has ${inst.secondaryNodes.length} secondary nodes, expected 1`);
      }
      if (new Set(this.cfg.groupsOfNodes(nodes)).size > 1) errors.push(`instance ${name} is split between groups`);
    }
    yield* this.proc.log(`* Verifying ${this.cfg.getNodeList().length} nodes`);
    for (const n of this.cfg.getNodeList()) {
      const group = this.cfg.getNodeInfo(n)?.group ?? '';
      if (!this.cfg.getNodeGroup(group)) errors.push(`node ${n} is in unknown group ${group}`);
    }
    if (!this.cfg.getNodeInfo(this.cfg.getMasterNode())) errors.push('the master node is not in the configuration');
    yield* this.env.work.step('verify', 'cluster verification failed');
    for (const e of errors) yield* this.proc.log(`  - ERROR: cluster: ${e}`);
    return errors.length === 0;
  }
}

export class LUQuery extends LogicalUnit<ValidOp<'OP_QUERY'>> {
  static override readonly REQ_BGL = false;

  override expandNames(): void {
    this.neededLocks = new Map();
    if (!this.op.use_locking) return;
    this.shareLocks = shareAll();
    const all: [Level, LevelLocks][] = [
      [LEVEL_INSTANCE, ALL_SET],
      [LEVEL_NODE_ALLOC, ALL_SET],
      [LEVEL_NODEGROUP, ALL_SET],
      [LEVEL_NODE, ALL_SET],
      [LEVEL_NODE_RES, ALL_SET],
      [LEVEL_NETWORK, ALL_SET],
    ];
    for (const [level, names] of all) this.neededLocks.set(level, names);
  }

  *exec(): Proc<unknown> {
    yield* this.env.work.step('query', 'query failed');
    const fields = this.op.fields;
    const rows = this.op.what === 'node' ? this.nodeRows() : this.instanceRows();
    return {
      fields: fields.map((name) => ({ name })),
      data: rows.map((row) => fields.map((f) => (Object.hasOwn(row, f) ? [RS_NORMAL, row[f]] : [RS_UNKNOWN, null]))),
    };
  }

  private nodeRows(): Record<string, unknown>[] {
    return this.cfg.getNodeList().map((name) => {
      const node = this.cfg.getNodeInfo(name);
      return {
        name,
        group: node?.group ?? null,
        master_candidate: node?.masterCandidate ?? false,
        offline: node?.offline ?? false,
        pinst_cnt: this.cfg.primaryInstances(name).length,
        sinst_cnt: this.cfg.secondaryInstances(name).length,
      };
    });
  }

  private instanceRows(): Record<string, unknown>[] {
    return this.cfg.getInstanceList().map((name) => {
      const inst = this.cfg.getInstanceInfo(name);
      return {
        name,
        pnode: inst?.primaryNode ?? null,
        snodes: inst ? [...inst.secondaryNodes] : [],
        admin_state: inst?.adminState ?? null,
        disk_template: inst?.diskTemplate ?? null,
      };
    });
  }
}

export class LUTestDelay extends LogicalUnit<ValidOp<'OP_TEST_DELAY'>> {
  static override readonly REQ_BGL = false;

  override expandNames(): void {
    this.neededLocks = new Map();
    const onNodes = this.op.on_nodes;
    if (onNodes.length > 0) {
      this.op.on_nodes = onNodes.map((n) => expandNodeName(this.cfg, n));
      this.neededLocks.set(LEVEL_NODE, [...this.op.on_nodes]);
    }
  }

  private *testDelay(): Proc<void> {
    const us = Math.round(this.op.duration * 1_000_000);
    if (this.op.on_master) {
      if (us < 0) throw new OpExecError('Error during master delay: Invalid sleep duration');
      yield* this.env.rt.sleep(us);
    }
    if (this.op.on_nodes.length > 0) {
      if (us < 0) throw new OpExecError('Invalid sleep duration');
      yield* this.env.rt.sleep(us);
    }
  }

  *exec(): Proc<unknown> {
    const repeat = this.op.repeat;
    if (repeat === 0) {
      yield* this.testDelay();
    } else {
      for (let i = 0; i < repeat; i++) {
        yield* this.proc.logInfo(`Test delay iteration ${i}/${repeat - 1}`);
        yield* this.testDelay();
      }
    }
    return null;
  }
}
