/**
 * Where the job queue keeps its jobs (spec §5.9–5.12): the seam between the queue's logic and
 * its persistence. `JobQueue` talks only to this interface; `MemoryJobStore` (below) keeps job
 * files in memory for the in-memory queue and its conformance tests, and the durable store on
 * the simulated disks (`queue/job-<id>`, `serial`, `drain`, `archive/`, replication to master
 * candidates through node daemons) implements the same contract.
 *
 * Contract, as Ganeti's `JobQueue` relies on it:
 * - Every method that writes is called with the queue lock held (exclusive for submissions,
 *   archival, drain; shared for a processor updating its own job), so a store needs no lock of
 *   its own for the queue directory.
 * - A write that returns has reached the master's disk durably (and was sent to the
 *   replicas when asked); a write that fails throws, and the caller decides what the failure
 *   means (a submission whose job file could not be written is reported to the client as
 *   failed). Replication failures are the store's business: logged, never thrown.
 * - Readers get copies: mutating a returned `SerializedJob` never changes the store.
 */
import type { Proc } from '../sim/ports.js';
import { jsonClone } from './json.js';
import type { SerializedJob } from './queued-job.js';

/** What a store finds when the queue opens it (`InitAndVerifyQueue` plus the reads of §5.11). */
export interface OpenedQueue {
  /** The last job id handed out (the `serial` file). */
  readonly lastSerial: number;
  readonly drained: boolean;
  /** Ids of the live (not archived) job files, ascending. */
  readonly liveJobIds: readonly number[];
}

export interface JobStore {
  /**
   * Opens the queue at master start-up: takes the queue lock file (blocking, held for the life
   * of the process), creates `version` and `serial` when missing, verifies them.
   */
  open(): Proc<OpenedQueue>;
  /** Records `last` as the last id used (serial file, replicated) before ids are handed out. */
  writeSerial(last: number): Proc<void>;
  /** Replaces the job's file; `replicate: false` for log-only updates. */
  writeJob(job: SerializedJob, opts: { readonly replicate: boolean }): Proc<void>;
  /**
   * A copy of the job's file, `null` when there is none. A live job file that cannot be parsed
   * is moved aside by the store and reads as `null`. With `archived: true` the archive is
   * searched when no live file exists.
   */
  readJob(id: number, opts?: { readonly archived?: boolean }): Proc<{ job: SerializedJob; archived: boolean } | null>;
  /** Ids of the live job files, ascending. */
  listLiveJobIds(): Proc<number[]>;
  /** Moves a finalized job to `archive/<id / 10000>/job-<id>` (replicated as a rename). */
  archiveJob(id: number): Proc<void>;
  setDrainFlag(drained: boolean): Proc<void>;
}

/**
 * Job files in memory: the store of the in-memory queue. Costs no virtual time and never fails,
 * so queue tests see Ganeti's logic alone; the durable store adds disks, faults and replicas.
 */
export class MemoryJobStore implements JobStore {
  private lastSerial = 0;
  private drained = false;
  private readonly live = new Map<number, SerializedJob>();
  private readonly archive = new Map<number, SerializedJob>();

  // biome-ignore lint/correctness/useYield: the in-memory store completes at once; the port is a Proc for the durable store.
  *open(): Proc<OpenedQueue> {
    return { lastSerial: this.lastSerial, drained: this.drained, liveJobIds: this.sortedLiveIds() };
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *writeSerial(last: number): Proc<void> {
    this.lastSerial = last;
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *writeJob(job: SerializedJob, _opts: { readonly replicate: boolean }): Proc<void> {
    this.live.set(job.id, jsonClone(job));
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *readJob(id: number, opts?: { readonly archived?: boolean }): Proc<{ job: SerializedJob; archived: boolean } | null> {
    const live = this.live.get(id);
    if (live) return { job: jsonClone(live), archived: false };
    const archived = opts?.archived ? this.archive.get(id) : undefined;
    return archived ? { job: jsonClone(archived), archived: true } : null;
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *listLiveJobIds(): Proc<number[]> {
    return this.sortedLiveIds();
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *archiveJob(id: number): Proc<void> {
    const job = this.live.get(id);
    if (!job) return;
    this.live.delete(id);
    this.archive.set(id, job);
  }

  // biome-ignore lint/correctness/useYield: completes at once (see open).
  *setDrainFlag(drained: boolean): Proc<void> {
    this.drained = drained;
  }

  private sortedLiveIds(): number[] {
    return [...this.live.keys()].sort((a, b) => a - b);
  }
}
