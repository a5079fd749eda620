/**
 * The durability mutants of `spec/mutants.md`: for each, a property of the durable queue that
 * holds for the real code and fails once the mutant is switched on. Only the durability checkers
 * watch these runs, so the property that breaks is the durability property named in each test.
 * fast-check runs with a fixed seed, so both verdicts are reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueueDurabilityParams } from '../../scenarios/queue-durability.js';
import { describeFinding } from '../../src/check/describe.js';
import type { ClientSubmission } from '../../src/cluster/luxi-client.js';
import { type MutantName, MutantSet } from '../../src/mutants/registry.js';
import type { PlannedFault } from '../../src/sim/faults.js';
import { afterStart, runDurability } from '../unit/cluster/queue-support.js';

interface World {
  readonly params: QueueDurabilityParams;
  readonly faults: readonly PlannedFault[];
}

function params(submissions: readonly ClientSubmission[], faults: readonly PlannedFault[]): World {
  return { params: { workers: 1, failover: false, clients: [{ archive: false, submissions }] }, faults };
}

/** The property: a durability run with these parameters and faults ends with no finding. */
function holds(w: World, mutants: MutantSet): void {
  const run = runDurability({ params: w.params, faults: { faults: w.faults }, mutants, genericCheckers: false });
  if (run.finding) throw new Error(describeFinding(run.finding));
}

/** Checks the property without and with the mutant; returns the mutant's counterexample message. */
function verdicts(name: MutantName, arb: fc.Arbitrary<World>, numRuns: number) {
  const opts = { numRuns, seed: 20261129 };
  const clean = fc.check(
    fc.property(arb, (p) => holds(p, MutantSet.none)),
    opts,
  );
  const mutated = fc.check(
    fc.property(arb, (p) => holds(p, MutantSet.of(name))),
    opts,
  );
  const message = mutated.failed && mutated.errorInstance instanceof Error ? mutated.errorInstance.message : '';
  return { clean, mutated, message };
}

/** A master daemon crash at a generated time within the first six seconds. */
const crashAt = fc
  .integer({ min: 0, max: 24 })
  .map((n): PlannedFault => ({ kind: 'crash-masterd', at: afterStart(n * 250_000) }));

describe('durability mutants: each breaks a property that holds without it', () => {
  it('running-not-persisted: an opcode never runs twice across a master crash (CRASH, Ganeti 271daef86)', () => {
    const arb = crashAt.map((f) => params([{ many: false, jobs: [{ opDurationsUs: [2_000_000] }], gapUs: 0 }], [f]));
    const { clean, mutated, message } = verdicts('running-not-persisted', arb, 25);
    expect(clean.failed, String(clean.errorInstance)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(message).toMatch(/job\/1\/op\/0 ran twice/);
  });

  it('restart-from-opcode-zero: a finished opcode of a partially run job never runs again after a crash (CRASH, Ganeti f64247416)', () => {
    // One worker and a second job, so the two-opcode job waits in `queued` between its opcodes.
    const submissions: ClientSubmission[] = [
      { many: false, jobs: [{ opDurationsUs: [1_000_000, 1_000_000] }], gapUs: 0 },
      { many: false, jobs: [{ opDurationsUs: [2_000_000] }], gapUs: 0 },
    ];
    const arb = crashAt.map((f) => params(submissions, [f]));
    const { clean, mutated, message } = verdicts('restart-from-opcode-zero', arb, 25);
    expect(clean.failed, String(clean.errorInstance)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(message).toMatch(/job\/1\/op\/0 ran twice/);
  });

  it('serial-off-by-one: no job id is handed out twice, single submissions mixed with submit-many (CRASH, Ganeti 3c88bf36e)', () => {
    const job = { opDurationsUs: [200_000] };
    const sub = fc
      .record({ many: fc.boolean(), gapUs: fc.constantFrom(0, 500_000) })
      .map(({ many, gapUs }): ClientSubmission => ({ many, jobs: many ? [job, job] : [job], gapUs }));
    const arb = fc.array(sub, { minLength: 1, maxLength: 3 }).map((subs) => params(subs, []));
    const { clean, mutated, message } = verdicts('serial-off-by-one', arb, 25);
    expect(clean.failed, String(clean.errorInstance)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(message).toMatch(/job id \d+ handed out twice/);
  });

  it("noded-skips-queue-lock: a node's queue directory is only written by the holder of its queue lock file (MX, Ganeti doc/locking)", () => {
    const arb = fc
      .array(fc.constantFrom(200_000, 1_000_000), { minLength: 1, maxLength: 2 })
      .map((ops) => params([{ many: false, jobs: [{ opDurationsUs: ops }], gapUs: 0 }], []));
    const { clean, mutated, message } = verdicts('noded-skips-queue-lock', arb, 10);
    expect(clean.failed, String(clean.errorInstance)).toBe(false);
    expect(mutated.failed).toBe(true);
    expect(message).toMatch(/noded#1 wrote \/var\/lib\/ganeti\/queue\/\S+ on node\d without holding the queue lock/);
  });
});
