/**
 * The lock-set workload names locks as callers write them (unsorted, repeated, a lone string,
 * unknown names), and the lock manager answers as Ganeti's `LockSet` does: members taken once
 * each in sorted order; an unknown name refused with a `LockError` before anything is held.
 */
import { describe, expect, it } from 'vitest';
import { type LockSetParams, scenario } from '../../../scenarios/lockset-add-remove.js';
import { executeRun } from '../../../src/explore/run.js';
import { MutantSet } from '../../../src/mutants/registry.js';

function run(names: readonly number[], single = false) {
  const params: LockSetParams = {
    instances: ['inst2', 'inst1', 'inst3'],
    nodes: ['node1'],
    adders: [],
    jobs: [
      {
        priority: 0,
        startUs: 0,
        holdUs: 100,
        rounds: 1,
        steps: [{ level: 'instance', names, single, shared: false, timeoutUs: null }],
      },
    ],
  };
  const r = executeRun(
    scenario,
    { seed: 1, params, faults: {}, schedule: { kind: 'fifo' } },
    { mutants: MutantSet.none, trace: 'full' },
  );
  const acquired = r.result.trace
    .snapshot()
    .filter((e) => e.kind === 'lock.acquired' && e.subject.startsWith('instance/inst'))
    .map((e) => e.subject);
  return { finding: r.finding, outcome: r.result.outcome.kind, acquired };
}

describe('lock requests of the lock-set workload', () => {
  it('an unsorted request with repeats takes each member once, in sorted order', () => {
    const r = run([2, 0, 2, 1]);
    expect(r.finding).toBeNull();
    expect(r.acquired).toEqual(['instance/inst1', 'instance/inst2', 'instance/inst3']);
  });

  it('a lone name given as a string is taken like a one-name list', () => {
    expect(run([1], true).acquired).toEqual(['instance/inst2']);
  });

  it('a request naming a lock not in the set fails before holding anything, and the job goes on', () => {
    const r = run([0, 3]);
    expect(r.finding).toBeNull();
    expect(r.outcome).toBe('completed');
    expect(r.acquired).toEqual([]);
  });
});
