/**
 * DEP: an opcode with dependencies runs only after each of them finished with an accepted status
 * (spec §6.2–6.3). A dependency is accepted when its job is final and either its status is listed
 * or the list is empty — except `canceled`, which must be listed explicitly (a cancelled
 * dependency cancels the dependent instead). Job statuses come from `job.status` events (archived
 * jobs keep theirs); the opcode's absolute dependencies come with `jqueue.exec.start` as
 * `id:status|status;id:`.
 */

import { isFinalJobStatus, type JobStatus } from '../jqueue/constants.js';
import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';

export interface ParsedDependency {
  readonly jobId: string;
  readonly statuses: readonly string[];
}

/** Parses the `deps` field of `jqueue.exec.start`. */
export function parseDependencies(text: string): ParsedDependency[] {
  if (text === '') return [];
  return text.split(';').map((part) => {
    const [jobId = '', list = ''] = part.split(':');
    return { jobId, statuses: list === '' ? [] : list.split('|') };
  });
}

/** Whether a dependency that ended (or not) with `status` lets the dependent run. */
export function dependencyAccepted(status: string | undefined, wanted: readonly string[]): boolean {
  if (!isFinalJobStatus(status)) return false;
  if (status === 'canceled') return wanted.includes('canceled');
  return wanted.length === 0 || wanted.includes(status);
}

export function dependencyOrderChecker(): Checker {
  const status = new Map<string, JobStatus>();
  return {
    name: 'DEP',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      if (isEvent(r, 'job.status')) {
        const [, to] = r.fields;
        status.set(r.subject, to);
        return;
      }
      if (!isEvent(r, 'jqueue.exec.start')) return;
      const [depends] = r.fields;
      for (const dep of parseDependencies(depends)) {
        const subject = `job/${dep.jobId}`;
        const st = status.get(subject);
        if (dependencyAccepted(st, dep.statuses)) continue;
        const wanted = dep.statuses.length === 0 ? 'any final status' : dep.statuses.join(', ');
        ctx.violation(
          'DEP',
          `opcode ${r.subject} runs although its dependency ${subject} is ${st ?? 'unknown'} (wanted ${wanted})`,
          [r.subject, subject],
        );
      }
    },
  };
}
