/**
 * CRASH: every acknowledged job exists after a restart or failover, with the status the recovery
 * table allows (spec §5.11).
 *
 * A job is acknowledged when the client got its id (`client.ack job/<id>`). When a master opens
 * the queue on a node (`queue.open`), every acknowledged job must be there, live or archived.
 * Beyond that, the checker keeps each node's durable queue as the writers reported it
 * (`queue.persist` from the master and the node daemons, `queue.persist-archive`,
 * `queue.purge-begin`): a job durably written on that node must be found with the status written,
 * or with that of a write begun after it (`queue.persist-begin`: a process crash keeps the page
 * cache, so an unfinished write may still be seen); a crash may lose only what was never durable. Then the new master's first write of each job must follow
 * the recovery table: a `waiting` job becomes `queued`; a `running` or `canceling` one becomes
 * `error` ("Unclean master daemon shutdown"); a queued or finalized one is not rewritten by
 * recovery.
 *
 * Failover relies on the replica being complete: the scenario fails over only to a master
 * candidate that missed no replication (Ganeti leaves that check to the administrator).
 */

import { type EventRecord, isEvent } from '../sim/events.js';
import type { CheckContext, Checker } from './checker.js';
import { jobIdOfSubject, parseIds, parseLiveJobs } from './durability-events.js';

interface NodeQueue {
  /** Last durable status of each live job. */
  readonly live: Map<number, string>;
  /** Status of a write begun and not (yet) reported durable: a crash may leave either version. */
  readonly inFlight: Map<number, string>;
  readonly archived: Set<number>;
}

const RECOVERED_TO: Readonly<Record<string, string>> = {
  waiting: 'queued',
  running: 'error',
  canceling: 'error',
};

export function acknowledgedJobsChecker(): Checker {
  const acked = new Set<number>();
  const nodes = new Map<string, NodeQueue>();
  /** Per node: jobs whose next master write is the recovery write, with the status it must have. */
  const recovering = new Map<string, Map<number, { from: string; to: string }>>();
  const queueOf = (node: string): NodeQueue => {
    let q = nodes.get(node);
    if (!q) {
      q = { live: new Map(), inFlight: new Map(), archived: new Set() };
      nodes.set(node, q);
    }
    return q;
  };

  function onOpen(r: EventRecord<'queue.open'>, ctx: CheckContext): void {
    const node = r.subject;
    const [, liveJobs, archivedJobs] = r.fields;
    const live = parseLiveJobs(liveJobs);
    const archived = parseIds(archivedJobs);
    for (const id of [...acked].sort((a, b) => a - b)) {
      if (!live.has(id) && !archived.has(id)) {
        ctx.violation(
          'CRASH',
          `acknowledged job ${id} is lost: not in the queue of ${node} when the master opened it`,
          [`job/${id}`],
        );
        return;
      }
    }
    const q = queueOf(node);
    for (const [id, status] of q.live) {
      const found = live.get(id);
      if (found === status || found === q.inFlight.get(id) || (found === undefined && archived.has(id))) continue;
      ctx.violation(
        'CRASH',
        `job ${id} was durably ${status} on ${node} but the master found it ${found ?? 'missing'} after the restart`,
        [`job/${id}`],
      );
      return;
    }
    const pending = new Map<number, { from: string; to: string }>();
    for (const [id, status] of live) {
      const to = RECOVERED_TO[status];
      if (to) pending.set(id, { from: status, to });
    }
    recovering.set(node, pending);
  }

  return {
    name: 'CRASH-acknowledged',
    onEvent(r, ctx) {
      if (isEvent(r, 'client.ack')) {
        const id = jobIdOfSubject(r.subject);
        if (id !== null) acked.add(id);
      } else if (isEvent(r, 'queue.persist-begin')) {
        const id = jobIdOfSubject(r.subject);
        const [node, status] = r.fields;
        if (id !== null) queueOf(node).inFlight.set(id, String(status));
      } else if (isEvent(r, 'queue.persist')) {
        const id = jobIdOfSubject(r.subject);
        const [node, status, , writer] = r.fields;
        if (id === null) return;
        queueOf(node).live.set(id, String(status));
        queueOf(node).inFlight.delete(id);
        const expect = writer === 'masterd' ? recovering.get(node)?.get(id) : undefined;
        if (expect) {
          recovering.get(node)?.delete(id);
          if (status !== expect.to) {
            ctx.violation(
              'CRASH',
              `recovery turned ${expect.from} job ${id} into ${String(status)} on ${node}, expected ${expect.to}`,
              [r.subject],
            );
          }
        }
      } else if (isEvent(r, 'queue.persist-archive')) {
        const id = jobIdOfSubject(r.subject);
        const [node] = r.fields;
        if (id === null) return;
        const q = queueOf(node);
        q.live.delete(id);
        q.archived.add(id);
      } else if (isEvent(r, 'queue.purge-begin')) {
        queueOf(r.subject).live.clear();
        queueOf(r.subject).inFlight.clear();
      } else if (isEvent(r, 'queue.open')) {
        onOpen(r, ctx);
      }
    },
  };
}
