/**
 * Reading the durable queue's trace events (`src/jqueue/disk-job-store.ts`,
 * `src/cluster/noded.ts`, `src/jqueue/job-queue.ts`, the cluster's client) for the durability
 * checkers. Subjects are `job/<id>` or `job/<id>/op/<i>`.
 */
export function jobIdOfSubject(subject: string): number | null {
  const m = /^job\/(\d+)(?:\/|$)/.exec(subject);
  return m ? Number(m[1]) : null;
}

/** `1:queued,2:success` (from `queue.open`) as a map; `?` marks an unreadable file. */
export function parseLiveJobs(text: string): Map<number, string> {
  const out = new Map<number, string>();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const [id, status] = part.split(':');
    out.set(Number(id), status ?? '?');
  }
  return out;
}

export function parseIds(text: string): Set<number> {
  if (text === '') return new Set();
  return new Set(text.split(',').map(Number));
}
