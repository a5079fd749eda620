/**
 * DEP: an opcode with dependencies runs only after each of them finished with an accepted status
 * (spec §6.2–6.3). A dependency is accepted when its job is final and either its status is listed
 * or the list is empty — except `canceled`, which must be listed explicitly (a cancelled
 * dependency cancels the dependent instead). Job statuses come from `job.status` events (archived
 * jobs keep theirs); the opcode's absolute dependencies come with `jqueue.exec.start` as
 * `id:status|status;id:`.
 */

import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';

const FINAL: ReadonlySet<string> = new Set(['canceled', 'success', 'error']);

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
  if (status === undefined || !FINAL.has(status)) return false;
  if (status === 'canceled') return wanted.includes('canceled');
  return wanted.length === 0 || wanted.includes(status);
}

export function dependencyOrderChecker(): Checker {
  const status = new Map<string, string>();
  return {
    name: 'DEP',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      if (r.kind === 'job.status') {
        const to = r.fields[1];
        if (typeof to === 'string') status.set(r.subject, to);
        return;
      }
      if (r.kind !== 'jqueue.exec.start') return;
      for (const dep of parseDependencies(String(r.fields[0] ?? ''))) {
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
