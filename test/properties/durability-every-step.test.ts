/**
 * Acceptance of issue 5: crash the master at every step of a small workload, each step once, and
 * show that no acknowledged job is lost and no job id is handed out twice. "Every step" covers
 * every step of the write-replicate protocol: the temporary file written, fsynced, renamed, the
 * directory fsynced, each replication RPC in flight, the serial written before ids go out.
 *
 * Three crash kinds: the master daemon alone (the page cache survives; the watcher restarts it);
 * the master's node with a torn last write (unsynced data is lost; the node is rebooted); and the
 * master's node followed by a master failover onto a candidate's replica. Every run is watched by
 * all the checkers a search uses (durability, job and opcode lifecycles, lock invariants).
 */
import { describe, expect, it } from 'vitest';
import type { QueueDurabilityParams } from '../../scenarios/queue-durability.js';
import { describeFinding } from '../../src/check/describe.js';
import type { DurableCluster } from '../../src/cluster/durable-cluster.js';
import { MASTERD } from '../../src/cluster/durable-cluster.js';
import type { FaultPlan } from '../../src/sim/faults.js';
import type { SimWorld } from '../../src/sim/world.js';
import { events, runDurability } from '../unit/cluster/queue-support.js';

/** Two submissions (a two-opcode job, then two jobs at once), archived when done, one worker. */
function workload(failover: boolean): QueueDurabilityParams {
  return {
    workers: 1,
    failover,
    clients: [
      {
        archive: true,
        submissions: [
          { many: false, jobs: [{ opDurationsUs: [200_000, 200_000] }], gapUs: 0 },
          { many: true, jobs: [{ opDurationsUs: [200_000] }, { opDurationsUs: [200_000] }], gapUs: 0 },
        ],
      },
    ],
  };
}

type Crash = (world: SimWorld, cluster: DurableCluster) => void;

/** A fault of the scenario's plan at a step. */
type PlanAt = (step: number) => FaultPlan;

const crashMasterDaemon: Crash = (world, cluster) => {
  const proc = world.processes.findProcess(cluster.masterNode, MASTERD);
  if (proc) world.processes.crashProcess(proc, 'every-step test');
};

const crashMasterNode: Crash = (world, cluster) => {
  const node = cluster.masterNode;
  if (world.processes.downNodes().includes(node)) return;
  world.disk(node).tearOnNextCrash();
  world.processes.crashNode(node);
};

/** Crashes at each step 1..N of the crash-free run; returns how many runs had something to crash. */
function crashAtEveryStep(
  failover: boolean,
  crash: Crash | PlanAt,
  processor: 'delay' | 'mcpu' = 'delay',
): { steps: number; acked: number; failovers: number } {
  const params = workload(failover);
  const baseline = runDurability({ params, processor });
  expect(baseline.finding, baseline.finding ? describeFinding(baseline.finding) : '').toBeNull();
  expect(events(baseline.world, 'client.ack').length).toBe(3);
  const steps = baseline.result.steps;
  let acked = 0;
  let failovers = 0;
  for (let step = 1; step <= steps; step++) {
    const run =
      crash.length === 1
        ? runDurability({ params, processor, faults: (crash as PlanAt)(step) })
        : runDurability({
            params,
            processor,
            arm: (world, cluster) => world.kernel.atStep(step, () => (crash as Crash)(world, cluster)),
          });
    const why = run.finding ? `crash before step ${step}: ${describeFinding(run.finding)}` : '';
    expect(run.finding, why).toBeNull();
    const ack = events(run.world, 'client.ack').map((r) => r.subject);
    const final = new Set(events(run.world, 'client.final').map((r) => r.subject));
    // Nothing acknowledged is lost: every acknowledged job ended, and no id came twice.
    expect(new Set(ack).size, `crash before step ${step}: an id was acknowledged twice`).toBe(ack.length);
    expect(
      ack.filter((j) => !final.has(j)),
      `crash before step ${step}: acknowledged jobs that never finished`,
    ).toEqual([]);
    acked += ack.length;
    if (events(run.world, 'cluster.failover').length > 0) failovers++;
  }
  return { steps, acked, failovers };
}

describe('crashing the master at every step of a small workload loses and duplicates no job', () => {
  it('master daemon crash at each step, restarted by the watcher on the same node', () => {
    const { steps, acked } = crashAtEveryStep(false, crashMasterDaemon);
    expect(steps).toBeGreaterThan(200);
    expect(acked).toBeGreaterThan(steps); // most runs acknowledged most jobs
  });

  it('master daemon crash at each step with the real opcode processor and lock manager (src/mcpu)', () => {
    const { steps } = crashAtEveryStep(false, crashMasterDaemon, 'mcpu');
    expect(steps).toBeGreaterThan(200);
  });

  it('master node crash with a torn last write at each step, the node rebooted', () => {
    const { steps } = crashAtEveryStep(false, crashMasterNode);
    expect(steps).toBeGreaterThan(200);
  });

  it('master node crash at each step, then master failover onto a candidate replica', () => {
    const { steps, failovers } = crashAtEveryStep(true, crashMasterNode);
    expect(steps).toBeGreaterThan(200);
    // Every crash but one at the very last step (the run ends with the client) leads to a failover.
    expect(failovers).toBeGreaterThanOrEqual(steps - 1);
  });

  it('master failover at each step while the old master runs, onto a candidate whose replica the log shows complete', () => {
    // Ganeti's MasterFailover stops the old master daemon wherever it is in the persistence
    // protocol: between a local write and its replication, while an id is allocated.
    const { steps, failovers } = crashAtEveryStep(false, (step: number) => ({
      faults: [{ kind: 'master-failover', at: { step }, target: 1 }],
    }));
    expect(steps).toBeGreaterThan(200);
    expect(failovers).toBeGreaterThanOrEqual(steps - 1);
  });
});
