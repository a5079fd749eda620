/**
 * gnt-sim's `JobProcessor` against Ganeti 3.0's `_JobProcessor`, driven with a fake queue and a
 * fake opcode executor as Ganeti's own tests drive it (see README.md), and question 4 of the
 * issue: a cancel that lands after the processor decided the outcome of a timed-out lock attempt.
 */
import { expect, it } from 'vitest';
import { compareProgram } from './compare.js';
import { runDifferential } from './harness.js';
import { jobProcessorComponent, type ProcOpSpec, type ProcProgram } from './job-processor.js';
import type { Observation } from './oracle.js';
import { expectAgreement, withOracle } from './suite.js';

const op = (over: Partial<ProcOpSpec>): ProcOpSpec => ({
  result: 'ok',
  fail: false,
  priority: 0,
  lockTimeouts: 0,
  cancelInAttempt: null,
  cancelAfterDecision: null,
  feedback: [],
  depends: null,
  ...over,
});

/** One opcode whose first lock attempt (timeout 1 s) times out; a cancel lands as `where` says. */
function cancelProgram(where: 'cancelInAttempt' | 'cancelAfterDecision'): ProcProgram {
  return {
    jobId: 42,
    ops: [op({ lockTimeouts: 1, [where]: 0 })],
    restored: 0,
    depResults: {},
    strategy: { kind: 'fake', timeouts: [1, 1] },
    steps: [
      { op: 'run', times: 1 },
      { op: 'run', times: 3 },
    ],
  };
}

const opStatus = (obs: Observation) => (obs.state as { ops: [string][] }).ops[0]?.[0];
const jobStatus = (obs: Observation) => (obs.state as { status: string }).status;

withOracle('differential: job processor', (oracle) => {
  it('500 processor programs (lock timeouts and escalation, cancels, priority changes, feedback, failures, dependencies) agree with Ganeti 3.0', async () => {
    expectAgreement(await runDifferential(oracle(), jobProcessorComponent, { seed: 20_103, numRuns: 500 }));
  }, 20_000);

  it("the full escalation 0 -> -20 on Ganeti's lock-attempt schedule (130 attempts a step, then a blocking acquire) agrees with Ganeti 3.0", async () => {
    const p: ProcProgram = {
      jobId: 7,
      ops: [op({ result: 'escalated', lockTimeouts: 5000 })],
      restored: 0,
      depResults: {},
      strategy: { kind: 'ganeti', jitterSeed: 12_345 },
      steps: [{ op: 'run', times: 3000 }],
    };
    const ganeti = await oracle().run('job-processor', p);
    const gntSim = jobProcessorComponent.simulate(p);
    expect(compareProgram(jobProcessorComponent, p, ganeti, gntSim)).toBeNull();
    const execs = ((gntSim[0]?.events ?? []) as Observation[]).filter((e) => 'exec' in e);
    expect(execs).toHaveLength(21 * 130 + 1);
    expect(execs.at(-1)).toMatchObject({ timeoutUs: null, priority: -20 });
    expect(jobStatus(gntSim[0] as Observation)).toBe('success');
  }, 20_000);

  it('question 4: a cancel that lands after the processor decided a timed-out attempt leaves the opcode waiting in Ganeti too, and the job then succeeds', async () => {
    const p = cancelProgram('cancelAfterDecision');
    const ganeti = await oracle().run('job-processor', p);
    const gntSim = jobProcessorComponent.simulate(p);
    expect(compareProgram(jobProcessorComponent, p, ganeti, gntSim)).toBeNull();
    for (const side of [ganeti, gntSim]) {
      const [first, second] = side as [Observation, Observation];
      expect(first.events).toContainEqual({ cancel: [true, 'Job 42 will be canceled'], when: 'after-decision' });
      expect(opStatus(first)).toBe('waiting'); // the cancel's `canceling` was overwritten
      expect(jobStatus(second)).toBe('success'); // and the job ran as if never cancelled
    }
  });

  it('a cancel that lands during the attempt, before the processor looks, is honoured by both', async () => {
    const p = cancelProgram('cancelInAttempt');
    const ganeti = await oracle().run('job-processor', p);
    const gntSim = jobProcessorComponent.simulate(p);
    expect(compareProgram(jobProcessorComponent, p, ganeti, gntSim)).toBeNull();
    for (const side of [ganeti, gntSim]) expect(jobStatus(side[0] as Observation)).toBe('canceled');
  });
});
