/**
 * The client side of a virtlockd connection (`virNetClient` on `/run/libvirt/virtlockd-sock`),
 * opened by the calling thread's process: the daemon learns that process as the peer
 * (`SO_PEERCRED`), which is what decides whether closing the connection releases anything.
 *
 * Transport failures (the daemon is down, crashed mid-call, or restarted and forgot the
 * connection) are `VIR_ERR_SYSTEM_ERROR`, like libvirt's socket errors.
 */
import type { Proc, World } from '../sim/ports.js';
import { LOCKD_SERVICE, LOCKD_SOCKET_PATH, VirErr, VirFrom } from './constants.js';
import { isVirErrorData, systemError, VirError } from './errors.js';
import type { LockdArgs, LockdCallReply, LockdConnectReply } from './lockd-protocol.js';

/** How long a client waits for virtlockd's reply (the socket is local: only a dead daemon is this slow). */
export const LOCKD_CALL_TIMEOUT_US = 1_000_000;

export class LockdConnection {
  private open = true;

  private constructor(
    private readonly world: World,
    private readonly node: string,
    /** Connection id; also stands for the socket FD that libvirt leaks into QEMU. */
    readonly conn: string,
  ) {}

  /** `virNetClientNewUNIX`: connects to the daemon of `node`. */
  static *connect(world: World, node: string): Proc<LockdConnection> {
    const r = yield* world.net.call<LockdConnectReply>(
      { node, service: LOCKD_SERVICE },
      'connect',
      {},
      {
        timeoutUs: LOCKD_CALL_TIMEOUT_US,
      },
    );
    if (!r.ok) throw systemError(VirFrom.RPC, 'ECONNREFUSED', `Failed to connect socket to '${LOCKD_SOCKET_PATH}'`);
    return new LockdConnection(world, node, r.value.conn);
  }

  /** One procedure; a libvirt error in the reply is rethrown as that `VirError`. */
  *call(args: LockdArgs): Proc<void> {
    if (!this.open) throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.RPC, 'client socket is closed');
    const r = yield* this.world.net.call<LockdCallReply>(
      { node: this.node, service: LOCKD_SERVICE },
      'call',
      { conn: this.conn, args },
      { timeoutUs: LOCKD_CALL_TIMEOUT_US },
    );
    if (!r.ok) throw systemError(VirFrom.RPC, 'ECONNRESET', 'Cannot recv data');
    if (!r.value.ok) {
      if (!isVirErrorData(r.value.error)) throw new Error('virtlockd: malformed error reply');
      throw VirError.from(r.value.error);
    }
  }

  /** Closes the connection (errors are ignored, as `virNetClientClose` does). */
  *close(): Proc<void> {
    if (!this.open) return;
    this.open = false;
    yield* this.world.net.call(
      { node: this.node, service: LOCKD_SERVICE },
      'close',
      { conn: this.conn },
      {
        timeoutUs: LOCKD_CALL_TIMEOUT_US,
      },
    );
  }

  /** The connection number as the FD handed to QEMU. */
  fd(): number {
    return Number(this.conn.slice(1));
  }
}
