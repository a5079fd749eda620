/**
 * CRASH: a finalized job never changes, and an archived job never comes back to the live queue.
 *
 * A job's final state is committed when the queue's write of a finalized status returned
 * (`jqueue.write job/<id> <final status>`, after the local write and its replication): from
 * then on every durable write of that job, on any node (`queue.persist`), must carry the same
 * content. A job is archived when `jqueue.archive` was reported (the rename is done and
 * replicated); from then on no master may find it live when it opens the queue, and nobody may
 * write it to the live queue. A write or archival that a crash interrupted is not committed: the
 * new master may still see the job in its earlier state.
 */
import { isFinalJobStatus } from '../jqueue/constants.js';
import { isEvent } from '../sim/events.js';
import type { Checker } from './checker.js';
import { jobIdOfSubject, parseLiveJobs } from './durability-events.js';

export function finalizedJobsChecker(): Checker {
  /** Content hash of the last job write made by a master, per job. */
  const lastMasterHash = new Map<number, number>();
  const committed = new Map<number, { hash: number; status: string }>();
  const archived = new Set<number>();
  return {
    name: 'CRASH-finalized',
    onEvent(r, ctx) {
      if (isEvent(r, 'queue.persist')) {
        const id = jobIdOfSubject(r.subject);
        if (id === null) return;
        const [node, status, hash, writer] = r.fields;
        if (archived.has(id)) {
          ctx.violation('CRASH', `archived job ${id} was written to the live queue of ${node}`, [r.subject]);
          return;
        }
        const c = committed.get(id);
        if (c && c.hash !== hash) {
          ctx.violation(
            'CRASH',
            `finalized job ${id} (${c.status}) changed: written again as ${String(status)} on ${node}`,
            [r.subject],
          );
          return;
        }
        if (writer === 'masterd') lastMasterHash.set(id, hash);
      } else if (isEvent(r, 'jqueue.write')) {
        const id = jobIdOfSubject(r.subject);
        const hash = id === null ? undefined : lastMasterHash.get(id);
        const [status] = r.fields;
        if (id !== null && hash !== undefined && isFinalJobStatus(status) && !committed.has(id)) {
          committed.set(id, { hash, status });
        }
      } else if (isEvent(r, 'jqueue.archive')) {
        const id = jobIdOfSubject(r.subject);
        if (id !== null) archived.add(id);
      } else if (isEvent(r, 'queue.open')) {
        const [, live] = r.fields;
        for (const id of parseLiveJobs(live).keys()) {
          if (archived.has(id)) {
            ctx.violation('CRASH', `archived job ${id} reappeared in the live queue of ${r.subject}`, [`job/${id}`]);
            return;
          }
        }
      }
    },
  };
}
