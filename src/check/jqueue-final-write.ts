/**
 * LST (job files): once a job's file was written with a final status it is never written again
 * (Ganeti 6ea72e436, 66bd7445e: "if the job status is final, this is the final write allowed;
 * once the file has been written, it can be archived anytime"). A second write would change a
 * finalized job, or bring an archived job's file back into the queue. Read from `jqueue.write
 * job/<id> <status> <replicated>` and `jqueue.archive job/<id>`.
 */

import { isFinalJobStatus, type JobStatus } from '../jqueue/constants.js';
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';

export function finalWriteChecker(): Checker {
  /** Jobs whose final state was written, and whether they were archived since. */
  const done = new Map<string, { status: JobStatus; archived: boolean }>();
  return {
    name: 'LST:job-file',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      if (isEvent(r, 'jqueue.archive')) {
        const d = done.get(r.subject);
        if (d) d.archived = true;
        return;
      }
      if (!isEvent(r, 'jqueue.write')) return;
      const [status] = r.fields;
      const prev = done.get(r.subject);
      if (prev) {
        const what = prev.archived ? 'after it was archived (the file is back in the queue)' : 'after its final write';
        ctx.violation('LST', `${r.subject} was written again (${status}) ${what} as ${prev.status}`, [r.subject]);
        return;
      }
      if (isFinalJobStatus(status)) done.set(r.subject, { status, archived: false });
    },
  };
}
