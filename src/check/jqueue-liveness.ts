/**
 * liveness (jobs): when a run ends on its own (completed or quiescent) every job that was
 * submitted has reached a final status. Meant for runs without faults: a crash legitimately
 * leaves jobs unfinished until the next start-up, and a dependency cycle (which Ganeti does not
 * detect, spec §6.3) never finishes. Jobs whose submission failed (`jqueue.submit.failed`) were
 * never queued and are not counted.
 */

import { isFinalJobStatus, type JobStatus } from '../jqueue/constants.js';
import { isEvent } from '../sim/events.js';
import type { RunResult } from '../sim/kernel.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';

export function jobsFinishChecker(opts: { readonly maxListed?: number } = {}): Checker {
  const status = new Map<string, JobStatus>();
  return {
    name: 'liveness:jobs',
    onEvent(r: TraceRecord) {
      if (isEvent(r, 'job.status')) {
        const [, to] = r.fields;
        status.set(r.subject, to);
      } else if (isEvent(r, 'jqueue.submit.failed')) {
        status.delete(r.subject);
      }
    },
    atEnd(result: RunResult, ctx: CheckContext) {
      if (result.outcome.kind !== 'completed' && result.outcome.kind !== 'quiescent') return;
      const stuck = [...status].filter(([, s]) => !isFinalJobStatus(s)).map(([job, s]) => `${job} (${s})`);
      if (stuck.length === 0) return;
      const max = opts.maxListed ?? 5;
      const listed = stuck.slice(0, max).join(', ') + (stuck.length > max ? `, and ${stuck.length - max} more` : '');
      ctx.violation('liveness', `${stuck.length} job(s) never reached a final status: ${listed}`, stuck.slice(0, max));
    },
  };
}
