import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src/explore/run.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { swimlaneSvg } from '../../src/report/swimlane.js';
import { categoryOf, traceRows } from '../../src/report/trace-rows.js';
import { eventsOf } from '../../src/sim/events.js';
import { type FixtureParams, reportDeadlock } from './fixture-scenario.js';

/** Two jobs taking the same locks in the same order: they finish and write their job files. */
function completedRun() {
  const params: FixtureParams = {
    jobs: [
      { order: [0, 1], startUs: 0, holdUs: 5 },
      { order: [0, 1], startUs: 0, holdUs: 5 },
    ],
  };
  return executeRun(
    reportDeadlock,
    { seed: 7, params, faults: {}, schedule: { kind: 'fifo' } },
    { mutants: MutantSet.none, trace: 'full' },
  );
}

describe('swimlane of a completed run', () => {
  const run = completedRun();
  const records = run.result.trace.snapshot();
  const svg = swimlaneSvg(records, run.result.trace.threadNames);

  it('the run completes, with both jobs waiting, holding and writing', () => {
    expect(run.result.outcome.kind).toBe('completed');
    expect(eventsOf(records, 'lock.wait').length).toBeGreaterThan(0);
    expect(records.filter((r) => categoryOf(r.kind) === 'disk').length).toBeGreaterThan(0);
  });

  it('draws one mark per job or opcode status change and per disk operation, each with its step', () => {
    const statusChanges = records.filter((r) => r.kind === 'job.status' || r.kind === 'opcode.status');
    expect(svg.match(/class="mark job"/g)?.length).toBe(statusChanges.length);
    const disk = records.filter((r) => categoryOf(r.kind) === 'disk');
    expect(svg.match(/class="mark disk"/g)?.length).toBe(disk.length);
    for (const r of disk) expect(svg).toContain(`class="mark disk" data-step="${r.step}"`);
  });

  it('every wait ended: amber wait bars, no red ones, and a hold bar per acquisition', () => {
    expect(svg.match(/class="bar wait"/g)?.length).toBe(eventsOf(records, 'lock.wait').length);
    expect(svg).not.toContain('class="bar stuck"');
    expect(svg.match(/class="bar hold"/g)?.length).toBe(eventsOf(records, 'lock.acquired').length);
  });

  it('rows name the category of every record, disk operations included', () => {
    const rows = traceRows(records);
    expect(rows.length).toBe(records.length);
    expect(rows.filter((r) => r[6] === 'disk').map((r) => r[3])).toEqual(
      records.filter((r) => r.kind.startsWith('disk.')).map((r) => r.kind),
    );
  });
});
