/**
 * Reading the durable queue's trace events (`src/jqueue/disk-job-store.ts`,
 * `src/cluster/noded.ts`, `src/jqueue/job-queue.ts`, the cluster's client) for the durability
 * checkers. Subjects are `job/<id>` or `job/<id>/op/<i>`.
 */
import { JOBS_FINALIZED, type JobStatus } from '../jqueue/constants.js';

export function jobIdOfSubject(subject: string): number | null {
  const m = /^job\/(\d+)(?:\/|$)/.exec(subject);
  return m ? Number(m[1]) : null;
}

/** `1:queued,2:success` (from `queue.open`) as a map; `?` marks an unreadable file. */
export function parseLiveJobs(text: unknown): Map<number, string> {
  const out = new Map<number, string>();
  if (typeof text !== 'string' || text === '') return out;
  for (const part of text.split(',')) {
    const [id, status] = part.split(':');
    out.set(Number(id), status ?? '?');
  }
  return out;
}

export function parseIds(text: unknown): Set<number> {
  if (typeof text !== 'string' || text === '') return new Set();
  return new Set(text.split(',').map(Number));
}

export function isFinalized(status: unknown): boolean {
  return typeof status === 'string' && JOBS_FINALIZED.has(status as JobStatus);
}
