/**
 * Dependency manager programs (`_JobDependencyManager`): jobs 1..5 check dependencies on jobs
 * 0..6, whose status (any of the seven, or lost) the program sets and changes; a finished job's
 * waiters are notified. Self-dependencies, lost jobs, cancelled and wrong-status dependencies and
 * the empty status list all occur. Observed after each step: the check's result code and message
 * (or the notified jobs), the waiter table (empty entries included, until a notification drops
 * them) and which jobs wait.
 */
import fc from 'fast-check';
import { JOB_STATUS_ALL, type JobStatus } from '../../src/jqueue/constants.js';
import { JobDependencyManager } from '../../src/jqueue/dependency-manager.js';
import { AssertionError, JobLost } from '../../src/jqueue/errors.js';
import { SharedLock } from '../../src/locking/index.js';
import type { Proc } from '../../src/sim/ports.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { Component } from './compare.js';
import { assertMessage } from './job-status.js';
import type { Observation } from './oracle.js';

type Status = JobStatus | 'lost';

export type DepStep =
  | { readonly op: 'check'; readonly job: number; readonly dep: number; readonly statuses: readonly string[] }
  | { readonly op: 'setStatus'; readonly job: number; readonly status: Status }
  | { readonly op: 'notify'; readonly job: number };

export interface DepProgram {
  /** Status of jobs 0..6 by id (absent or `lost`: neither in the queue nor archived). */
  readonly statuses: Readonly<Partial<Record<string, Status>>>;
  readonly steps: readonly DepStep[];
}

const statusArb = fc.constantFrom<Status>(...JOB_STATUS_ALL, 'lost');
const jobIdArb = fc.integer({ min: 1, max: 5 });
const depIdArb = fc.integer({ min: 0, max: 6 });
/** Statuses a dependency may ask for: the final ones, rarely a non-final one (an assertion). */
const wantedArb = fc.oneof(
  { weight: 12, arbitrary: fc.subarray(['success', 'error', 'canceled']) },
  { weight: 1, arbitrary: fc.constant(['running']) },
);

const stepArb: fc.Arbitrary<DepStep> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('check' as const), job: jobIdArb, dep: depIdArb, statuses: wantedArb }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setStatus' as const), job: depIdArb, status: statusArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('notify' as const), job: depIdArb }) },
);

export const depProgramArb: fc.Arbitrary<DepProgram> = fc.record({
  statuses: fc.record(
    Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((id) => [String(id), statusArb])) as Record<
      string,
      fc.Arbitrary<Status>
    >,
    { requiredKeys: [] },
  ),
  steps: fc.array(stepArb, { maxLength: 20, size: 'max' }),
});

function simulate(program: DepProgram): Observation[] {
  const sim = Simulation.create({ seed: 1, strategy: { kind: 'fifo' }, trace: 'hash' });
  const statuses = new Map<number, Status>();
  for (const [id, s] of Object.entries(program.statuses)) if (s !== undefined) statuses.set(Number(id), s);
  const enqueued: number[] = [];
  const mgr = new JobDependencyManager<{ readonly id: number }>({
    // biome-ignore lint/correctness/useYield: the status lookup never blocks
    *getStatus(id): Proc<JobStatus> {
      const s = statuses.get(id) ?? 'lost';
      if (s === 'lost') throw new JobLost(`Job ${id} not found`);
      return s;
    },
    *enqueue(jobs): Proc<void> {
      enqueued.push(...jobs.map((j) => j.id));
    },
    lock: new SharedLock(sim, 'JobDepMgr'),
  });
  const jobs = new Map<number, { readonly id: number }>();
  const job = (id: number) => {
    let j = jobs.get(id);
    if (!j) jobs.set(id, (j = { id }));
    return j;
  };
  const observations: Observation[] = [];
  sim.spawn('worker', function* (): Proc<void> {
    for (const step of program.steps) {
      const out: Observation = {};
      try {
        if (step.op === 'check') {
          out.return = [...(yield* mgr.checkAndRegister(job(step.job), step.dep, step.statuses as JobStatus[]))];
        } else if (step.op === 'setStatus') {
          statuses.set(step.job, step.status);
        } else {
          enqueued.length = 0;
          yield* mgr.notifyWaiters(step.job);
          out.enqueued = [...enqueued].sort((a, b) => a - b);
        }
      } catch (e) {
        if (!(e instanceof AssertionError)) throw e;
        out.error = 'AssertionError';
        out.message = e.message;
      }
      out.waiters = [...mgr.waiterTable()].map(([dep, js]) => [dep, js.map((j) => j.id)]);
      out.jobWaiting = [...jobs.keys()].filter((id) => mgr.jobWaiting(job(id))).sort((a, b) => a - b);
      observations.push(out);
    }
  });
  const r = sim.run();
  if (r.outcome.kind !== 'completed') throw new Error(`gnt-sim side ended with ${r.outcome.kind}`);
  return observations;
}

export const dependencyManagerComponent: Component<DepProgram> = {
  name: 'dependency-manager',
  arbitrary: depProgramArb,
  simulate,
  normalisers: [assertMessage],
  handledElsewhere: ['v3-notify-waiters'],
  describeSetup: (p) => `job statuses ${JSON.stringify(p.statuses)} (others lost)`,
  describeSteps: (p) =>
    p.steps.map((s) =>
      s.op === 'check'
        ? `job ${s.job} CheckAndRegister(dep ${s.dep}, ${JSON.stringify(s.statuses)})`
        : s.op === 'setStatus'
          ? `job ${s.job} status := ${s.status}`
          : `NotifyWaiters(${s.job})`,
    ),
};
