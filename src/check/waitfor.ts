/**
 * Naming a deadlock: from the wait-for edges at the end of a stuck run (party waits for
 * resource held by parties), find a cycle of parties. Parties are threads or jobs; resources are
 * locks, job dependencies or worker slots, so one cycle can cross all three.
 */
import type { WaitForEdge } from '../../scenarios/scenario.js';

export interface WaitCycle {
  /** Parties in cycle order: parties[i] waits for resources[i], held by parties[i+1]. */
  readonly parties: readonly string[];
  readonly resources: readonly string[];
}

export function findWaitCycle(edges: readonly WaitForEdge[]): WaitCycle | null {
  const out = new Map<string, Array<{ resource: string; holder: string }>>();
  for (const e of edges) {
    const list = out.get(e.waiter) ?? [];
    for (const h of e.holders) list.push({ resource: e.resource, holder: h });
    out.set(e.waiter, list);
  }
  // Iterative DFS in a fixed order (parties sorted) so the reported cycle is deterministic.
  const state = new Map<string, 'open' | 'done'>();
  const parties = [...out.keys()].sort();
  for (const start of parties) {
    if (state.has(start)) continue;
    const path: Array<{ party: string; next: number; via: string }> = [{ party: start, next: 0, via: '' }];
    state.set(start, 'open');
    while (path.length > 0) {
      const top = path[path.length - 1] as { party: string; next: number; via: string };
      const succ = out.get(top.party) ?? [];
      if (top.next >= succ.length) {
        state.set(top.party, 'done');
        path.pop();
        continue;
      }
      const { resource, holder } = succ[top.next++] as { resource: string; holder: string };
      top.via = resource;
      const s = state.get(holder);
      if (s === 'open') {
        const from = path.findIndex((p) => p.party === holder);
        const cyc = path.slice(from);
        return { parties: cyc.map((p) => p.party), resources: cyc.map((p) => p.via) };
      }
      if (s === undefined) {
        state.set(holder, 'open');
        path.push({ party: holder, next: 0, via: '' });
      }
    }
  }
  return null;
}

export function describeCycle(c: WaitCycle): string {
  return c.parties
    .map((p, i) => `${p} waits for ${c.resources[i]} held by ${c.parties[(i + 1) % c.parties.length]}`)
    .join('; ');
}
