/**
 * Wait-for edges as the lock manager reports them: who waits, for which lock (or other resource
 * such as a job), and who it waits for. The `LockMonitor` gathers them from its providers; the
 * deadlock reporter (`src/check/wait-for.ts`) finds and names cycles in them. The shapes are
 * plain data, so any system (the libvirt lock daemons too) can report edges of the same shape
 * without importing the lock manager.
 *
 * A blocked waiter of a `SharedLock` waits for the owners whose mode conflicts with its own and —
 * because nobody barges past the queue — for every waiter queued ahead of it; at the head of the
 * queue it waits for every owner (only their release wakes it).
 */
import type { ThreadRef } from '../sim/ports.js';

/** A party in the graph: a thread (`thread:<id>`) or something else (e.g. `job:<id>`). */
export interface WaitNode {
  /** Unique key within one graph. */
  readonly key: string;
  /** Human-readable name (thread name, `job/42`). */
  readonly label: string;
}

export function threadNode(t: ThreadRef): WaitNode {
  return { key: `thread:${t.id}`, label: t.name };
}

/** `waiter` waits for `resource` (a lock name such as `node/n1`, or `job/<id>`). */
export interface WaitForEdge {
  readonly waiter: WaitNode;
  readonly resource: string;
  /** Requested mode (`shared`, `exclusive`, or e.g. `job`). */
  readonly mode: string;
  /** Holders of the resource whose release the waiter waits for. */
  readonly owners: readonly WaitNode[];
  /** Waiters queued ahead of this one (they are served first: no barging). */
  readonly ahead: readonly WaitNode[];
}

export interface WaitForGraph {
  readonly edges: readonly WaitForEdge[];
}
