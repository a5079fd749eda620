/**
 * The opcode processor (spec §8) with the real lock manager and the LU catalogue, driven through
 * fake queue callbacks: level order, BGL modes, one timeout for the whole lock phase with
 * everything released on timeout, add/remove locks, opportunistic acquisition, priorities,
 * cancellation checkpoints, error conversions.
 */
import { describe, expect, it } from 'vitest';
import { ClusterConfig } from '../../../src/config/cluster-config.js';
import {
  CancelJob,
  LockAcquireTimeout,
  OpCodeUnknown,
  OpExecError,
  OpPrereqError,
  OpResultError,
  ProgrammerError,
  pyAssert,
} from '../../../src/jqueue/errors.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import { LEVEL_INSTANCE, LEVEL_NODE, LEVEL_NODE_RES, type Level } from '../../../src/locking/index.js';
import { NotImplementedError } from '../../../src/mcpu/errors.js';
import { LogicalUnit, type LuClass } from '../../../src/mcpu/logical-unit.js';
import { eventsOf } from '../../../src/sim/events.js';
import type { Proc } from '../../../src/sim/ports.js';
import { lockHistory, master, RecordingCallbacks, spawnOp } from './support.js';

const sec = (s: number) => s * 1_000_000;
const migrate = (inst: string): OpInput => ({ OP_ID: 'OP_INSTANCE_MIGRATE', instance_name: inst });
const delayOn = (nodes: string[], seconds: number): OpInput => ({
  OP_ID: 'OP_TEST_DELAY',
  duration: seconds,
  on_master: false,
  on_nodes: nodes,
});

describe('Processor: lock levels', () => {
  it('takes the BGL shared, then instance, node and node-res locks in ascending level order, and releases in descending order with the BGL last', () => {
    const m = master();
    const run = spawnOp(m, 'job1', migrate('inst1'));
    m.sim.run();
    expect(run.error).toBeUndefined();
    expect(lockHistory(m, 'job1')).toEqual([
      'acquired cluster/BGL',
      'acquired instance/inst1',
      'acquired node/node1',
      'acquired node/node2',
      'acquired node-res/node1',
      'acquired node-res/node2',
      'released node-res/node1',
      'released node-res/node2',
      'released node/node1',
      'released node/node2',
      'released instance/inst1',
      'released cluster/BGL',
    ]);
    const bgl = eventsOf(m.records, 'lock.acquired').find((r) => r.subject === 'cluster/BGL');
    expect(bgl?.fields[0]).toBe('shared');
    expect(m.cfg.getInstanceInfo('inst1')?.primaryNode).toBe('node2');
  });

  it('migrating an externally mirrored instance without a target locks all nodes and the NAL, then releases all but source and target and the NAL before running', () => {
    const cfg = ClusterConfig.build({ nodes: 4, instances: 0 });
    cfg.addInstance({
      name: 'shared1',
      primaryNode: 'node1',
      secondaryNodes: [],
      diskTemplate: 'sharedfile',
      disks: [{ size: 1 }],
      adminState: 'up',
      nics: [],
    });
    const m = master({ config: cfg });
    const run = spawnOp(m, 'job1', migrate('shared1'));
    let heldAtExec: string[] = [];
    m.sim.trace.observe((r) => {
      if (r.kind !== 'mcpu.exec') return;
      const held = new Set<string>();
      for (const x of m.records) {
        if (x.kind === 'lock.acquired') held.add(x.subject);
        else if (x.kind === 'lock.release') held.delete(x.subject);
      }
      heldAtExec = [...held].sort();
    });
    m.sim.run();
    expect(run.error).toBeUndefined();
    const history = lockHistory(m, 'job1');
    expect(history).toContain('acquired node-alloc/NAL');
    expect(history).toContain('acquired node/node3');
    const target = m.cfg.getInstanceInfo('shared1')?.primaryNode as string;
    expect(target).not.toBe('node1');
    expect(heldAtExec).toEqual(
      [
        'cluster/BGL',
        'instance/shared1',
        'node-res/node1',
        `node-res/${target}`,
        'node/node1',
        `node/${target}`,
      ].sort(),
    );
  });

  it('a DRBD instance moves only to its secondary: another target is refused with Ganeti’s message', () => {
    const m = master();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_INSTANCE_FAILOVER', instance_name: 'inst1', target_node: 'node3' });
    m.sim.run();
    expect((run.error as OpPrereqError).args).toEqual([
      'Instances with disk template drbd cannot be failed over to arbitrary nodes (neither an iallocator nor a target node can be passed)',
      'wrong_input',
    ]);
    expect(m.cfg.getInstanceInfo('inst1')?.primaryNode).toBe('node1');
  });

  it('a dry run takes the locks and checks the prerequisites but changes nothing', () => {
    const m = master();
    const cbs = new RecordingCallbacks();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_INSTANCE_REMOVE', instance_name: 'inst2', dry_run: true }, { cbs });
    m.sim.run();
    expect(run.error).toBeUndefined();
    expect(run.result).toBeNull();
    expect(m.cfg.getInstanceInfo('inst2')).not.toBeNull();
    expect(m.glm.names(LEVEL_INSTANCE).has('inst2')).toBe(true);
    expect(cbs.feedbackLog).toEqual([' - INFO: dry-run mode requested, not actually executing the operation']);
  });

  it('an LU with REQ_BGL takes the BGL exclusively and nothing else', () => {
    const m = master();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_CLUSTER_VERIFY' });
    m.sim.run();
    expect(run.result).toBe(true);
    expect(lockHistory(m, 'job1')).toEqual(['acquired cluster/BGL', 'released cluster/BGL']);
    const bgl = eventsOf(m.records, 'lock.acquired').find((r) => r.subject === 'cluster/BGL');
    expect(bgl?.fields[0]).toBe('exclusive');
  });

  it('asks the current priority before the BGL and before every acquired level, and acquires at that priority', () => {
    const m = master();
    const cbs = new RecordingCallbacks(-7);
    spawnOp(m, 'job1', migrate('inst1'), { cbs });
    m.sim.run();
    // BGL, instance, node-alloc (an empty declaration is still a level), node, node-res.
    expect(cbs.priorityAsked).toEqual([-7, -7, -7, -7, -7]);
    const prios = eventsOf(m.records, 'lock.acquire').map((r) => r.fields[1]);
    expect(prios.length).toBeGreaterThan(0);
    expect(prios.every((p) => p === -7)).toBe(true);
    expect(cbs.started).toBe(1);
  });

  it('the query opcode holds every level shared, the NAL included', () => {
    const m = master();
    const run = spawnOp(m, 'job1', {
      OP_ID: 'OP_QUERY',
      what: 'node',
      fields: ['name', 'pinst_cnt'],
      use_locking: true,
    });
    m.sim.run();
    expect(run.error).toBeUndefined();
    const modes = new Map(eventsOf(m.records, 'lock.acquired').map((r) => [r.subject, r.fields[0]] as const));
    expect(modes.get('node-alloc/NAL')).toBe('shared');
    expect(modes.get('node/[lockset]')).toBe('shared');
    expect(modes.get('instance/inst2')).toBe('shared');
    expect([...modes.values()].every((x) => x === 'shared')).toBe(true);
    expect((run.result as { data: unknown[] }).data[0]).toEqual([
      [0, 'node1'],
      [0, 1],
    ]);
  });
});

describe('Processor: timeouts', () => {
  it('one timeout covers the whole lock phase; when it expires LockAcquireTimeout is raised with every lock released', () => {
    const m = master();
    spawnOp(m, 'holder', delayOn(['node2'], 10));
    const run = spawnOp(m, 'job1', migrate('inst1'), { timeoutUs: sec(1), startUs: 1000 });
    let heldAfter: string[] = [];
    m.sim.spawn('observer', function* () {
      yield* m.sim.sleep(sec(2));
      heldAfter = [LEVEL_INSTANCE, LEVEL_NODE, LEVEL_NODE_RES].flatMap((l) =>
        (m.glm
          .lockSet(l as Level)
          .member('node1')
          ?.isOwned('any') ?? false)
          ? [String(l)]
          : [],
      );
    });
    m.sim.run();
    expect(run.error).toBeInstanceOf(LockAcquireTimeout);
    const history = lockHistory(m, 'job1');
    expect(history.filter((h) => h.startsWith('acquired')).length).toBe(
      history.filter((h) => h.startsWith('released')).length,
    );
    expect(history).toContain('acquired node/node1');
    expect(history.at(-1)).toBe('released cluster/BGL');
    expect(heldAfter).toEqual([]);
    const timedOut = eventsOf(m.records, 'lock.timeout').find((r) => r.subject === 'node/node2');
    expect(timedOut?.time).toBe(1000 + sec(1));
  });

  it('without a timeout the opcode waits until the lock is free', () => {
    const m = master();
    spawnOp(m, 'holder', delayOn(['node2'], 10));
    const run = spawnOp(m, 'job1', migrate('inst1'), { startUs: 1000 });
    m.sim.run();
    expect(run.error).toBeUndefined();
    const got = eventsOf(m.records, 'lock.acquired').find((r) => r.subject === 'node/node2' && r.time > 0);
    expect(got?.time).toBe(sec(10));
  });
});

describe('Processor: adding and removing locks', () => {
  const create = (name: string, extra: Partial<OpInput> = {}): OpInput => ({
    OP_ID: 'OP_INSTANCE_CREATE',
    instance_name: name,
    disk_template: 'drbd',
    disks: [{ size: 512 }],
    pnode: 'node1',
    snode: 'node3',
    ...extra,
  });

  it('instance creation adds the instance lock and keeps it after success', () => {
    const m = master();
    const run = spawnOp(m, 'job1', create('inst9'));
    m.sim.run();
    expect(run.result).toEqual(['node1', 'node3']);
    expect(m.glm.names(LEVEL_INSTANCE).has('inst9')).toBe(true);
    expect(m.cfg.getInstanceInfo('inst9')?.secondaryNodes).toEqual(['node3']);
    // Adding takes the set's internal lock for a moment; the new lock is held before any node lock.
    const history = lockHistory(m, 'job1');
    expect(history.slice(0, 3)).toEqual([
      'acquired cluster/BGL',
      'acquired instance/[lockset]',
      'acquired instance/inst9',
    ]);
    expect(history.indexOf('acquired node/node1')).toBeGreaterThan(2);
  });

  it('a concurrent creation of the same name fails with "Couldn\'t add locks", ECODE_NOTUNIQUE', () => {
    const m = master();
    const first = spawnOp(m, 'job1', create('inst9'));
    const second = spawnOp(m, 'job2', create('inst9'), { startUs: 1000 });
    m.sim.run();
    expect(first.error).toBeUndefined();
    expect(second.error).toBeInstanceOf(OpPrereqError);
    expect((second.error as OpPrereqError).args).toEqual([
      "Couldn't add locks (inst9), most likely because of another job who added them first",
      'resource_not_unique',
    ]);
  });

  it('a creation that fails removes the lock it added', () => {
    const m = master({ work: { create: { minUs: 1000, maxUs: 1000, failure: { num: 1, den: 1 } } } });
    const run = spawnOp(m, 'job1', create('inst9'));
    m.sim.run();
    expect(run.error).toBeInstanceOf(OpExecError);
    expect((run.error as Error).message).toBe('Device creation failed, reverting...');
    expect(m.glm.names(LEVEL_INSTANCE).has('inst9')).toBe(false);
    expect(m.cfg.getInstanceInfo('inst9')).toBeNull();
  });

  it('instance removal deletes the instance lock when its level unwinds', () => {
    const m = master();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_INSTANCE_REMOVE', instance_name: 'inst2' });
    m.sim.run();
    expect(run.error).toBeUndefined();
    expect(m.glm.names(LEVEL_INSTANCE).has('inst2')).toBe(false);
    expect(m.cfg.getInstanceInfo('inst2')).toBeNull();
    expect(eventsOf(m.records, 'lock.delete').some((r) => r.subject === 'instance/inst2')).toBe(true);
  });

  it('node add and node remove, alone under the exclusive BGL, add and remove the node and node-res locks', () => {
    const m = master();
    const add = spawnOp(m, 'job1', { OP_ID: 'OP_NODE_ADD', node_name: 'node4' });
    const remove = spawnOp(m, 'job2', { OP_ID: 'OP_NODE_REMOVE', node_name: 'node4' }, { startUs: sec(5) });
    let between: boolean[] = [];
    m.sim.spawn('observer', function* () {
      yield* m.sim.sleep(sec(4));
      between = [m.glm.names(LEVEL_NODE).has('node4'), m.glm.names(LEVEL_NODE_RES).has('node4')];
    });
    m.sim.run();
    expect(add.error).toBeUndefined();
    expect(remove.error).toBeUndefined();
    expect(between).toEqual([true, true]);
    expect(m.glm.names(LEVEL_NODE).has('node4')).toBe(false);
    expect(m.glm.names(LEVEL_NODE_RES).has('node4')).toBe(false);
    expect(m.cfg.getNodeInfo('node4')).toBeNull();
  });

  it('removing a node that still has instances fails with Ganeti’s message', () => {
    const m = master();
    const run = spawnOp(m, 'job1', { OP_ID: 'OP_NODE_REMOVE', node_name: 'node3' });
    m.sim.run();
    expect((run.error as OpPrereqError).args).toEqual([
      'Instance inst2 is still running on the node, please remove first',
      'wrong_input',
    ]);
  });
});

describe('Processor: opportunistic node locks', () => {
  const allocate = (name: string, opportunistic: boolean): OpInput => ({
    OP_ID: 'OP_INSTANCE_CREATE',
    instance_name: name,
    disk_template: 'plain',
    disks: [{ size: 512 }],
    iallocator: 'hail',
    opportunistic_locking: opportunistic,
  });

  it('with opportunistic locking, creation takes the free nodes only, holds the NAL exclusively and releases what it does not use', () => {
    const m = master({ shape: { nodes: 4, instances: 0 } });
    spawnOp(m, 'holder', delayOn(['node1', 'node2'], 60));
    const run = spawnOp(m, 'job1', allocate('inst9', true), { startUs: 1000, timeoutUs: sec(5) });
    m.sim.run();
    expect(run.error).toBeUndefined();
    const [pnode] = run.result as string[];
    expect(['node3', 'node4']).toContain(pnode);
    const history = lockHistory(m, 'job1');
    expect(history).not.toContain('acquired node/node1');
    expect(history).toContain('acquired node/[lockset]');
    const nal = eventsOf(m.records, 'lock.acquired').find((r) => r.subject === 'node-alloc/NAL');
    expect(nal?.fields[0]).toBe('exclusive');
    // Finished in about the drawn work time, long before the holder's 60 s.
    expect(eventsOf(m.records, 'mcpu.exec').find((r) => r.subject === 'job/1')?.time).toBeLessThan(sec(1));
  });

  it('with every node busy, opportunistic creation fails at once with ECODE_TEMP_NORES', () => {
    const m = master({ shape: { nodes: 2, instances: 0 } });
    spawnOp(m, 'holder', delayOn(['node1', 'node2'], 60));
    const run = spawnOp(m, 'job1', allocate('inst9', true), { startUs: 1000, timeoutUs: sec(5) });
    m.sim.run();
    expect(run.error).toBeInstanceOf(OpPrereqError);
    expect((run.error as OpPrereqError).args[1]).toBe('temp_insufficient_resources');
    expect(m.glm.names(LEVEL_INSTANCE).has('inst9')).toBe(false);
  });

  it('without opportunistic locking, creation waits for all nodes and times out while one is busy', () => {
    const m = master({ shape: { nodes: 4, instances: 0 } });
    spawnOp(m, 'holder', delayOn(['node1'], 60));
    const run = spawnOp(m, 'job1', allocate('inst9', false), { startUs: 1000, timeoutUs: sec(5) });
    m.sim.run();
    expect(run.error).toBeInstanceOf(LockAcquireTimeout);
    expect(m.glm.names(LEVEL_INSTANCE).has('inst9')).toBe(false);
  });
});

describe('Processor: errors', () => {
  it('an unknown opcode is OpCodeUnknown, a non-opcode ProgrammerError', () => {
    const m = master();
    const unknown = spawnOp(m, 'job1', { OP_ID: 'OP_NO_SUCH_THING' });
    const bad = spawnOp(m, 'job2', null as unknown as OpInput);
    m.sim.run();
    expect(unknown.error).toBeInstanceOf(OpCodeUnknown);
    expect((unknown.error as Error).message).toBe('Unknown opcode');
    expect(bad.error).toBeInstanceOf(ProgrammerError);
  });

  it('opcode parameters are validated with Ganeti’s messages after the BGL is taken, which is then released', () => {
    const m = master();
    const missing = spawnOp(m, 'job1', { OP_ID: 'OP_INSTANCE_STARTUP' });
    const badPrio = spawnOp(m, 'job2', { OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1', priority: 3 });
    m.sim.run();
    expect((missing.error as OpPrereqError).args).toEqual([
      "Required parameter 'OP_INSTANCE_STARTUP.instance_name' missing",
      'wrong_input',
    ]);
    expect((badPrio.error as OpPrereqError).args[0]).toBe("Parameter 'OP_INSTANCE_STARTUP.priority' fails validation");
    expect(lockHistory(m, 'job1')).toEqual(['acquired cluster/BGL', 'released cluster/BGL']);
  });

  it('a cancel noticed when asking the priority ends the opcode with CancelJob before any lock', () => {
    const m = master();
    const cbs = new RecordingCallbacks();
    cbs.cancelled = true;
    const run = spawnOp(m, 'job1', migrate('inst1'), { cbs });
    m.sim.run();
    expect(run.error).toBeInstanceOf(CancelJob);
    expect(lockHistory(m, 'job1')).toEqual([]);
  });

  it('an assertion inside an LU becomes OpExecError "Internal assertion error"; a bad result shape OpResultError', () => {
    class LUAsserting extends LogicalUnit {
      static override readonly REQ_BGL = false;
      override expandNames(): void {
        this.neededLocks = new Map();
      }
      // biome-ignore lint/correctness/useYield: fails at once.
      *exec(): Proc<unknown> {
        pyAssert(false, 'broken invariant');
      }
    }
    class LUWrongResult extends LUAsserting {
      // biome-ignore lint/correctness/useYield: returns at once.
      override *exec(): Proc<unknown> {
        return 42;
      }
    }
    const m = master();
    const dispatch = new Map<string, LuClass>([
      ['OP_TEST_ASSERT', LUAsserting],
      ['OP_INSTANCE_SHUTDOWN', LUWrongResult],
    ]);
    const runs = [{ OP_ID: 'OP_TEST_ASSERT' }, { OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'inst1' }].map(
      (op, i) => {
        const r: { error?: unknown } = {};
        m.sim.spawn(`job${i}`, function* () {
          try {
            yield* m.processor(i, { dispatch }).execOpCode(op, new RecordingCallbacks(), null);
          } catch (e) {
            r.error = e;
          }
        });
        return r;
      },
    );
    m.sim.run();
    expect(runs[0]?.error).toBeInstanceOf(OpExecError);
    expect((runs[0]?.error as Error | undefined)?.message).toMatch(
      /^Internal assertion error: please report this as a bug\.\nError message: 'broken invariant'; location:\n/,
    );
    expect(runs[1]?.error).toBeInstanceOf(OpResultError);
    expect((runs[1]?.error as Error | undefined)?.message).toBe('Opcode result does not match None: 42');
  });

  it('declaring locks to add and to acquire at the same level is NotImplementedError', () => {
    class LUBoth extends LogicalUnit {
      static override readonly REQ_BGL = false;
      override expandNames(): void {
        this.neededLocks = new Map([[LEVEL_INSTANCE, ['inst1']]]);
        this.addLocks.set(LEVEL_INSTANCE, 'inst9');
      }
      // biome-ignore lint/correctness/useYield: never reached.
      *exec(): Proc<unknown> {
        return null;
      }
    }
    const m = master();
    let error: unknown;
    m.sim.spawn('job1', function* () {
      try {
        yield* m
          .processor(1, { dispatch: new Map([['OP_BOTH', LUBoth]]) })
          .execOpCode({ OP_ID: 'OP_BOTH' }, null, null);
      } catch (e) {
        error = e;
      }
    });
    m.sim.run();
    expect(error).toBeInstanceOf(NotImplementedError);
    expect((error as Error).message).toBe("Can't declare locks to acquire when adding others");
  });
});

describe('Processor: LU-generated jobs', () => {
  it('node evacuation returns one job per primary instance, submitted in one call with inherited parameters', () => {
    const m = master();
    const cbs = new RecordingCallbacks();
    const run = spawnOp(
      m,
      'job1',
      { OP_ID: 'OP_NODE_EVACUATE', node_name: 'node2', mode: 'primary-only', priority: -10 },
      { cbs },
    );
    m.sim.run();
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ jobs: [[true, 200]] });
    expect(cbs.submitted).toHaveLength(1);
    const child = cbs.submitted[0]?.[0]?.[0];
    expect(child).toMatchObject({
      OP_ID: 'OP_INSTANCE_MIGRATE',
      instance_name: 'inst2',
      priority: -10,
      comment: 'Submitted by OP_NODE_EVACUATE',
    });
    expect(cbs.feedbackLog).toContain(" - INFO: Evacuating instances from node 'node2': inst2");
    // The evacuation itself locked the instance, group and nodes shared.
    const modes = eventsOf(m.records, 'lock.acquired').filter((r) => r.subject !== 'cluster/BGL');
    expect(modes.every((r) => r.fields[0] === 'shared')).toBe(true);
  });

  it('an LU that returns jobs cannot run without callbacks', () => {
    const m = master();
    const run = spawnOp(
      m,
      'job1',
      { OP_ID: 'OP_NODE_EVACUATE', node_name: 'node1', mode: 'primary-only' },
      { cbs: null },
    );
    m.sim.run();
    expect(run.error).toBeInstanceOf(ProgrammerError);
    expect((run.error as Error).message).toBe(
      'Opcodes processed without callbacks (e.g. for queries) can not submit jobs',
    );
  });
});
