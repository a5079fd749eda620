/** The job queue (`lib/jqueue.py`, `lib/workerpool.py` of Ganeti 2.10): public surface. */
export * from './constants.js';
export * from './dependency-manager.js';
export * from './errors.js';
export * from './job-changes.js';
export * from './job-log.js';
export * from './job-store.js';
export * from './lock-port.js';
export * from './mutex.js';
export * from './op-exec-context.js';
export * from './op-executor.js';
export * from './opcode.js';
export * from './queued-job.js';
export * from './queued-opcode.js';
export * from './status.js';
export * from './task-heap.js';
export * from './worker-pool.js';
