/**
 * Random multi-thread programs over the kernel's primitives, for determinism properties: each
 * thread runs a list of operations on a few shared conditions and a shared counter.
 */
import fc from 'fast-check';
import type { Kernel } from '../../src/sim/kernel.js';
import type { Condition } from '../../src/sim/ports.js';

export type Op =
  | { readonly op: 'sleep'; readonly us: number }
  | { readonly op: 'yield' }
  | { readonly op: 'wait'; readonly cond: number; readonly timeoutUs: number | null }
  | { readonly op: 'notify'; readonly cond: number; readonly all: boolean }
  | { readonly op: 'bump' };

export interface Program {
  readonly conditions: number;
  readonly threads: readonly (readonly Op[])[];
}

const opArb = (conditions: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ op: fc.constant('sleep' as const), us: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ op: fc.constant('yield' as const) }),
    fc.record({
      op: fc.constant('wait' as const),
      cond: fc.nat(conditions - 1),
      // Mostly timed waits so that most programs terminate; some wait forever.
      timeoutUs: fc.option(fc.integer({ min: 0, max: 1000 }), { freq: 4 }),
    }),
    fc.record({ op: fc.constant('notify' as const), cond: fc.nat(conditions - 1), all: fc.boolean() }),
    fc.record({ op: fc.constant('bump' as const) }),
  );

export const programArb: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 3 }).chain((conditions) =>
  fc.record({
    conditions: fc.constant(conditions),
    threads: fc.array(fc.array(opArb(conditions), { maxLength: 12 }), { minLength: 2, maxLength: 5 }),
  }),
);

/** Spawns the program's threads on `sim`; the shared counter is traced so it enters the hash. */
export function loadProgram(sim: Kernel, p: Program): void {
  const conds: Condition[] = [];
  for (let i = 0; i < p.conditions; i++) conds.push(sim.condition(`c${i}`));
  let counter = 0;
  p.threads.forEach((ops, ti) => {
    sim.spawn(`t${ti}`, function* () {
      for (const o of ops) {
        switch (o.op) {
          case 'sleep':
            yield* sim.sleep(o.us);
            break;
          case 'yield':
            yield* sim.yieldNow();
            break;
          case 'wait': {
            const notified = yield* (conds[o.cond] as Condition).wait(o.timeoutUs);
            sim.emit('test.woke', `t${ti}`, notified);
            break;
          }
          case 'notify':
            if (o.all) (conds[o.cond] as Condition).notifyAll();
            else (conds[o.cond] as Condition).notify();
            break;
          case 'bump':
            counter++;
            sim.emit('test.counter', `t${ti}`, counter);
            break;
        }
      }
    });
  });
}
