/**
 * The clients of a Ganeti workload: one thread per submission that submits its jobs
 * (`SubmitJob`, or `SubmitManyJobs` for several), runs each job's client action (cancel, change
 * priority) a while later and waits for every job it submitted to end; and watchers that follow
 * one job with LUXI `WaitForJobChange` calls as `gnt-job watch` does (spec §5.13, Ganeti's
 * `cli.GenericPollJob`), each call with a timeout, until the job is finalized or canceling, gone,
 * or the watcher gives up.
 *
 * A call that meets a dead master daemon fails (`MasterDaemonDown`): a submission that failed so
 * leaves nothing to wait for (its jobs, if the master wrote them, still run after the restart),
 * an action is dropped, a watcher calls again.
 *
 * Trace, for a later lost-wake-up check (with the queue's `jqueue.watch-armed` and
 * `jqueue.watch-woken`): `watch.call job/<id> <watcher> <status seen before> <timeout µs>` when a
 * watcher calls, and `watch.return job/<id> <watcher> changed|nochange|gone|failed <status>` when
 * the call returns.
 */
import { MasterDaemonDown, type MemoryCluster } from '../../src/cluster/memory-cluster.js';
import { JOB_STATUS_CANCELING, JOBS_FINALIZED } from '../../src/jqueue/constants.js';
import { GenericError } from '../../src/jqueue/errors.js';
import type { JobChanges } from '../../src/jqueue/job-changes.js';
import type { OpInput } from '../../src/jqueue/opcode.js';
import type { Proc } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';

export interface ClientAction {
  readonly kind: 'cancel' | 'priority';
  /** Virtual µs after the submission. */
  readonly afterUs: number;
  readonly priority?: number;
}

export interface WatchSpec {
  /** Index of the watched job in its submission (modulo the jobs the submission got). */
  readonly job: number;
  /** Timeout of each `WaitForJobChange` call, µs (gnt-job's is 29 s). */
  readonly timeoutUs: number;
}

/** Job statuses that end `gnt-job watch` (cli.GenericPollJob). */
const STOPS_WATCH: ReadonlySet<string> = new Set([...JOBS_FINALIZED, JOB_STATUS_CANCELING]);

/** Calls that returned "nochange" before a watcher gives up (a user pressing ^C). */
export const WATCH_PATIENCE = 8;

/** Submits `jobs`; returns the ids the client got back (none when the call failed). */
export function* submit(cluster: MemoryCluster, jobs: readonly (readonly OpInput[])[]): Proc<number[]> {
  try {
    if (jobs.length === 1) {
      // Ganeti refuses a job with relative dependencies here (they need SubmitManyJobs).
      return [yield* cluster.submitJob(jobs[0] as OpInput[])];
    }
    const ids: number[] = [];
    for (const [ok, id] of yield* cluster.submitManyJobs(jobs)) if (ok) ids.push(id as number);
    return ids;
  } catch (e) {
    if (e instanceof MasterDaemonDown || e instanceof GenericError) return [];
    throw e;
  }
}

/** Cancels the job or changes its priority `action.afterUs` from now. */
export function* act(world: SimWorld, cluster: MemoryCluster, id: number, action: ClientAction): Proc<void> {
  yield* world.sleep(action.afterUs);
  try {
    if (action.kind === 'cancel') yield* cluster.cancelJob(id);
    else yield* cluster.changeJobPriority(id, action.priority ?? 0);
  } catch (e) {
    if (!(e instanceof MasterDaemonDown)) throw e;
  }
}

/** `gnt-job watch`: `WaitForJobChange` on `['status']` until the job ends (see the module header). */
export function* watchJob(
  world: SimWorld,
  cluster: MemoryCluster,
  name: string,
  id: number,
  timeoutUs: number,
): Proc<void> {
  const subject = `job/${id}`;
  let prev: unknown[] | null = null;
  let prevLogSerial: number | null = null;
  let patience = WATCH_PATIENCE;
  while (patience > 0) {
    const seen = prev === null ? null : String(prev[0]);
    world.emit('watch.call', subject, name, seen, timeoutUs);
    let r: JobChanges | 'nochange' | null;
    try {
      r = yield* cluster.waitForJobChange(id, ['status'], prev, prevLogSerial, timeoutUs);
    } catch (e) {
      if (!(e instanceof MasterDaemonDown)) throw e;
      world.emit('watch.return', subject, name, 'failed', seen);
      patience--;
      continue;
    }
    if (r === null) {
      world.emit('watch.return', subject, name, 'gone', seen);
      return;
    }
    if (r === 'nochange') {
      world.emit('watch.return', subject, name, 'nochange', seen);
      patience--;
      continue;
    }
    const [info, log]: JobChanges = r;
    const status = String(info[0]);
    world.emit('watch.return', subject, name, 'changed', status);
    // Ganeti's `GenericPollJob`: a reply with log entries only advances the log serial; otherwise
    // a final or canceling job ends the watch (WaitForJobChange returns at once for those).
    const last = log.at(-1);
    if (last) prevLogSerial = Math.max(prevLogSerial ?? 0, last[0] as number);
    else if (STOPS_WATCH.has(status)) return;
    prev = info;
  }
}
