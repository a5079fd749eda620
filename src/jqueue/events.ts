/**
 * The job queue's trace events (`TraceEvents`, `src/sim/ports.ts`, says how events are declared
 * and read). Subjects: `job/<id>` for jobs, `job/<id>/op/<index>` for opcodes, the pool's name or
 * the worker's for the worker pool, the node for the queue's storage.
 */
import type { DiskErrorCode, RpcFailure } from '../sim/ports.js';
import type { JobStatus, OpStatus } from './constants.js';
import type { JobQueueRpcMethod } from './storage-rpc.js';

/** Which daemon wrote a job file: the master's queue, or a node daemon replicating it. */
export type QueueWriter = 'masterd' | 'noded';

declare module '../sim/ports.js' {
  interface TraceEvents {
    // Jobs and opcodes (`queued-job.ts`). `from` is null when the job is created or loaded.
    'job.status': [from: JobStatus | null, to: JobStatus];
    // Watches of a job's changes (`job-changes.ts`), subject `job/<id>`, with the job's change
    // version: a watch is armed, and its wait ends by a change or by its timeout.
    'jqueue.watch-armed': [version: number];
    'jqueue.watch-woken': [by: 'change' | 'timeout', version: number];
    'opcode.status': [from: OpStatus | null, to: OpStatus];
    'job.log': [serial: number, logType: string];

    // The worker pool (`worker-pool.ts`). Subject: the pool's name (`pool.create`, `pool.add`,
    // `pool.reprioritize`) or the worker's (`pool.defer`, `pool.pick`). `seq` orders tasks of
    // equal priority; `taskId` is null for a task without an id.
    'pool.create': [];
    'pool.add': [taskId: number | null, priority: number, seq: number];
    'pool.reprioritize': [taskId: number, priority: number, seq: number];
    'pool.defer': [taskId: number | null, priority: number];
    'pool.pick': [taskId: number | null, priority: number, seq: number];

    // The queue (`job-queue.ts`, `job-processor.ts`). Subject: the job, or the opcode.
    'jqueue.submit': [priority: number];
    'jqueue.submit.failed': [message: string];
    'jqueue.archive': [];
    /** The queue wrote the job's file; `replicate` whether it went to the other nodes too. */
    'jqueue.write': [status: JobStatus, replicate: boolean];
    /** An opcode starts; `depends` is its dependencies as `id:status|status;...`. */
    'jqueue.exec.start': [depends: string];
    'jqueue.exec.end': [status: OpStatus];

    // The queue's storage (`disk-job-store.ts`, `storage-rpc.ts`; `noded` in `src/cluster`).
    /** Subject: the node. `live` is `id:status,...`, `archived` the archived ids. */
    'queue.open': [serial: number, live: string, archived: string, drained: boolean];
    /** A job file was read; a missing one reads `null, false`. */
    'queue.read': [node: string, status: JobStatus | null, archived: boolean];
    'queue.corrupt': [node: string, archived: boolean];
    /** Subject: the node added; `node` is the master that added it. */
    'queue.node-added': [node: string, complete: boolean];
    /** Subject: the node that persisted the serial. */
    'queue.persist-serial': [serial: number];
    /** A job file is about to be written (`status` null: a file that does not parse). */
    'queue.persist-begin': [node: string, status: JobStatus | null];
    /** A job file was written durably, by the master's queue or a node daemon. */
    'queue.persist': [node: string, status: JobStatus | null, contentHash: number, writer: QueueWriter];
    'queue.persist-archive': [node: string];
    /** Subject: the path; `attempt` counts the retries. */
    'queue.write-error': [node: string, code: DiskErrorCode | 'error', attempt: number];
    /** Subject: the node; the queue stopped (Ganeti's fail-stop on a storage error). */
    'queue.fatal': [message: string];
    /** Subject: the node called. */
    'queue.rpc': [method: JobQueueRpcMethod, result: RpcFailure | 'ok', message: string | null];
    /** Subject: the method; more than half of the nodes failed. */
    'queue.rpc-majority-failed': [failed: number];
  }
}
