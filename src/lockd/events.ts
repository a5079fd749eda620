/**
 * The libvirt-style lock drivers' trace events (`TraceEvents`, `src/sim/ports.ts`, says how
 * events are declared and read). `pid` fields are simulated PIDs; `result` fields are `ok` or
 * the libvirt error's name (`VIR_ERR_...`), or sanlock's error text.
 */
import type { DomainLockOp } from './domain-lock.js';
import type { ResourceStateName } from './lockspace.js';

declare module '../sim/ports.js' {
  interface TraceEvents {
    // The domain lock manager (`domain-lock.ts`). Subject: the domain's name.
    'lock.begin': [op: DomainLockOp, pid: number];
    /** `message` only on failure. */
    'lock.op':
      | [op: DomainLockOp, pid: number, result: string]
      | [op: DomainLockOp, pid: number, result: string, message: string];

    // The lockspaces (`lockspace.ts`). Subject: `node:dir/resource`.
    /** A resource changed state; `owners` are the owner PIDs after the change, comma-separated. */
    'libvirt.resource': [from: ResourceStateName, to: ResourceStateName, op: string, owner: number, owners: string];
    /** An acquire found the resource held, in the daemon's table or by a file lock. */
    'lockspace.busy': [owner: number, where: 'table' | 'file'];

    // The lock daemon (`virtlockd.ts`). Subject: the daemon's process label.
    'lockd.call': [proc: string, conn: string, result: string];
    'lockd.register': [conn: string, clientPid: number, ownerPid: number];
    /** A client connection closed; `released` leases of its owner were freed. */
    'lockd.conn-close': [conn: string, clientPid: number, ownerPid: number, released: number];
    /** One tick of killing an owner: the signal sent, `probe`, `ESRCH` (gone) or `gave-up`. */
    'lockd.kill': [pid: number, action: 'SIGTERM' | 'SIGKILL' | 'probe' | 'ESRCH' | 'gave-up', tick: number];
    /** A re-exec; the lock table before and after, rendered. */
    'lockd.reexec': [before: string, after: string];

    // The sanlock daemon (`sanlock-daemon.ts`). Subject: the daemon's label.
    'sanlock.register': [pid: number];
    /** `leases` comma-separated; `result` `ok` or the error. */
    'sanlock.acquire': [pid: number, leases: string, result: string];
    'sanlock.release': [pid: number, leases: string, result: 'ok'];
    'sanlock.renew': [lockspace: string, result: 'ok' | 'fail'];
    'sanlock.lease-lost': [lockspace: string];
    /** How a lease holder is killed: `killpath:<path>`, then SIGTERM, then SIGKILL. */
    'sanlock.kill': [pid: number, how: string];
    /** Subject: the node fenced. */
    'sanlock.fence': [];
  }
}
