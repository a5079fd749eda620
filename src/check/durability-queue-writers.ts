/**
 * MX: the queue directory is never written by two processes at once. Every writer of a node's
 * queue directory — the master daemon for its whole life, a node daemon for each job-queue RPC —
 * must hold that node's queue lock file (`queue/lock`) exclusively while it writes (seed 000,
 * "Node Daemon Locking"). A write (`disk.write`, `disk.append`, `disk.rename`, `disk.unlink`)
 * under the queue directory by a process that does not hold the lock is a violation: another
 * holder may be writing the same files at that moment.
 */

import { QUEUE_DIR, queuePaths } from '../jqueue/storage-paths.js';
import type { Checker } from './checker.js';

const WRITES = new Set(['disk.write', 'disk.append', 'disk.rename', 'disk.unlink']);

export function queueWritersChecker(queueDir: string = QUEUE_DIR): Checker {
  const lockPath = queuePaths(queueDir).lock;
  const prefix = `${queueDir}/`;
  /** Exclusive holder of the queue lock, per disk. */
  const holder = new Map<string, string>();
  return {
    name: 'MX-queue-dir',
    onEvent(r, ctx) {
      if (r.kind === 'disk.flock' && r.subject === lockPath) {
        const [disk, label, mode, result] = r.fields;
        if (mode === 'exclusive' && (result === 'granted' || result === 'held') && typeof disk === 'string') {
          holder.set(disk, String(label));
        }
        return;
      }
      if (r.kind === 'disk.funlock' && r.subject === lockPath) {
        const [disk, label] = r.fields;
        if (typeof disk === 'string' && holder.get(disk) === label) holder.delete(disk);
        return;
      }
      if (!WRITES.has(r.kind) || !r.subject.startsWith(prefix)) return;
      const [disk, label] = r.fields;
      if (typeof disk !== 'string') return;
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
