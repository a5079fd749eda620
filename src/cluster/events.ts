/**
 * The simulated cluster's own trace events: its clients, daemons and hypervisor
 * (`TraceEvents`, `src/sim/ports.ts`, says how events are declared and read).
 */
import type { JobStatus } from '../jqueue/constants.js';
import type { DiskErrorCode } from '../sim/ports.js';
import type { LockObjState } from './hypervisor/domain.js';

declare module '../sim/ports.js' {
  interface TraceEvents {
    // The LUXI client (`luxi-client.ts`). Subjects: `job/<id>`, `submission/<index>`, `client`.
    /** The master acknowledged the job's submission. */
    'client.ack': [];
    'client.submit-failed': [message: string];
    /** The client saw the job end with `status`. */
    'client.final': [status: JobStatus];
    /** The client is done; `pending` jobs never ended. */
    'client.done': [pending: number];

    // Daemons (`masterd.ts`, `noded.ts`, `durable-cluster.ts`). Subject: the node.
    'masterd.ready': [];
    'masterd.not-master': [master: string];
    /** The master daemon stopped on a queue error (Ganeti's fail-stop). */
    'masterd.fail-stop': [reason: string];
    'noded.ready': [];
    'noded.prepare-failed': [message: string];
    'noded.refused': [method: string, message: string];
    /** The node daemon empties its queue directory (before becoming a master candidate). */
    'queue.purge-begin': [];
    'queue.purge': [];
    /** The master moved to this node; `from` was the master before. */
    'cluster.failover': [from: string];
    /** The watcher started a daemon again on this node. */
    'cluster.watcher-restart': [daemon: 'noded' | 'masterd'];

    // The delay executor (`delay-executor.ts`). Subject: the opcode.
    'lu.exec': [opId: string];

    // The hypervisor (`hypervisor/`). Subjects: the domain's name, or the disk's path.
    /** A libvirtd job on the domain ended: `ok` or the libvirt error's name. */
    'hv.op': [node: string, op: string, result: string];
    /** A lock failure libvirt only warns about. */
    'hv.warn': [op: 'ProcessPause' | 'ImageDetach', message: string];
    /** Subject: the disk's path; a hotplug's lock call is about to be made. */
    'hv.image': [qemu: string, pid: number, what: 'attach' | 'detach'];
    /** Subject: the QEMU process (`<domain>/<pid>`); `from` null when the domain is defined. */
    'libvirt.domain': [from: LockObjState | null, to: LockObjState];
    /** Subject: the QEMU process; whether its vCPUs run. */
    'guest.cpus': [state: 'running' | 'stopped'];
    /** Subject: the disk's path; the guest wrote it (mode: how it was attached). */
    'guest.write': [qemu: string, pid: number, mode: 'shared' | 'exclusive'];
    'guest.io-error': [qemu: string, code: DiskErrorCode];
    'guest.detach': [qemu: string, pid: number];
    /** Subject: the QEMU process; resumed from QEMU's side, without libvirt retaking its locks. */
    'guest.unsafe-resume': [pid: number];
  }
}
