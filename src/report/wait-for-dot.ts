/**
 * The wait-for graph of a deadlock as DOT: parties (threads, jobs) as ellipses, resources (locks,
 * jobs waited on) as boxes; `waits` edges from a party to what it waits for, `held by` edges from
 * a resource to its owners, dashed `queued behind` edges to waiters served first. The cycle that
 * makes it a deadlock is drawn in red.
 */
import type { WaitCycle } from '../check/finding.js';
import type { WaitForGraph, WaitNode } from '../check/wait-for.js';
import { edgeLine, graphHeader, nodeLine } from './dot.js';

const RED = '#c62828';
const GREY = '#707070';

/** The graph as drawn: derived from the full wait-for graph when there is one, else from the cycle alone. */
export function waitForDot(title: string, graph: WaitForGraph | undefined, cycle: WaitCycle | undefined): string {
  const g: WaitForGraph = graph ?? graphFromCycle(cycle);
  const onCycle = new Set<string>();
  if (cycle) {
    cycle.parties.forEach((p, i) => {
      const r = cycle.resources[i] as string;
      const next = cycle.parties[(i + 1) % cycle.parties.length] as string;
      onCycle.add(`${p}|${r}`);
      onCycle.add(`${r}|${next}`);
    });
  }
  const parties = new Map<string, WaitNode>();
  const resources: string[] = [];
  const seen = new Set<string>();
  const addParty = (n: WaitNode) => {
    if (!parties.has(n.key)) parties.set(n.key, n);
  };
  for (const e of g.edges) {
    addParty(e.waiter);
    e.owners.forEach(addParty);
    e.ahead.forEach(addParty);
    if (!seen.has(e.resource)) {
      seen.add(e.resource);
      resources.push(e.resource);
    }
  }
  const partyOnCycle = new Set(cycle?.parties ?? []);
  const resourceOnCycle = new Set(cycle?.resources ?? []);
  const lines = graphHeader('wait-for', { rankdir: 'LR', label: title, labelloc: 't' });
  for (const p of parties.values()) {
    const red = partyOnCycle.has(p.label);
    lines.push(
      nodeLine(`p:${p.key}`, {
        label: p.label,
        shape: 'ellipse',
        color: red ? RED : undefined,
        fontcolor: red ? RED : undefined,
        penwidth: red ? 2 : undefined,
        class: red ? 'party on-cycle' : 'party',
      }),
    );
  }
  for (const r of resources) {
    const red = resourceOnCycle.has(r);
    lines.push(
      nodeLine(`r:${r}`, {
        label: r,
        shape: 'box',
        style: 'filled',
        fillcolor: red ? '#fde0dc' : '#f2f2f2',
        color: red ? RED : undefined,
        class: red ? 'resource on-cycle' : 'resource',
      }),
    );
  }
  const drawn = new Set<string>();
  const edge = (from: string, to: string, key: string, label: string, dashed: boolean) => {
    if (drawn.has(`${from}->${to}`)) return;
    drawn.add(`${from}->${to}`);
    const red = onCycle.has(key);
    lines.push(
      edgeLine(from, to, {
        label,
        color: red ? RED : GREY,
        fontcolor: red ? RED : GREY,
        penwidth: red ? 2.5 : undefined,
        style: dashed ? 'dashed' : undefined,
        class: red ? 'on-cycle' : undefined,
      }),
    );
  };
  for (const e of g.edges) {
    edge(`p:${e.waiter.key}`, `r:${e.resource}`, `${e.waiter.label}|${e.resource}`, `waits (${e.mode})`, false);
    for (const o of e.owners) edge(`r:${e.resource}`, `p:${o.key}`, `${e.resource}|${o.label}`, 'held by', false);
    for (const a of e.ahead)
      edge(`p:${e.waiter.key}`, `p:${a.key}`, `${e.resource}|${a.label}`, `queued behind on ${e.resource}`, true);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function graphFromCycle(cycle: WaitCycle | undefined): WaitForGraph {
  if (!cycle) return { edges: [] };
  const node = (label: string): WaitNode => ({ key: label, label });
  return {
    edges: cycle.parties.map((p, i) => ({
      waiter: node(p),
      resource: cycle.resources[i] as string,
      mode: 'waits',
      owners: [node(cycle.parties[(i + 1) % cycle.parties.length] as string)],
      ahead: [],
    })),
  };
}
