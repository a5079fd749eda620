/**
 * The durable cluster end to end: master daemon restarts and failover (spec §5.11), the write
 * policy on disk errors, node daemons restarted by the watcher.
 */
import { describe, expect, it } from 'vitest';
import { type QueueDurabilityParams, scenario as queueDurability } from '../../../scenarios/queue-durability.js';
import { describeFinding } from '../../../src/check/describe.js';
import type { ClientSubmission } from '../../../src/cluster/luxi-client.js';
import { executeRun } from '../../../src/explore/run.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { eventsOf, faultStrikesOf } from '../../../src/sim/events.js';
import type { FaultPlan, PlannedFault } from '../../../src/sim/faults.js';
import { afterStart, events, runDurability, subjects } from './queue-support.js';

function params(submissions: readonly ClientSubmission[], failover = false): QueueDurabilityParams {
  return { workers: 1, failover, clients: [{ archive: false, submissions }] };
}

const oneJob = (us: number, gapUs = 0): ClientSubmission => ({ many: false, jobs: [{ opDurationsUs: [us] }], gapUs });

function clean(p: QueueDurabilityParams, faults: readonly PlannedFault[] = []) {
  const run = runDurability({ params: p, faults: { faults } });
  expect(run.finding, run.finding ? describeFinding(run.finding) : '').toBeNull();
  return run;
}

describe('master failover', () => {
  it('a master candidate becomes master from its own replica, serial included, and continues', () => {
    // Two jobs before the master node dies (2 s), one more after the failover (at about 5 s).
    const run = clean(params([oneJob(200_000), oneJob(200_000), oneJob(200_000, 6_000_000)], true), [
      { kind: 'crash-cluster-node', at: afterStart(1_500_000), node: -1, tear: false },
    ]);
    const failover = events(run.world, 'cluster.failover');
    expect(failover.map((r) => [r.subject, r.fields[0]])).toEqual([['node2', 'node1']]);
    const opens = events(run.world, 'queue.open').map((r) => [r.subject, r.fields[0], r.fields[1]]);
    expect(opens).toEqual([
      ['node1', 0, ''],
      ['node2', 2, '1:success,2:success'],
    ]);
    expect(subjects(run.world, 'client.ack')).toEqual(['job/1', 'job/2', 'job/3']);
    expect(events(run.world, 'client.final').map((r) => [r.subject, r.fields[0]])).toEqual([
      ['job/1', 'success'],
      ['job/2', 'success'],
      ['job/3', 'success'],
    ]);
    // The old master came back as a plain candidate: its master daemon refused to run.
    expect(events(run.world, 'masterd.not-master').map((r) => r.subject)).toEqual(['node1']);
  });

  it('a job running when the master node died ends in error on the new master (recovery table)', () => {
    const run = clean(params([oneJob(3_000_000)], true), [
      { kind: 'crash-cluster-node', at: afterStart(1_000_000), node: -1, tear: true },
    ]);
    expect(events(run.world, 'queue.open').map((r) => [r.subject, r.fields[1]])).toEqual([
      ['node1', ''],
      ['node2', '1:running'],
    ]);
    expect(events(run.world, 'client.final').map((r) => [r.subject, r.fields[0]])).toEqual([['job/1', 'error']]);
    expect(subjects(run.world, 'lu.exec')).toEqual(['job/1/op/0']);
  });
});

describe('write errors (the write policy of DiskJobStore)', () => {
  it('a submission whose serial or job file cannot be written is reported to the client as failed', () => {
    const run = clean(params([oneJob(200_000), oneJob(200_000, 500_000)]), [
      { kind: 'cluster-disk-error', at: afterStart(0), node: -1, op: 'fsync', count: 3 },
    ]);
    expect(events(run.world, 'client.submit-failed').map((r) => r.subject)).toEqual(['submission/0']);
    expect(subjects(run.world, 'client.ack')).toEqual(['job/1']);
    expect(events(run.world, 'client.final').map((r) => [r.subject, r.fields[0]])).toEqual([['job/1', 'success']]);
  });

  it('an update that cannot be written stops the master; the restarted master recovers the job from disk', () => {
    // The job runs from about 0.5 s to 2.5 s; its final write then fails three times.
    const run = clean(params([oneJob(2_000_000)]), [
      { kind: 'cluster-disk-error', at: afterStart(1_000_000), node: -1, op: 'fsync', count: 3 },
    ]);
    expect(events(run.world, 'masterd.fail-stop').map((r) => r.subject)).toEqual(['node1']);
    expect(events(run.world, 'queue.open').map((r) => r.fields[1])).toEqual(['', '1:running']);
    expect(events(run.world, 'client.final').map((r) => [r.subject, r.fields[0]])).toEqual([['job/1', 'error']]);
  });
});

describe('re-adding a master candidate (AddNode)', () => {
  it('a candidate that missed replication is purged and gets the live queue and serial again', () => {
    // node2's daemon is down for the first job's writes; the administrator re-adds node2 later.
    const p = { ...params([oneJob(200_000), oneJob(200_000, 2_000_000)]), readd: true };
    const run = clean(p, [{ kind: 'crash-noded', at: afterStart(0), node: 1 }]);
    const added = events(run.world, 'queue.node-added').map((r) => [r.subject, r.fields[1]]);
    expect(added).toContainEqual(['node2', true]);
    expect(subjects(run.world, 'queue.purge-begin')).toContain('node2');
    const d = run.world.disk('node2');
    expect(d.peek('/var/lib/ganeti/queue/serial')).toBe('2\n');
    expect(d.peek('/var/lib/ganeti/queue/job-1')).toBe(run.world.disk('node1').peek('/var/lib/ganeti/queue/job-1'));
  });
});

describe('node daemons', () => {
  it('a crashed node daemon is restarted by the watcher; replication to it failed meanwhile and was only logged', () => {
    // node2's daemon dies before the first submission: the write waits out the replication
    // timeout (15 s), then goes on; the next one reaches the restarted daemon.
    const run = clean(params([oneJob(200_000), oneJob(200_000)]), [
      { kind: 'crash-noded', at: afterStart(0), node: 1 },
    ]);
    expect(events(run.world, 'cluster.watcher-restart').map((r) => [r.subject, r.fields[0]])).toContainEqual([
      'node2',
      'noded',
    ]);
    const rpc = events(run.world, 'queue.rpc').filter((r) => r.subject === 'node2');
    expect(rpc.some((r) => r.fields[1] === 'timeout')).toBe(true);
    expect(rpc.at(-1)?.fields[1]).toBe('ok');
    expect(subjects(run.world, 'client.final')).toEqual(['job/1', 'job/2']);
  });
});

describe('the kernel fault plan', () => {
  it('a plan crashing the master daemon at a step, with EIO on writes and lost messages, is survived', () => {
    const p = params([
      oneJob(1_000_000),
      { many: true, jobs: [{ opDurationsUs: [200_000] }, { opDurationsUs: [200_000] }], gapUs: 0 },
    ]);
    const plan: FaultPlan = {
      faults: [{ kind: 'crash-process', node: 'node1', process: 'masterd', at: { step: 150 } }],
      rates: { diskEioWrite: 20, rpcLoss: 20 },
    };
    const r = executeRun(
      queueDurability,
      { seed: 3, params: p, faults: plan, schedule: { kind: 'random' } },
      {
        mutants: MutantSet.none,
        trace: 'full',
      },
    );
    expect(r.finding, r.finding ? describeFinding(r.finding) : '').toBeNull();
    const kinds = r.result.trace.snapshot().map((e) => e.kind);
    expect(kinds).toContain('fault.crash-process');
    expect(eventsOf(r.result.trace.snapshot(), 'queue.open').length).toBeGreaterThanOrEqual(2);
  });
});

describe('with the real opcode processor and lock manager (src/mcpu)', () => {
  const work = params([
    oneJob(1_000_000),
    { many: true, jobs: [{ opDurationsUs: [200_000, 200_000] }, { opDurationsUs: [200_000] }], gapUs: 0 },
  ]);
  const faults: FaultPlan = { faults: [{ kind: 'crash-masterd', at: afterStart(750_000) }] };

  it('a master daemon crash mid-opcode: the running opcode ends in error, the others run once', () => {
    const run = runDurability({ params: work, faults, processor: 'mcpu' });
    expect(run.finding, run.finding ? describeFinding(run.finding) : '').toBeNull();
    expect(events(run.world, 'mcpu.exec').length).toBe(4);
    const final = events(run.world, 'client.final').map((r) => [r.subject, r.fields[0]]);
    expect(final.sort()).toEqual([
      ['job/1', 'error'],
      ['job/2', 'success'],
      ['job/3', 'success'],
    ]);
  });

  it('running-not-persisted makes the processor run the interrupted opcode again (CRASH)', () => {
    const run = runDurability({
      params: work,
      faults,
      processor: 'mcpu',
      mutants: MutantSet.of('running-not-persisted'),
    });
    expect(run.finding?.message).toMatch(/job\/1\/op\/0 ran twice/);
  });
});

describe('master failover as a fault (Ganeti MasterFailover)', () => {
  // node2 is cut off from the master for 20 s from the start, so its replica misses the serial
  // and job 1 (the submission waits out a replication timeout for each, longer than the
  // client's LUXI timeout: job 1 exists but is never acknowledged). At 17.5 s the master fails
  // over onto node2; a second submission, 20 s after the first gave up, keeps the client going.
  const p = params([oneJob(200_000), oneJob(200_000, 20_000_000)]);
  const cutOff: PlannedFault = { kind: 'partition-from-master', at: afterStart(0), node: 1, durationUs: 20_000_000 };

  it('onto a replica Ganeti accepts but the log shows stale, hands out a job id again (Ganeti 2.10 does too)', () => {
    const run = runDurability({
      params: p,
      faults: { faults: [cutOff, { kind: 'master-failover-stale', at: afterStart(17_000_000), target: 1 }] },
    });
    expect(events(run.world, 'cluster.failover').map((r) => [r.subject, r.fields[0]])).toEqual([['node2', 'node1']]);
    expect(run.finding?.property).toBe('CRASH');
    expect(run.finding?.message).toMatch(/^job id 1 handed out twice/);
  });

  it('the careful failover skips a candidate whose replica the log shows stale', () => {
    const run = clean(p, [cutOff, { kind: 'master-failover', at: afterStart(17_000_000), target: 1 }]);
    expect(faultStrikesOf(run.world.kernel.trace.snapshot(), 'master-failover').map((r) => r.fields)).toEqual([
      ['skipped', 'stale-replica'],
    ]);
    expect(events(run.world, 'cluster.failover')).toEqual([]);
  });

  it('Ganeti refuses when most nodes do not answer the vote, and when the target is the master', () => {
    const run = clean(p, [
      cutOff,
      { kind: 'partition', at: afterStart(0), a: 'node2', b: 'node3' },
      { kind: 'master-failover-stale', at: afterStart(1_000_000), target: 1 },
      { kind: 'master-failover-stale', at: afterStart(1_000_000), target: 0 },
    ]);
    expect(faultStrikesOf(run.world.kernel.trace.snapshot(), 'master-failover-stale').map((r) => r.fields)).toEqual([
      ['skipped', 'no-quorum'],
      ['skipped', 'already-master'],
    ]);
  });

  it('in the middle of an id allocation, onto a complete replica, loses and duplicates nothing', () => {
    // Just after the master made serial 1 durable and before any replica has it: node3 has not
    // missed anything the master acknowledged, so the new master may start from serial 0.
    const run = clean(params([oneJob(200_000), oneJob(200_000, 500_000)]), [
      { kind: 'master-failover', at: { event: 'queue.persist-serial', nth: 1 }, target: 2 },
    ]);
    expect(events(run.world, 'cluster.failover').map((r) => r.subject)).toEqual(['node3']);
    expect(subjects(run.world, 'client.final').length).toBeGreaterThanOrEqual(1);
  });
});
