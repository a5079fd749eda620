/**
 * The node-daemon RPCs that replicate the job queue (spec §5.10, §5.15), as Ganeti's RPC layer
 * names them, and the fan-out the master uses to send one to every master candidate.
 *
 * Fault model: a call can time out (lost message, partition, node daemon down, a node daemon
 * that waited too long for its queue lock) or fail on the node (`remote-error`). Ganeti logs
 * every failure and goes on ("TODO: Handle failing nodes"); so do we. A timed-out call may
 * still have been executed by the node; the caller cannot tell.
 *
 * Trace: `queue.rpc <target node> <method> ok|<failure> <message>` per node and call, and
 * `queue.rpc-majority-failed <method>` when `successes + 1 < failures` (the +1 is the master).
 */
import type { Net, Proc, Runtime } from '../sim/ports.js';

export const NODED_SERVICE = 'noded';

export const RPC_JOBQUEUE_UPDATE = 'jobqueue_update';
export const RPC_JOBQUEUE_RENAME = 'jobqueue_rename';
export const RPC_JOBQUEUE_PURGE = 'jobqueue_purge';
export const RPC_JOBQUEUE_SET_DRAIN_FLAG = 'jobqueue_set_drain_flag';

export type JobQueueRpcMethod =
  | typeof RPC_JOBQUEUE_UPDATE
  | typeof RPC_JOBQUEUE_RENAME
  | typeof RPC_JOBQUEUE_PURGE
  | typeof RPC_JOBQUEUE_SET_DRAIN_FLAG;

export interface JobQueueUpdateArgs {
  readonly file_name: string;
  readonly content: string;
}

export interface JobQueueRenameArgs {
  /** `(old, new)` pairs, applied in order. */
  readonly rename: readonly (readonly [string, string])[];
}

export interface JobQueueSetDrainFlagArgs {
  readonly drain_flag: boolean;
}

/** `constants.RPC_TMO_URGENT`: the timeout of the job-queue RPCs (60 s). */
export const RPC_TMO_URGENT_US = 60_000_000;

export interface FanOutResult {
  readonly succeeded: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Calls `method` on the node daemon of every node in `nodes` at once (one thread per node, as
 * Ganeti's RPC client issues its HTTP requests in parallel) and waits for all of them.
 */
export function* callNodes(
  rt: Runtime,
  net: Net,
  nodes: readonly string[],
  method: JobQueueRpcMethod,
  payload: unknown,
  timeoutUs: number,
): Proc<FanOutResult> {
  const outcomes = new Map<string, boolean>();
  const done = rt.condition(`queue.rpc.${method}.done`);
  let pending = nodes.length;
  for (const node of nodes) {
    rt.spawn(`rpc:${method}:${node}`, function* () {
      const r = yield* net.call({ node, service: NODED_SERVICE }, method, payload, { timeoutUs });
      outcomes.set(node, r.ok);
      rt.emit('queue.rpc', node, method, r.ok ? 'ok' : r.failure, r.ok ? null : r.message);
      pending--;
      done.notifyAll();
    });
  }
  while (pending > 0) yield* done.wait();
  // In the order the caller gave the nodes, not the order the replies came in.
  const succeeded = nodes.filter((n) => outcomes.get(n) === true);
  const failed = nodes.filter((n) => outcomes.get(n) !== true);
  if (succeeded.length + 1 < failed.length) rt.emit('queue.rpc-majority-failed', method, failed.length);
  return { succeeded, failed };
}
