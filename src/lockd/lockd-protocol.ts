/**
 * virtlockd's RPC protocol (program 0xEA7BEEF v1, spec §2.1) as it travels over the simulated
 * network. A UNIX-socket connection is modelled by three methods of the `virtlockd` service on
 * the node: `connect` (returns a connection id; the daemon learns the peer process, its
 * `SO_PEERCRED`), `call` (one procedure on a connection) and `close`. A procedure's libvirt error
 * travels as data in the reply, as libvirt's remote error does.
 */
import type { VirErrorData } from './errors.js';

/** `virLockSpaceProtocolOwner`. */
export interface LockdOwner {
  readonly uuid: string;
  readonly name: string;
  readonly id: number;
  readonly pid: number;
}

export type LockdArgs =
  | { readonly proc: 1; readonly owner: LockdOwner; readonly flags: number }
  | { readonly proc: 2; readonly flags: number }
  | { readonly proc: 3; readonly path: string }
  | { readonly proc: 4 | 5; readonly path: string; readonly name: string }
  | { readonly proc: 6 | 7; readonly path: string; readonly name: string; readonly flags: number }
  | { readonly proc: 8; readonly path: string };

export interface LockdConnectReply {
  readonly conn: string;
}

export interface LockdCallRequest {
  readonly conn: string;
  readonly args: LockdArgs;
}

export type LockdCallReply = { readonly ok: true } | { readonly ok: false; readonly error: VirErrorData };

export const LOCKD_PROC_NAMES: Readonly<Record<number, string>> = {
  1: 'REGISTER',
  2: 'RESTRICT',
  3: 'NEW',
  4: 'CREATE_RESOURCE',
  5: 'DELETE_RESOURCE',
  6: 'ACQUIRE_RESOURCE',
  7: 'RELEASE_RESOURCE',
  8: 'CREATE_LOCKSPACE',
};
