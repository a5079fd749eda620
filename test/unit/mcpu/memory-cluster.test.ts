/**
 * The in-memory master (config + lock manager + job queue + processor + workers): jobs of the LU
 * catalogue run through the real queue to their final statuses, LU-generated jobs are submitted
 * and run, and a run is a function of its seed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_SHAPE, MemoryCluster } from '../../../src/cluster/memory-cluster.js';
import { ClusterConfig } from '../../../src/config/cluster-config.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';

interface Outcome {
  statuses: (string | null)[];
  results: unknown[];
  hash: string;
  outcome: string;
  cluster: MemoryCluster;
}

function runJobs(jobs: OpInput[][], seed = 1, strategy: 'fifo' | 'random' = 'fifo'): Outcome {
  const sim = Simulation.create({ seed, strategy: strategy === 'fifo' ? { kind: 'fifo' } : { kind: 'random' } });
  const cluster = MemoryCluster.create(sim, { workers: 4 });
  const statuses: (string | null)[] = [];
  const results: unknown[] = [];
  sim.spawn('client', function* (): Proc<void> {
    const ids: number[] = [];
    for (const job of jobs) ids.push(yield* cluster.submitJob(job));
    for (const id of ids) statuses.push(yield* cluster.waitForJob(id));
    const rows = yield* cluster.queryJobs(ids, ['opresult']);
    for (const row of rows) results.push(row?.[0]);
  });
  const r = sim.run();
  return { statuses, results, hash: r.traceHash, outcome: r.outcome.kind, cluster };
}

const mixed: OpInput[][] = [
  [{ OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: 'inst1' }],
  [{ OP_ID: 'OP_INSTANCE_MIGRATE', instance_name: 'inst2' }],
  [{ OP_ID: 'OP_INSTANCE_FAILOVER', instance_name: 'inst1' }],
  [
    {
      OP_ID: 'OP_INSTANCE_CREATE',
      instance_name: 'web1',
      disk_template: 'drbd',
      disks: [{ size: 1024 }],
      iallocator: 'hail',
      opportunistic_locking: true,
    },
  ],
  [{ OP_ID: 'OP_INSTANCE_REBOOT', instance_name: 'inst3', reboot_type: 'soft' }],
  [{ OP_ID: 'OP_QUERY', what: 'instance', fields: ['name', 'pnode'], use_locking: true }],
  [{ OP_ID: 'OP_CLUSTER_VERIFY' }],
  [{ OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1' }],
];

describe('MemoryCluster', () => {
  it('a mixed workload of the LU catalogue runs through the real job queue and every job succeeds', () => {
    const o = runJobs(mixed);
    expect(o.statuses).toEqual(mixed.map(() => 'success'));
    expect(o.results[3]).toEqual([expect.arrayContaining([expect.stringMatching(/^node\d$/)])]);
    expect(o.cluster.cfg.getInstanceInfo('web1')).not.toBeNull();
    expect(o.cluster.cfg.getInstanceInfo('inst1')?.adminState).toBe('up');
  });

  it('node evacuation submits one job per primary instance through the queue, and those jobs run', () => {
    const sim = Simulation.create({ seed: 3, strategy: { kind: 'fifo' } });
    const cluster = MemoryCluster.create(sim, { workers: 4 });
    let result: unknown;
    let children: (string | null)[] = [];
    sim.spawn('client', function* (): Proc<void> {
      const id = yield* cluster.submitOpcode({ OP_ID: 'OP_NODE_EVACUATE', node_name: 'node1', mode: 'primary-only' });
      expect(yield* cluster.waitForJob(id)).toBe('success');
      result = (yield* cluster.queryJobs([id], ['opresult']))[0]?.[0];
      const ids = ((result as [{ jobs: [boolean, number][] }])[0]?.jobs ?? []).map(([, jid]) => jid);
      children = [];
      for (const jid of ids) children.push(yield* cluster.waitForJob(jid));
    });
    sim.run();
    const jobs = (result as [{ jobs: [boolean, number][] }])[0].jobs;
    expect(jobs.length).toBe(ClusterConfig.build(DEFAULT_CLUSTER_SHAPE).primaryInstances('node1').length);
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every(([ok, id]) => ok && Number.isInteger(id))).toBe(true);
    expect(children.every((s) => s === 'success')).toBe(true);
    expect(cluster.cfg.primaryInstances('node1')).toEqual([]);
  });

  it('the same seed and schedule give the same trace hash; the random schedule still ends every job', () => {
    const a = runJobs(mixed, 7, 'random');
    const b = runJobs(mixed, 7, 'random');
    expect(a.hash).toBe(b.hash);
    expect(a.statuses.every((s) => s === 'success')).toBe(true);
  });
});
