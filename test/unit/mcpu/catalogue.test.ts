/**
 * Lock patterns and results of the LUs not covered by `processor.test.ts` (group assignment,
 * network connection, cluster verification, the test delay), and the configuration they read.
 */
import { describe, expect, it } from 'vitest';
import { ClusterConfig } from '../../../src/config/cluster-config.js';
import { OpExecError } from '../../../src/jqueue/errors.js';
import { eventsOf } from '../../../src/sim/events.js';
import { lockHistory, master, RecordingCallbacks, spawnOp } from './support.js';

function acquiredModes(m: ReturnType<typeof master>): Map<string, unknown> {
  return new Map(eventsOf(m.records, 'lock.acquired').map((r) => [r.subject, r.fields[0]] as const));
}

describe('LU catalogue', () => {
  it('group assignment locks the target group, the nodes’ current groups and the nodes exclusively, and moves the nodes', () => {
    const m = master({ shape: { nodes: 4, groups: 2, instances: 0 } });
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'group1', nodes: ['node2'] });
    m.sim.run();
    expect(run.error).toBeUndefined();
    expect(lockHistory(m, 'job1').filter((h) => h.startsWith('acquired'))).toEqual([
      'acquired cluster/BGL',
      'acquired nodegroup/group1',
      'acquired nodegroup/group2',
      'acquired node/node2',
    ]);
    expect(acquiredModes(m).get('node/node2')).toBe('exclusive');
    expect(m.cfg.getNodeInfo('node2')?.group).toBe('group1');
  });

  it('group assignment that would split a DRBD instance between groups fails unless forced', () => {
    const m = master({ shape: { nodes: 4, groups: 2, instances: 1 } });
    // inst1 lives on node1 and node3 (group1); moving node3 to group2 splits it.
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'group2', nodes: ['node3'] });
    const forced = spawnOp(
      m,
      'job2',
      { OP_ID: 'OP_GROUP_ASSIGN_NODES', group_name: 'group2', nodes: ['node3'], force: true },
      { startUs: 1_000_000 },
    );
    m.sim.run();
    expect(run.error).toBeInstanceOf(OpExecError);
    expect((run.error as Error).message).toBe(
      'The following instances get split by this change and --force was not given: inst1',
    );
    expect(forced.error).toBeUndefined();
    expect(m.cfg.getNodeInfo('node3')?.group).toBe('group2');
  });

  it('network connection locks the group’s instances and the network shared and the group exclusively; connecting twice only warns', () => {
    const m = master({ shape: { nodes: 3, instances: 2, networks: 1 } });
    const op = {
      OP_ID: 'OP_NETWORK_CONNECT',
      group_name: 'group1',
      network_name: 'net1',
      network_mode: 'bridged',
      network_link: 'br0',
    };
    const cbs = new RecordingCallbacks();
    const first = spawnOp(m, 'job1', op);
    const second = spawnOp(m, 'job2', op, { cbs, startUs: 1_000_000 });
    m.sim.run();
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    const modes = acquiredModes(m);
    expect(modes.get('instance/inst1')).toBe('shared');
    expect(modes.get('network/net1')).toBe('shared');
    expect(modes.get('nodegroup/group1')).toBe('exclusive');
    expect(m.cfg.getNodeGroup('group1')?.networks).toEqual({ net1: { mode: 'bridged', link: 'br0' } });
    expect(cbs.feedbackLog).toEqual([" - WARNING: Network 'net1' is already mapped to group 'group1'"]);
  });

  it('cluster verification runs alone and reports a consistent configuration as true', () => {
    const m = master();
    const cbs = new RecordingCallbacks();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_CLUSTER_VERIFY' }, { cbs });
    m.sim.run();
    expect(run.result).toBe(true);
    expect(cbs.feedbackLog).toEqual(['* Verifying cluster config', '* Verifying 3 nodes']);
  });

  it('the test delay holds its node locks for exactly its duration; a negative duration fails like Ganeti', () => {
    const m = master();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_TEST_DELAY', duration: 2.5, on_master: false, on_nodes: ['node2'] });
    const bad = spawnOp(m, 'job2', { OP_ID: 'OP_TEST_DELAY', duration: -1 });
    m.sim.run();
    expect(run.error).toBeUndefined();
    const got = eventsOf(m.records, 'lock.acquired').find((r) => r.subject === 'node/node2');
    const released = eventsOf(m.records, 'lock.release').find((r) => r.subject === 'node/node2');
    expect((released?.time ?? 0) - (got?.time ?? 0)).toBe(2_500_000);
    expect((bad.error as Error).message).toBe('Error during master delay: Invalid sleep duration');
  });
});

describe('ClusterConfig', () => {
  it('builds a deterministic cluster: nodes dealt to groups, DRBD instances on neighbouring nodes of a group, the master first', () => {
    const a = ClusterConfig.build({ nodes: 5, groups: 2, instances: 4, networks: 1 });
    expect(a.toData()).toEqual(ClusterConfig.build({ nodes: 5, groups: 2, instances: 4, networks: 1 }).toData());
    expect(a.getMasterNode()).toBe('node1');
    expect(a.groupNodes('group1')).toEqual(['node1', 'node3', 'node5']);
    expect(a.groupNodes('group2')).toEqual(['node2', 'node4']);
    expect(a.instanceNodes('inst1')).toEqual(['node1', 'node3']);
    expect(a.instanceNodes('inst2')).toEqual(['node2', 'node4']);
    expect(a.getMasterCandidates()).toEqual(['node1', 'node2', 'node3']);
    for (const i of a.getInstanceList()) expect(a.groupsOfNodes(a.instanceNodes(i))).toHaveLength(1);
  });

  it('is plain data: a JSON round trip gives the same configuration, and writes bump the serial', () => {
    const a = ClusterConfig.build({ nodes: 3, instances: 2 });
    const b = ClusterConfig.fromData(JSON.parse(JSON.stringify(a.toData())));
    expect(b.toData()).toEqual(a.toData());
    const serial = b.serial;
    b.setInstancePrimary('inst1', 'node2');
    expect(b.serial).toBe(serial + 1);
    expect(b.instanceNodes('inst1')).toEqual(['node2', 'node1']);
    expect(a.instanceNodes('inst1')).toEqual(['node1', 'node2']);
  });

  it('disk changes lock the instance and all its nodes and node resources exclusively, add and remove disks and report each change', () => {
    const m = master({ shape: { nodes: 2, instances: 1 } });
    const op = { OP_ID: 'OP_INSTANCE_SET_PARAMS', instance_name: 'inst1', disks: [['add', { size: 512 }]] };
    const add = spawnOp(m, 'job1', op);
    const remove = spawnOp(
      m,
      'job2',
      { OP_ID: 'OP_INSTANCE_SET_PARAMS', instance_name: 'inst1', disks: [['remove']] },
      { startUs: 10_000_000 },
    );
    m.sim.run();
    expect(add.error).toBeUndefined();
    expect(add.result).toEqual([['disk/1', 'add:size=512,mode=rw']]);
    expect(remove.result).toEqual([['disk/1', 'remove']]);
    expect(lockHistory(m, 'job1').filter((h) => h.startsWith('acquired'))).toEqual([
      'acquired cluster/BGL',
      'acquired instance/inst1',
      'acquired node/node1',
      'acquired node/node2',
      'acquired node-res/node1',
      'acquired node-res/node2',
    ]);
    expect(acquiredModes(m).get('node-res/node2')).toBe('exclusive');
    expect(m.cfg.getInstanceInfo('inst1')?.disks).toEqual([{ size: 1024 }]);
  });

  it('disk changes refuse to remove the last disk and an empty change list, with Ganeti’s messages', () => {
    const m = master({ shape: { nodes: 2, instances: 1 } });
    const last = spawnOp(m, 'job1', { OP_ID: 'OP_INSTANCE_SET_PARAMS', instance_name: 'inst1', disks: [['remove']] });
    const none = spawnOp(m, 'job2', { OP_ID: 'OP_INSTANCE_SET_PARAMS', instance_name: 'inst1' });
    m.sim.run();
    expect((last.error as Error).message).toBe('Cannot remove the last disk of an instance');
    expect((none.error as Error).message).toBe('No changes submitted');
    expect(m.cfg.getInstanceInfo('inst1')?.disks).toHaveLength(1);
  });
});
