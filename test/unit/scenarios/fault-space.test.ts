/**
 * Fault spaces: one registration per fault gives the scenario's generator, its swarm features and
 * the vocabulary its build applies, and every plan drawn is one the vocabulary accepts.
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFault, FaultSpace } from '../../../scenarios/fault-space.js';
import { arg, kernelVerbs } from '../../../src/sim/faults.js';

const crashDaemon = defineFault({
  kind: 'crash-daemon',
  feature: 'fault:crash-daemon',
  args: z.strictObject({ node: arg.index() }),
  generate: fc.record({ node: fc.integer({ min: -1, max: 2 }) }),
  subject: (a) => String(a.node),
  describe: (a) => `crash the daemon on node ${a.node}`,
  inject: () => undefined,
});

const slowDisk = defineFault({
  kind: 'slow-disk',
  feature: 'fault:slow-disk',
  weight: 0,
  args: z.strictObject({ node: arg.index(), count: arg.count() }),
  generate: fc.record({ node: fc.nat(2), count: fc.integer({ min: 1, max: 4 }) }),
  at: fc.record({ event: fc.constant('disk.write'), nth: fc.integer({ min: 1, max: 9 }) }),
  subject: (a) => String(a.node),
  describe: (a) => `slow ${a.count} operations of node ${a.node}`,
  inject: () => undefined,
});

const space = new FaultSpace([crashDaemon, slowDisk], {
  at: fc.integer({ min: 0, max: 40 }).map((n) => ({ timeUs: n * 250_000 })),
  maxFaults: 3,
  rates: [
    {
      feature: 'fault:rpc-loss',
      generate: fc.record({ rpcLoss: fc.constantFrom(50, 200) }),
      offWeight: 2,
    },
  ],
});

const allOn = new Set(space.features);

describe('a fault space', () => {
  it('lists the swarm features of its faults and rates, each once', () => {
    expect(space.features).toEqual(['fault:crash-daemon', 'fault:slow-disk', 'fault:rpc-loss']);
  });

  test.prop([space.arbitrary(allOn)], { numRuns: 300 })(
    'property: every plan it draws passes its own vocabulary and keeps to maxFaults',
    (plan) => {
      expect(space.vocabulary.validate(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
      expect(plan.faults?.length ?? 0).toBeLessThanOrEqual(3);
    },
  );

  test.prop([fc.subarray([...allOn]).chain((on) => fc.tuple(fc.constant(on), space.arbitrary(new Set(on))))], {
    numRuns: 200,
  })('property: a plan holds only faults and rates whose features are on', ([on, plan]) => {
    for (const f of plan.faults ?? []) expect(on).toContain(`fault:${f.kind}`);
    if (plan.rates) expect(on).toContain('fault:rpc-loss');
  });

  it('draws event-timed faults where their definition says so', () => {
    const plans = fc.sample(space.arbitrary(new Set(['fault:slow-disk'])), { numRuns: 50, seed: 3 });
    const faults = plans.flatMap((p) => p.faults ?? []);
    expect(faults.length).toBeGreaterThan(0);
    for (const f of faults) expect(f.at).toMatchObject({ event: 'disk.write' });
  });

  it('shrinks a failing plan to the one fault that matters', () => {
    const r = fc.check(
      fc.property(space.arbitrary(allOn), (plan) => !(plan.faults ?? []).some((f) => f.kind === 'crash-daemon')),
      { seed: 11, numRuns: 500 },
    );
    expect(r.failed).toBe(true);
    const [plan] = r.counterexample ?? [];
    expect(plan?.faults).toEqual([{ kind: 'crash-daemon', at: { timeUs: 0 }, node: expect.any(Number) }]);
    expect(plan?.rates).toBeUndefined();
  });

  it('draws one of the kernel’s verbs when a scenario lists it with a feature and a generator', () => {
    const delays = defineFault({
      ...kernelVerbs.delayMessages,
      feature: 'fault:delay',
      generate: fc.record({
        from: fc.constant<string>('n1'),
        to: fc.constant<string>('n2'),
        extraUs: fc.nat(9).map((n) => n + 1),
        count: fc.constant<number>(1),
      }),
    });
    const withKernel = new FaultSpace([crashDaemon, delays], { at: fc.constant({ step: 1 }), maxFaults: 2 });
    const plans = fc.sample(withKernel.arbitrary(new Set(['fault:delay'])), { numRuns: 30, seed: 5 });
    const faults = plans.flatMap((p) => p.faults ?? []);
    expect(faults.length).toBeGreaterThan(0);
    for (const f of faults) expect(withKernel.vocabulary.validate({ faults: [f] }).faults).toEqual([f]);
    expect(withKernel.vocabulary.kinds.filter((k) => k === 'delay-messages')).toHaveLength(1);
  });

  it('draws runs without explicit faults offWeight times as often as runs with some, and still shrinks them away', () => {
    const rare = new FaultSpace([crashDaemon], { at: fc.constant({ step: 1 }), maxFaults: 2, offWeight: 4 });
    const plans = fc.sample(rare.arbitrary(new Set(['fault:crash-daemon'])), { numRuns: 1000, seed: 9 });
    const withFaults = plans.filter((p) => (p.faults?.length ?? 0) > 0).length;
    expect(withFaults).toBeGreaterThan(120);
    expect(withFaults).toBeLessThan(280);
    const r = fc.check(
      fc.property(rare.arbitrary(new Set(['fault:crash-daemon'])), (plan) => (plan.faults?.length ?? 0) < 2),
      { seed: 4, numRuns: 500 },
    );
    expect(r.failed).toBe(true);
    expect(r.counterexample?.[0]?.faults).toHaveLength(2);
    expect(() => new FaultSpace([crashDaemon], { at: fc.constant({ step: 0 }), maxFaults: 1, offWeight: -1 })).toThrow(
      /offWeight must be a non-negative integer/,
    );
  });

  it('refuses a negative maxFaults when it is built', () => {
    expect(() => new FaultSpace([crashDaemon], { at: fc.constant({ step: 0 }), maxFaults: -1 })).toThrow(
      /maxFaults must be a non-negative integer/,
    );
  });
});
