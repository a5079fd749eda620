/**
 * MX: the queue directory is never written by two processes at once. Every writer of a node's
 * queue directory — the master daemon for its whole life, a node daemon for each job-queue RPC —
 * must hold that node's queue lock file (`queue/lock`) exclusively while it writes (seed 000,
 * "Node Daemon Locking"). A write (`disk.write`, `disk.append`, `disk.rename`, `disk.unlink`)
 * under the queue directory by a process that does not hold the lock is a violation: another
 * holder may be writing the same files at that moment.
 */

import { QUEUE_DIR, queuePaths } from '../jqueue/storage-paths.js';
import { isEvent, isEventIn } from '../sim/events.js';
import type { Checker } from './checker.js';

const WRITES = new Set(['disk.write', 'disk.append', 'disk.rename', 'disk.unlink'] as const);

export function queueWritersChecker(queueDir: string = QUEUE_DIR): Checker {
  const lockPath = queuePaths(queueDir).lock;
  const prefix = `${queueDir}/`;
  /** Exclusive holder of the queue lock, per disk. */
  const holder = new Map<string, string>();
  return {
    name: 'MX-queue-dir',
    onEvent(r, ctx) {
      if (isEvent(r, 'disk.flock') && r.subject === lockPath) {
        const [disk, label, mode, result] = r.fields;
        if (mode === 'exclusive' && (result === 'granted' || result === 'held')) holder.set(disk, String(label));
        return;
      }
      if (isEvent(r, 'disk.funlock') && r.subject === lockPath) {
        const [disk, owner] = r.fields;
        if (holder.get(disk) === owner) holder.delete(disk);
        return;
      }
      if (!isEventIn(r, WRITES) || !r.subject.startsWith(prefix)) return;
      const [disk, label] = r.fields;
      const owner = holder.get(disk);
      if (owner !== String(label)) {
        ctx.violation(
          'MX',
          `${String(label)} wrote ${r.subject} on ${disk} without holding the queue lock` +
            (owner ? ` (held by ${owner})` : ''),
          [`${disk}:${lockPath}`],
        );
      }
    },
  };
}
