/**
 * What the job processor and its opcode callbacks need of the queue and of the dependency manager
 * (Ganeti's `_FakeQueueForProc` in tests). Declared apart from both so that the processor and the
 * callbacks it hands to the opcode executor depend on this contract, not on each other.
 */
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, Runtime } from '../sim/ports.js';
import type { JobStatus } from './constants.js';
import type { DepResult } from './dependency-manager.js';
import type { SharedLockPort } from './lock-port.js';
import type { SubmitJobResult } from './op-executor.js';
import type { OpInput } from './opcode.js';
import type { QueuedJob } from './queued-job.js';

/** What the processor needs of the dependency manager. */
export interface DependencyChecker<J> {
  checkAndRegister(job: J, depJobId: number, depStatus: readonly JobStatus[]): Proc<DepResult>;
  jobWaiting(job: J): boolean;
}

/** What the processor and the opcode callbacks need of the queue (Ganeti's `_FakeQueueForProc` in tests). */
export interface ProcessorQueue {
  readonly rt: Runtime;
  /** The queue lock (`SharedLock("JobQueue")`). */
  readonly lock: SharedLockPort;
  readonly depmgr: DependencyChecker<QueuedJob>;
  readonly mutants: MutantSet;
  /** False once `prepareShutdown` ran. */
  acceptingJobsUnlocked(): boolean;
  /** Writes the job file (queue lock held); `replicate: false` for log-only updates. */
  updateJobUnlocked(job: QueuedJob, replicate?: boolean): Proc<void>;
  submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]>;
}
