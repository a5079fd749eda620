/**
 * Fault vocabularies: a scenario's own verbs beside the kernel's, checked, delivered and
 * described through the same plan; event-timed faults landing inside a protocol window.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  arg,
  type FaultPlan,
  FaultPlanError,
  type FaultVerb,
  FaultVocabulary,
  kernelVerbs,
  type PlannedFault,
} from '../../../src/sim/faults.js';
import { makeWorld, records, runClean, strikes } from './world-support.js';

/** What a scenario's build hands its verbs: here, the names of its nodes. */
interface Built {
  readonly nodes: readonly string[];
}

const crashNth: FaultVerb<{ node: number }, Built> = {
  kind: 'crash-nth-node',
  args: z.strictObject({ node: arg.index() }),
  weight: 3,
  subject: (a) => `#${a.node}`,
  describe: (a) => `crash node number ${a.node}`,
  skip: (a, ctx) => (a.node < ctx.nodes.length ? null : 'no-such-node'),
  inject(a, ctx, world) {
    world.processes.crashNode(ctx.nodes[a.node] as string);
    return undefined;
  },
};

const slowHeal: FaultVerb<{ a: string; b: string; forUs: number }, Built> = {
  kind: 'brief-partition',
  args: z.strictObject({ a: arg.name(), b: arg.name(), forUs: arg.count() }),
  subject: (a) => `${a.a}->${a.b}`,
  describe: (a) => `partition ${a.a} from ${a.b} for ${a.forUs} µs`,
  inject(a, _ctx, world) {
    world.net.partition(a.a, a.b);
    // Takes virtual time: the kernel runs it in a thread of its own.
    return (function* () {
      yield* world.sleep(a.forUs);
      world.net.heal(a.a, a.b);
    })();
  },
};

const vocabulary = new FaultVocabulary<Built>([crashNth, slowHeal]);

/** Two nodes, each with a process that writes a numbered file every 1 ms. */
function world(plan: FaultPlan) {
  const w = makeWorld({ seed: 7 });
  for (const node of ['n1', 'n2']) {
    w.processes.startProcess(node, 'writer', function* () {
      for (let i = 0; i < 20; i++) {
        yield* w.disk(node).writeFile(`/f${i}`, 'x');
        w.emit('test.wrote', node, i);
        yield* w.sleep(1_000);
      }
    });
  }
  vocabulary.apply(w, plan, { nodes: ['n1', 'n2'] });
  return w;
}

describe('a fault vocabulary', () => {
  it('holds the kernel verbs first, then the scenario verbs, and refuses a kind registered twice', () => {
    expect(vocabulary.kinds.slice(0, 2)).toEqual(['crash-process', 'restart-process']);
    expect(vocabulary.kinds.slice(-2)).toEqual(['crash-nth-node', 'brief-partition']);
    expect(() => new FaultVocabulary([crashNth, crashNth])).toThrow(/"crash-nth-node" is registered twice/);
    expect(() => new FaultVocabulary([{ ...crashNth, kind: 'crash-node' }])).toThrow(/registered twice/);
  });

  it('lets a scenario list one of the kernel’s verbs (to draw it), in the kernel’s place, with its own weight', () => {
    const drawn = new FaultVocabulary<Built>([{ ...kernelVerbs.delayMessages, weight: 2 }, crashNth]);
    expect(drawn.kinds.filter((k) => k === 'delay-messages')).toHaveLength(1);
    expect(drawn.kinds.indexOf('delay-messages')).toBe(vocabulary.kinds.indexOf('delay-messages'));
    const plan: FaultPlan = {
      faults: [{ kind: 'delay-messages', at: { step: 0 }, from: 'n1', to: 'n2', extraUs: 10, count: 1 }],
    };
    expect(drawn.weight(plan)).toBe(2);
    expect(drawn.describe(plan.faults?.[0] as PlannedFault)).toBe(
      'delay the next 1 messages between n1 and n2 by 10 µs',
    );
    // Another verb under the kernel's name is still refused.
    expect(() => new FaultVocabulary([{ ...kernelVerbs.delayMessages, inject: () => undefined }])).toThrow(
      /"delay-messages" is registered twice/,
    );
  });

  it('checks a scenario verb’s arguments by its schema, naming the field', () => {
    const bad = { faults: [{ kind: 'crash-nth-node', at: { timeUs: 1 }, node: 'one' }] };
    expect(() => vocabulary.validate(bad)).toThrow(FaultPlanError);
    expect(() => vocabulary.validate(bad)).toThrow(/faults\[0\]\.node: expected number/);
    const typo = { faults: [{ kind: 'brief-partition', at: { step: 1 }, a: 'n1', b: 'n2', forUS: 5 }] };
    expect(() => vocabulary.validate(typo)).toThrow(/faults\[0\]\.forUS: unknown field/);
  });

  it('delivers a scenario verb with the scenario’s context, traced with its subject', () => {
    const w = world({ faults: [{ kind: 'crash-nth-node', at: { timeUs: 2_500 }, node: 1 }] });
    runClean(w);
    expect(strikes(w, 'crash-nth-node').map((r) => [r.time, r.subject, ...r.fields])).toEqual([[2_500, '#1']]);
    expect(records(w, 'node.crash').map((r) => r.subject)).toEqual(['n2']);
    expect(records(w, 'test.wrote').filter((r) => r.subject === 'n2').length).toBe(3);
  });

  it('skips a scenario fault whose target is not there, tracing why and changing nothing', () => {
    const w = world({ faults: [{ kind: 'crash-nth-node', at: { timeUs: 2_500 }, node: 5 }] });
    runClean(w);
    expect(strikes(w, 'crash-nth-node').map((r) => r.fields)).toEqual([['skipped', 'no-such-node']]);
    expect(records(w, 'node.crash')).toEqual([]);
  });

  it('runs a fault that takes virtual time in a thread of its own', () => {
    const w = world({ faults: [{ kind: 'brief-partition', at: { timeUs: 1_000 }, a: 'n1', b: 'n2', forUs: 4_000 }] });
    runClean(w);
    expect(records(w, 'net.partition').map((r) => r.time)).toEqual([1_000]);
    expect(records(w, 'net.heal').map((r) => r.time)).toEqual([5_000]);
  });

  it('strikes an event-timed fault just before the step after the nth event of its kind', () => {
    const w = world({ faults: [{ kind: 'crash-node', at: { event: 'test.wrote', nth: 3 }, node: 'n1' }] });
    runClean(w);
    const third = records(w, 'test.wrote')[2];
    const [fault] = strikes(w, 'crash-node');
    expect(third).toBeDefined();
    expect(fault?.step).toBe(third?.step);
    expect(fault?.time).toBe(third?.time);
    // Nothing ran between the event's step and the fault: the next record of a thread comes after it.
    const all = w.kernel.trace.snapshot();
    const at = all.indexOf(fault as (typeof all)[number]);
    expect(all.slice(all.indexOf(third as (typeof all)[number]) + 1, at).every((r) => r.step === third?.step)).toBe(
      true,
    );
  });

  it('weighs a plan by its verbs’ weights plus one per rate, and describes each fault', () => {
    const plan: FaultPlan = {
      faults: [
        { kind: 'crash-nth-node', at: { step: 1 }, node: 0 },
        { kind: 'crash-node', at: { step: 2 }, node: 'n1' },
      ],
      rates: { rpcLoss: 5, diskEioWrite: 0, rpcDelay: { num: 0, den: 2 }, rpcDelayUsMin: 1 },
    };
    expect(vocabulary.weight(plan)).toBe(3 + 1 + 1);
    expect(plan.faults?.map((f) => vocabulary.describe(f))).toEqual(['crash node number 0', 'crash node n1']);
  });
});
