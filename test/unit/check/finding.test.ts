import { describe, expect, it } from 'vitest';
import { findingOf } from '../../../src/check/finding.js';
import type { WaitForGraph } from '../../../src/check/wait-for.js';
import type { RunResult } from '../../../src/sim/kernel.js';
import type { Outcome } from '../../../src/sim/outcome.js';

function resultWith(outcome: Outcome): RunResult {
  return {
    outcome,
    steps: 500,
    timeUs: 14_400_000_000,
    choices: [],
    optionCounts: [],
    preemptions: 0,
    traceHash: '0123456789abcdef',
    trace: { records: [], hash: '0123456789abcdef' } as unknown as RunResult['trace'],
  };
}

const node = (key: string) => ({ key, label: key });

/** A parent job's thread waits for its child job, which waits for a worker slot the parent holds. */
const cycle: WaitForGraph = {
  edges: [
    { waiter: node('job/2'), resource: 'worker-slot', mode: 'slot', owners: [node('Jq1')], ahead: [] },
    { waiter: node('Jq1'), resource: 'job/2', mode: 'job', owners: [node('job/2')], ahead: [] },
  ],
};
const chain: WaitForGraph = { edges: [cycle.edges[0] as WaitForGraph['edges'][number]] };

describe('findingOf', () => {
  const budget: Outcome = { kind: 'budget', limit: 'time', value: 14_400_000_000 };

  it('reports a run whose budget ran out with a wait cycle standing as a deadlock naming the cycle', () => {
    const f = findingOf(resultWith(budget), cycle);
    expect(f).toMatchObject({ kind: 'deadlock', property: 'DF' });
    expect([...(f?.threads ?? [])].sort()).toEqual(['Jq1', 'job/2']);
    expect([...(f?.cycle?.resources ?? [])].sort()).toEqual(['job/2', 'worker-slot']);
    expect(f?.message).toMatch(/^deadlock: /);
    expect(f?.message).toMatch(/job\/2 waits for worker-slot/);
    expect(f?.message).toMatch(/Jq1 waits for job\/2/);
    expect(f?.message).toMatch(/the cycle still stood when the run's time budget ran out/);
  });

  it('reports a run whose budget ran out without a wait cycle as a budget finding', () => {
    expect(findingOf(resultWith(budget), chain)).toMatchObject({ kind: 'budget', property: 'budget' });
    expect(findingOf(resultWith(budget), undefined)).toMatchObject({ kind: 'budget', property: 'budget' });
  });
});
