/**
 * CRASH: no job id is handed out twice, before or after a restart or failover. A job is created
 * when its `job.status` record has no previous status (`QueuedJob`'s constructor; loading a job
 * file is not a creation); a second creation with the same id means the serial was reused and
 * the first job's file was (or will be) overwritten.
 */
import { isEvent } from '../sim/events.js';
import type { Checker } from './checker.js';
import { jobIdOfSubject } from './durability-events.js';

export function uniqueJobIdsChecker(): Checker {
  const created = new Map<number, number>();
  return {
    name: 'CRASH-job-ids',
    onEvent(r, ctx) {
      if (!isEvent(r, 'job.status') || r.fields[0] !== null) return;
      const id = jobIdOfSubject(r.subject);
      if (id === null) return;
      const first = created.get(id);
      if (first !== undefined) {
        ctx.violation('CRASH', `job id ${id} handed out twice (first at step ${first}, again at step ${r.step})`, [
          r.subject,
        ]);
        return;
      }
      created.set(id, r.step);
    },
  };
}
