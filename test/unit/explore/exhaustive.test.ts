import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../scenarios/scenario.js';
import { search } from '../../../src/explore/coordinator.js';
import { exploreExhaustively } from '../../../src/explore/exhaustive.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { orderedPhilosophers, philosophers } from '../../support/fixture-scenarios.js';
import { cycleOfDepth, scenarioOf } from '../../support/lock-cycles.js';

/** Each thread is a list of steps; a step is a non-atomic update of one shared cell. */
type Program = readonly (readonly number[])[];

const CELLS = 3;

/**
 * Threads update shared cells with a read, a preemption point and a write (a non-commuting
 * update, so different orders of updates to one cell give different values). Both halves name
 * the cell in a trace event, as systems under test name what they touch. `finals` collects the
 * final cell values of every execution; `badFinal`, when set, is a state the checker rejects.
 */
function cellsScenario(program: Program, finals: string[], badFinal: string | null = null): Scenario<Program> {
  return {
    id: 'cells',
    title: 'non-atomic cell updates',
    description: 'threads update shared cells with read; yield; write',
    seeds: [],
    mutants: [],
    features: [],
    budget: { maxSteps: 10_000, maxTimeUs: 1_000_000 },
    source: import.meta.url,
    params: () => fc.constant(program),
    faults: () => fc.constant({}),
    size: () => ({ jobs: program.length, faults: 0 }),
    build(world, { params }) {
      const cells = Array.from({ length: CELLS }, () => 1);
      params.forEach((steps, t) => {
        world.spawn(`t${t}`, function* () {
          for (const c of steps) {
            world.emit('cell.read', `cell${c}`);
            const v = cells[c] as number;
            yield* world.yieldNow();
            cells[c] = (v * 3 + t + 1) % 1_000_003;
            world.emit('cell.write', `cell${c}`);
          }
        });
      });
      return {
        checkers: [
          {
            name: 'final-cells',
            atEnd(_result, ctx) {
              const final = cells.join(',');
              finals.push(final);
              if (final === badFinal) ctx.violation('bad-final', `cells ended as ${final}`);
            },
          },
        ],
      };
    },
  };
}

const input = (program: Program) => ({ seed: 7, params: program, faults: {} });

describe('exhaustive exploration', () => {
  it('with no preemption allowed it runs each thread order once (a choice where nobody ran last is free) and reports the space exhausted', () => {
    const finals: string[] = [];
    const program: Program = [[0], [0]];
    const r = exploreExhaustively(cellsScenario(program, finals), input(program), MutantSet.none, {
      preemptionBound: 0,
      maxExecutions: 100,
      reduction: true,
    });
    expect(r).toMatchObject({ executions: 2, exhausted: true, failure: null });
    // t0 then t1: 3*(3*1+1)+2 = 14; t1 then t0: 3*(3*1+2)+1 = 16.
    expect([...finals].sort()).toEqual(['14,1,1', '16,1,1']);
  });

  it('finds the lost update of two read-yield-write threads once one preemption is allowed', () => {
    const program: Program = [[0], [0]];
    // Sequential runs give 14 or 16; a lost update leaves 3*1+1 = 4 or 3*1+2 = 5.
    const finals: string[] = [];
    const r0 = exploreExhaustively(cellsScenario(program, finals, '5,1,1'), input(program), MutantSet.none, {
      preemptionBound: 0,
      maxExecutions: 100,
      reduction: true,
    });
    expect(r0.failure).toBeNull();
    const r1 = exploreExhaustively(cellsScenario(program, [], '5,1,1'), input(program), MutantSet.none, {
      preemptionBound: 1,
      maxExecutions: 100,
      reduction: true,
    });
    expect(r1.failure?.finding?.property).toBe('bad-final');
    expect(r1.failure?.result.preemptions).toBe(1);
  });

  it('stops at the execution limit and says the space was not exhausted', () => {
    const program: Program = [
      [0, 1],
      [1, 0],
      [0, 1],
    ];
    const r = exploreExhaustively(cellsScenario(program, []), input(program), MutantSet.none, {
      preemptionBound: 10,
      maxExecutions: 3,
      reduction: false,
    });
    expect(r).toMatchObject({ executions: 3, exhausted: false, failure: null });
  });

  const programArb: fc.Arbitrary<Program> = fc.array(
    fc.array(fc.integer({ min: 0, max: CELLS - 1 }), { minLength: 1, maxLength: 2 }),
    { minLength: 2, maxLength: 3 },
  );

  it('property: sleep-set reduction reaches exactly the final states of the full search, with no more executions', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const full: string[] = [];
        const reduced: string[] = [];
        const opts = { preemptionBound: 100, maxExecutions: 5_000 };
        const a = exploreExhaustively(cellsScenario(program, full), input(program), MutantSet.none, {
          ...opts,
          reduction: false,
        });
        const b = exploreExhaustively(cellsScenario(program, reduced), input(program), MutantSet.none, {
          ...opts,
          reduction: true,
        });
        expect(a.exhausted && b.exhausted).toBe(true);
        expect([...new Set(reduced)].sort()).toEqual([...new Set(full)].sort());
        expect(b.executions).toBeLessThanOrEqual(a.executions);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('property: under a preemption bound, the reduction reaches every final state the full search reaches within that bound', () => {
    // Plain sleep sets are unsound under a bound (the equivalent schedule they count on may need
    // more preemptions); the bound-safe rule keeps them sound.
    fc.assert(
      fc.property(programArb, fc.integer({ min: 0, max: 2 }), (program, bound) => {
        const full: string[] = [];
        const reduced: string[] = [];
        const opts = { preemptionBound: bound, maxExecutions: 5_000 };
        const a = exploreExhaustively(cellsScenario(program, full), input(program), MutantSet.none, {
          ...opts,
          reduction: false,
        });
        const b = exploreExhaustively(cellsScenario(program, reduced), input(program), MutantSet.none, {
          ...opts,
          reduction: true,
        });
        expect(a.exhausted && b.exhausted).toBe(true);
        expect([...new Set(reduced)].sort()).toEqual([...new Set(full)].sort());
        expect(b.executions).toBeLessThanOrEqual(a.executions);
      }),
      { numRuns: 80, seed: 13 },
    );
  });

  it('under a preemption bound of 1 it finds a three-job lock cycle that needs one preemption, with the reduction on', () => {
    // Plain sleep sets missed this one at bound 1: they pruned the only schedules with one
    // preemption, counting on equivalents that need two.
    const r = exploreExhaustively(
      scenarioOf(cycleOfDepth(1), 'mini'),
      { seed: 1, params: null, faults: {} },
      MutantSet.none,
      {
        preemptionBound: 1,
        maxExecutions: 1_000,
        reduction: true,
      },
    );
    expect(r.failure?.finding?.kind).toBe('deadlock');
    expect(r.failure?.result.preemptions).toBe(1);
  });

  /** The schedules (choice lists) an exploration runs, as strings. */
  const schedulesRun = (program: Program, bounds: { preemptionBound: number; delayBound?: number }) => {
    const seen: string[] = [];
    const r = exploreExhaustively(cellsScenario(program, []), input(program), MutantSet.none, {
      ...bounds,
      maxExecutions: 5_000,
      reduction: false,
      onExecution: (report) => seen.push(report.result.choices.join(',')),
    });
    return { r, seen };
  };

  it('with a delay bound of 0 it runs the default schedule alone; with d it runs none with more than d other choices', () => {
    const program: Program = [
      [0, 1],
      [1, 0],
      [2, 2],
    ];
    expect(schedulesRun(program, { preemptionBound: 100, delayBound: 0 }).r).toMatchObject({
      executions: 1,
      exhausted: true,
    });
    for (const d of [1, 2]) {
      const { r, seen } = schedulesRun(program, { preemptionBound: 100, delayBound: d });
      expect(r.exhausted).toBe(true);
      const delays = seen.map((s) => s.split(',').filter((c) => c !== '' && c !== '0').length);
      expect(Math.max(...delays)).toBe(d);
    }
  });

  it('property: a delay-bounded search runs exactly the schedules of the full search that have at most d non-default choices', () => {
    fc.assert(
      fc.property(programArb, fc.integer({ min: 0, max: 2 }), (program, d) => {
        const full = schedulesRun(program, { preemptionBound: 100 });
        const bounded = schedulesRun(program, { preemptionBound: 100, delayBound: d });
        expect(full.r.exhausted && bounded.r.exhausted).toBe(true);
        const within = full.seen.filter((s) => s.split(',').filter((c) => c !== '' && c !== '0').length <= d);
        expect([...bounded.seen].sort()).toEqual([...within].sort());
      }),
      { numRuns: 40, seed: 12 },
    );
  });

  it('finds the lost update of two read-yield-write threads at a delay bound of 1, not 0', () => {
    const program: Program = [[0], [0]];
    // t0 reads, t1 reads and writes 3*1+2, t0 writes 3*1+1 over it: one step off the default.
    const run = (delayBound: number) =>
      exploreExhaustively(cellsScenario(program, [], '4,1,1'), input(program), MutantSet.none, {
        preemptionBound: 100,
        delayBound,
        maxExecutions: 100,
        reduction: true,
      });
    expect(run(0)).toMatchObject({ executions: 1, exhausted: true, failure: null });
    const r1 = run(1);
    expect(r1.failure?.finding?.property).toBe('bad-final');
    expect(r1.failure?.result.preemptions).toBe(1);
  });

  it('threads on disjoint cells need a single execution with reduction and several without', () => {
    const program: Program = [[0], [1], [2]];
    const count = (reduction: boolean) =>
      exploreExhaustively(cellsScenario(program, []), input(program), MutantSet.none, {
        preemptionBound: 100,
        maxExecutions: 5_000,
        reduction,
      });
    const reduced = count(true);
    const full = count(false);
    expect(reduced.exhausted && full.exhausted).toBe(true);
    expect(full.executions).toBeGreaterThan(1);
    expect(reduced.executions).toBeLessThan(full.executions);
    expect(reduced.pruned).toBeGreaterThan(0);
  });
});

describe('gnt-sim search --strategy exhaustive', () => {
  const base = {
    scenarioModule: '',
    seed: 3,
    strategy: 'exhaustive' as const,
    mutants: MutantSet.none,
    outDir: null,
    workers: 1,
    clock: () => 0,
    exhaustive: { preemptionBound: 2, maxExecutions: 300 },
  };

  it('finds the philosophers deadlock and shrinks it to two philosophers', async () => {
    const s = await search({ ...base, scenario: philosophers as Scenario<unknown>, runs: 20 });
    expect(s.findings).toHaveLength(1);
    const f = s.findings[0];
    expect(f?.finding.kind).toBe('deadlock');
    expect(f?.replay.size.jobs).toBe(2);
    expect(f?.replay.origin.strategy).toBe('exhaustive');
  });

  it('with a delay bound, exhausts more runs in fewer executions and says which bounds it used', async () => {
    const runs = 4;
    const plain = await search({ ...base, scenario: orderedPhilosophers as Scenario<unknown>, runs });
    const delayed = await search({
      ...base,
      scenario: orderedPhilosophers as Scenario<unknown>,
      runs,
      exhaustive: { preemptionBound: 2, delayBound: 1, maxExecutions: 300 },
    });
    expect(delayed.findings).toEqual([]);
    expect(delayed.exploration).toMatchObject({ preemptionBound: 2, delayBound: 1, maxExecutions: 300 });
    expect(delayed.exploration?.runsExhausted).toBe(runs);
    expect(delayed.exploration?.executions).toBeLessThan(plain.exploration?.executions ?? 0);
  });

  it('reports how many runs it exhausted when ordered philosophers never deadlock', async () => {
    const s = await search({ ...base, scenario: orderedPhilosophers as Scenario<unknown>, runs: 4 });
    expect(s.findings).toEqual([]);
    expect(s.exploration).toMatchObject({ preemptionBound: 2, maxExecutions: 300 });
    expect(s.exploration?.executions).toBeGreaterThanOrEqual(4);
    expect(s.exploration?.runsExhausted).toBeGreaterThanOrEqual(0);
    expect(s.exploration?.runsExhausted).toBeLessThanOrEqual(4);
  });
});
