/**
 * The wait-for graph of a stuck run and its cycles: who waits, for which resource (a lock, a job,
 * a worker slot, a lease), and whose release it waits for. Systems report edges of this shape
 * (the lock monitor, the dependency manager, the lock daemons); the deadlock reporter finds a
 * cycle with `findWaitCycle` and names it with `formatWaitCycle`.
 */

import type { WaitForEdge, WaitForGraph, WaitNode } from '../locking/wait-for.js';

// The edge shapes are declared where the lock manager reports them; other systems report edges
// of the same shape.
export type { WaitForEdge, WaitForGraph, WaitNode };

/** One step of a cycle: `waiter` waits for `resource`, which `blocker` holds (or is queued ahead on). */
export interface WaitCycleStep {
  readonly waiter: WaitNode;
  readonly resource: string;
  readonly mode: string;
  readonly blocker: WaitNode;
  /** `held`: the blocker owns the resource; `queued`: it waits ahead of the waiter. */
  readonly via: 'held' | 'queued';
}

/**
 * Finds a cycle in the graph, or `null`. Deterministic: waiters are explored in edge order, and
 * owners before waiters queued ahead; the cycle returned starts at its smallest key so that the
 * same deadlock is always named the same way.
 */
export function findWaitCycle(graph: WaitForGraph): WaitCycleStep[] | null {
  const out = new Map<string, WaitCycleStep[]>();
  for (const e of graph.edges) {
    let steps = out.get(e.waiter.key);
    if (!steps) out.set(e.waiter.key, (steps = []));
    for (const o of e.owners) {
      if (o.key !== e.waiter.key)
        steps.push({ waiter: e.waiter, resource: e.resource, mode: e.mode, blocker: o, via: 'held' });
    }
    for (const a of e.ahead) {
      if (a.key !== e.waiter.key) {
        steps.push({ waiter: e.waiter, resource: e.resource, mode: e.mode, blocker: a, via: 'queued' });
      }
    }
  }
  // Iterative DFS with colours: 0 unvisited, 1 on the stack, 2 done.
  const colour = new Map<string, number>();
  for (const start of out.keys()) {
    if (colour.get(start)) continue;
    const path: WaitCycleStep[] = [];
    const stack: Array<{ key: string; next: number }> = [{ key: start, next: 0 }];
    colour.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { key: string; next: number };
      const steps = out.get(top.key) ?? [];
      const step = steps[top.next++];
      if (!step) {
        colour.set(top.key, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const c = colour.get(step.blocker.key) ?? 0;
      if (c === 1) {
        const from = path.findIndex((s) => s.waiter.key === step.blocker.key);
        const cycle = [...(from >= 0 ? path.slice(from) : []), step];
        return rotateToSmallest(cycle);
      }
      if (c === 0) {
        colour.set(step.blocker.key, 1);
        path.push(step);
        stack.push({ key: step.blocker.key, next: 0 });
      }
    }
  }
  return null;
}

function rotateToSmallest(cycle: WaitCycleStep[]): WaitCycleStep[] {
  let best = 0;
  cycle.forEach((s, i) => {
    if (s.waiter.key < (cycle[best] as WaitCycleStep).waiter.key) best = i;
  });
  return [...cycle.slice(best), ...cycle.slice(0, best)];
}

/** `t1 waits for node/n2 (exclusive) held by t2; t2 waits for node/n1 (exclusive) held by t1`. */
export function formatWaitCycle(cycle: readonly WaitCycleStep[]): string {
  return cycle
    .map(
      (s) =>
        `${s.waiter.label} waits for ${s.resource} (${s.mode}) ${s.via === 'held' ? 'held by' : 'queued behind'} ${s.blocker.label}`,
    )
    .join('; ');
}
