/**
 * The opcode processor's mutant of `spec/mutants.md`, `lu-waits-for-children`: a logical unit that
 * waits for the jobs it submitted while it still holds its locks and its worker. Node evacuation
 * holds its instances (shared) and returns one migration per instance, which needs that instance
 * exclusively; with the mutant the evacuation waits for the migrations and they wait for it.
 *
 * Property DF: a node evacuation followed by its generated jobs ends with every job finished and
 * never deadlocks. It holds for the real processor and fails with the mutant, through a lock
 * (enough workers: the child runs and waits for the parent's instance lock, escalating until it
 * blocks at priority -20) or through a worker slot (one worker: the child never gets to run), and
 * the wait-for graph names the cycle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findWaitCycle, formatWaitCycle } from '../../src/check/wait-for.js';
import { MemoryCluster } from '../../src/cluster/memory-cluster.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { describeOutcome } from '../../src/sim/outcome.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation, type StrategySpec } from '../../src/sim/simulation.js';
import { strategyArb } from '../properties/locking-support.js';

interface EvacRun {
  readonly ok: boolean;
  readonly outcome: string;
  readonly cycle: string | null;
  readonly statuses: (string | null)[];
}

/** Evacuates `node`'s primary instances on a 5-node cluster; the client then waits for the evacuation job. */
function evacuate(
  mutants: MutantSet,
  node: string,
  workers: number,
  seed: number,
  strategy: StrategySpec = { kind: 'random' },
): EvacRun {
  const sim = Simulation.create({ seed, strategy });
  const cluster = MemoryCluster.create(sim, { workers, mutants, shape: { nodes: 5, instances: 8 } });
  const statuses: (string | null)[] = [];
  sim.spawn('client', function* (): Proc<void> {
    const parent = yield* cluster.submitOpcode({ OP_ID: 'OP_NODE_EVACUATE', node_name: node, mode: 'primary-only' });
    statuses.push(yield* cluster.waitForJob(parent));
    const rows = yield* cluster.queryJobs([parent], ['opresult']);
    const jobs = ((rows[0]?.[0] as [{ jobs?: [boolean, number][] }] | undefined)?.[0]?.jobs ?? []).map(([, id]) => id);
    for (const id of jobs) statuses.push(yield* cluster.waitForJob(id));
  });
  const r = sim.run();
  const cycle = r.outcome.kind === 'deadlock' ? findWaitCycle(cluster.waitFor()) : null;
  return {
    ok: r.outcome.kind !== 'deadlock' && statuses.length > 1 && statuses.every((s) => s === 'success'),
    outcome: describeOutcome(r.outcome),
    cycle: cycle ? formatWaitCycle(cycle) : null,
    statuses,
  };
}

const evacuationNeverDeadlocks = (mutants: MutantSet) =>
  fc.property(
    fc.constantFrom('node1', 'node2', 'node3', 'node4', 'node5'),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    strategyArb,
    (node, workers, seed, strategy) => {
      const run = evacuate(mutants, node, workers, seed, strategy);
      if (!run.ok) throw new Error(`${run.outcome}; cycle: ${run.cycle}`);
    },
  );

describe('mutant lu-waits-for-children', () => {
  it('DF: a node evacuation and its generated jobs always finish with the real processor, and deadlock with the mutant', () => {
    const params = { numRuns: 8, seed: 20261129, endOnFailure: true };
    const clean = fc.check(evacuationNeverDeadlocks(MutantSet.none), params);
    expect(clean.failed, clean.failed ? String(clean.errorInstance) : '').toBe(false);
    const mutated = fc.check(evacuationNeverDeadlocks(MutantSet.of('lu-waits-for-children')), params);
    expect(mutated.failed).toBe(true);
    expect(String(mutated.errorInstance)).toMatch(/deadlock/);
  });

  it('with enough workers the cycle runs through the parent’s instance lock: evacuation waits for the migration, which waits for the lock', () => {
    expect(evacuate(MutantSet.none, 'node1', 4, 1).ok).toBe(true);
    const run = evacuate(MutantSet.of('lu-waits-for-children'), 'node1', 4, 1);
    expect(run.outcome).toMatch(/^deadlock/);
    expect(run.cycle).toMatch(/instance\/inst1/);
    expect(run.cycle).toMatch(/job\/2/);
  });

  it('with a single worker the cycle runs through the worker slot: the generated job never gets to run', () => {
    expect(evacuate(MutantSet.none, 'node1', 1, 1).ok).toBe(true);
    const run = evacuate(MutantSet.of('lu-waits-for-children'), 'node1', 1, 1);
    expect(run.outcome).toMatch(/^deadlock/);
    expect(run.cycle).toMatch(/worker-slot/);
    expect(run.statuses).toEqual([]);
  });
});
