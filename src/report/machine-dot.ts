/**
 * DOT for a lifecycle model: the machine itself (every transition an edge, labelled with its
 * event and guard; final states double-bordered), the same machine with a search's coverage
 * drawn over it, and the path one object took through it up to a failure.
 *
 * The overlays group transitions by (from, to): the trace records status changes, not the event
 * that caused them, so counts and paths are known per pair of states. A pair reached by two
 * events is one edge labelled with both.
 */
import type { ModelEntry } from '../../models/index.js';
import { attrs, edgeLine, graphHeader, nodeLine, quote } from './dot.js';
import { type MachineGraph, type MachineState, type MachineTransition, machineGraph } from './machine-graph.js';

const START = '__start__';
const COLOR_TAKEN = '#1f5fbf';
const COLOR_NEVER = '#a0a0a0';
const COLOR_FAIL = '#c62828';
const FILL_FAIL = '#fde0dc';
const FILL_UNREACHED = '#eeeeee';

function transitionLabel(t: MachineTransition): string {
  return t.guard ? `${t.eventLabel} [${t.guard}]` : t.eventLabel;
}

function isCluster(s: MachineState): boolean {
  return s.kind === 'compound' || s.kind === 'parallel';
}

/** The node an edge into or out of `id` attaches to: a cluster's initial leaf. */
function anchorOf(g: MachineGraph, id: string): string {
  let cur = id;
  for (;;) {
    const children = g.states.filter((s) => s.parent === cur);
    if (children.length === 0) return cur;
    cur = (children.find((s) => s.initial) ?? (children[0] as MachineState)).id;
  }
}

export interface StateStyle {
  readonly label?: string;
  readonly attrs?: Readonly<Record<string, string | number | undefined>>;
}

/** Lines for the states, nested states as clusters; `style` adds to a leaf's default look. */
function stateLines(g: MachineGraph, style: (s: MachineState) => StateStyle, parent: string | null, indent: string) {
  const lines: string[] = [];
  for (const s of g.states.filter((x) => x.parent === parent)) {
    if (isCluster(s)) {
      lines.push(`${indent}subgraph ${quote(`cluster_${s.id}`)} {`);
      lines.push(
        `${indent}  graph${attrs({ label: s.name, style: 'rounded', ...(s.kind === 'parallel' ? { style: 'rounded,dashed' } : {}) })};`,
      );
      lines.push(...stateLines(g, style, s.id, `${indent}  `));
      lines.push(`${indent}}`);
      continue;
    }
    const st = style(s);
    lines.push(
      nodeLine(
        s.id,
        {
          label: st.label ?? s.name,
          shape: 'box',
          style: 'rounded',
          peripheries: s.kind === 'final' ? 2 : undefined,
          tooltip: s.description,
          ...st.attrs,
          // Overlays add classes (`reached`, `visited`) to the state's own.
          class: ['state', s.kind === 'final' ? 'final' : '', st.attrs?.class ?? ''].filter((c) => c).join(' '),
        },
        indent,
      ),
    );
  }
  return lines;
}

function startLines(g: MachineGraph, a: Readonly<Record<string, string | number | undefined>> = {}): string[] {
  const first = g.states.find((s) => s.parent === null && s.initial);
  if (!first) return [];
  return [
    nodeLine(START, { shape: 'point', width: 0.15, label: '' }),
    edgeLine(START, anchorOf(g, first.id), { class: 'start', ...a }),
  ];
}

function header(model: ModelEntry, g: MachineGraph, title: string): string[] {
  const compound = g.states.some(isCluster);
  return graphHeader(model.id, {
    rankdir: 'LR',
    label: title,
    labelloc: 't',
    compound: compound ? 'true' : undefined,
  });
}

function clusterEnds(g: MachineGraph, from: string, to: string) {
  const fromState = g.states.find((s) => s.id === from);
  const toState = g.states.find((s) => s.id === to);
  return {
    from: anchorOf(g, from),
    to: anchorOf(g, to),
    ltail: fromState && isCluster(fromState) ? `cluster_${from}` : undefined,
    lhead: toState && isCluster(toState) ? `cluster_${to}` : undefined,
  };
}

/** The machine: every transition is one edge `EVENT` or `EVENT [guard]`. */
export function machineDot(model: ModelEntry): string {
  const g = machineGraph(model.machine);
  const lines = header(model, g, `${model.title} (${model.id})`);
  lines.push(...stateLines(g, () => ({}), null, '  '));
  lines.push(...startLines(g));
  for (const t of g.transitions) {
    const e = clusterEnds(g, t.from, t.to);
    lines.push(
      edgeLine(e.from, e.to, {
        label: transitionLabel(t),
        tooltip: t.description,
        style: t.internal ? 'dashed' : undefined,
        ltail: e.ltail,
        lhead: e.lhead,
        class: 'transition',
      }),
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Transitions grouped by (from, to), in the machine's order. */
interface PairEdge {
  readonly from: string;
  readonly to: string;
  readonly labels: readonly string[];
}

function pairsOf(g: MachineGraph): PairEdge[] {
  const out = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const t of g.transitions) {
    const key = `${t.from}->${t.to}`;
    const p = out.get(key);
    if (p) p.labels.push(transitionLabel(t));
    else out.set(key, { from: t.from, to: t.to, labels: [transitionLabel(t)] });
  }
  return [...out.values()];
}

/**
 * The machine with a search's coverage: each (from, to) pair labelled with how often it was
 * taken, never-taken pairs grey and dashed, never-reached states grey and marked.
 * `counts` is keyed `from->to`, `->to` for creations (as searches record it).
 */
export function coverageDot(model: ModelEntry, counts: Readonly<Record<string, number>>): string {
  const g = machineGraph(model.machine);
  const entered = new Map<string, number>();
  for (const [k, n] of Object.entries(counts)) {
    const to = k.slice(k.indexOf('->') + 2);
    entered.set(to, (entered.get(to) ?? 0) + n);
  }
  const pairs = pairsOf(g);
  const taken = pairs.filter((p) => (counts[`${p.from}->${p.to}`] ?? 0) > 0).length;
  const lines = header(
    model,
    g,
    `${model.title} (${model.id})\ncoverage: ${taken} of ${pairs.length} state changes taken`,
  );
  lines.push(
    ...stateLines(
      g,
      (s) => {
        const n = entered.get(s.id) ?? 0;
        return n > 0
          ? { label: `${s.name}\nentered ${n}x`, attrs: { class: 'reached' } }
          : {
              label: `${s.name}\nnever reached`,
              attrs: {
                style: 'rounded,filled,dashed',
                fillcolor: FILL_UNREACHED,
                color: COLOR_NEVER,
                fontcolor: COLOR_NEVER,
                class: 'unreached',
              },
            };
      },
      null,
      '  ',
    ),
  );
  const first = g.states.find((s) => s.parent === null && s.initial);
  const created = first ? (counts[`->${first.id}`] ?? 0) : 0;
  lines.push(
    ...startLines(g, {
      label: `created ${created}x`,
      color: created > 0 ? COLOR_TAKEN : COLOR_NEVER,
      fontcolor: created > 0 ? COLOR_TAKEN : COLOR_NEVER,
    }),
  );
  for (const p of pairs) {
    const n = counts[`${p.from}->${p.to}`] ?? 0;
    const e = clusterEnds(g, p.from, p.to);
    lines.push(
      edgeLine(e.from, e.to, {
        label: `${p.labels.join('\n')}\n${n}x`,
        color: n > 0 ? COLOR_TAKEN : COLOR_NEVER,
        fontcolor: n > 0 ? COLOR_TAKEN : COLOR_NEVER,
        style: n > 0 ? undefined : 'dashed',
        penwidth: n > 0 ? 1 + Math.min(3, Math.floor(Math.log10(n + 1))) : undefined,
        ltail: e.ltail,
        lhead: e.lhead,
        class: n > 0 ? 'transition taken' : 'transition never-taken',
      }),
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** One status change of an object, as the trace recorded it. */
export interface PathStep {
  /** null: the object was created in `to`. */
  readonly from: string | null;
  readonly to: string;
  readonly step: number;
  /** Whether the machine admits the change (the one that is not is the failure). */
  readonly legal: boolean;
}

/**
 * The path `object` took through the machine: visited states shaded, each change numbered in
 * order with its trace step, and a change the machine does not admit drawn as a red dashed edge
 * marked ILLEGAL (it is the failure, not part of the machine).
 */
export function pathDot(model: ModelEntry, object: string, path: readonly PathStep[]): string {
  const g = machineGraph(model.machine);
  const known = new Set(g.states.map((s) => s.id));
  const visited = new Set(path.map((p) => p.to));
  const last = path[path.length - 1];
  const lines = header(model, g, `${object} on ${model.title} (${model.id})\n${path.length} status changes, in order`);
  lines.push(
    ...stateLines(
      g,
      (s) =>
        visited.has(s.id)
          ? {
              attrs: {
                style: 'rounded,filled',
                fillcolor: FILL_FAIL,
                color: COLOR_FAIL,
                penwidth: last?.to === s.id ? 3 : 1.5,
                class: `visited${last?.to === s.id ? ' last' : ''}`,
              },
            }
          : {},
      null,
      '  ',
    ),
  );
  // A trace may name a state the model lacks (an LST `unknown-state` finding): drawn, in red.
  const unknown = [...new Set(path.flatMap((s) => [s.from ?? START, s.to]))].filter(
    (n) => n !== START && !known.has(n),
  );
  for (const n of unknown) {
    lines.push(
      nodeLine(n, {
        label: `${n}\n(unknown state)`,
        color: COLOR_FAIL,
        fontcolor: COLOR_FAIL,
        shape: 'box',
        class: 'state unknown',
      }),
    );
  }
  const order = new Map<string, string[]>();
  path.forEach((s, i) => {
    const key = `${s.from ?? ''}->${s.to}`;
    const list = order.get(key) ?? [];
    list.push(`#${i + 1} step ${s.step}`);
    order.set(key, list);
  });
  const createdAt = [...(order.get(`->${g.states.find((s) => s.parent === null && s.initial)?.id ?? ''}`) ?? [])];
  lines.push(
    ...startLines(
      g,
      createdAt.length > 0
        ? { label: `created ${createdAt.join(', ')}`, color: COLOR_FAIL, fontcolor: COLOR_FAIL, penwidth: 2 }
        : {},
    ),
  );
  const drawn = new Set<string>();
  for (const p of pairsOf(g)) {
    const key = `${p.from}->${p.to}`;
    drawn.add(key);
    const on = order.get(key);
    const e = clusterEnds(g, p.from, p.to);
    lines.push(
      edgeLine(e.from, e.to, {
        label: on ? `${p.labels.join('\n')}\n${on.join(', ')}` : p.labels.join('\n'),
        color: on ? COLOR_FAIL : COLOR_NEVER,
        fontcolor: on ? COLOR_FAIL : COLOR_NEVER,
        penwidth: on ? 2.5 : undefined,
        ltail: e.ltail,
        lhead: e.lhead,
        class: on ? 'transition on-path' : 'transition',
      }),
    );
  }
  for (const s of path) {
    const key = `${s.from ?? ''}->${s.to}`;
    if (s.legal || drawn.has(key)) continue;
    drawn.add(key);
    lines.push(
      edgeLine(s.from ?? START, s.to, {
        label: `ILLEGAL\n${(order.get(key) ?? []).join(', ')}`,
        color: COLOR_FAIL,
        fontcolor: COLOR_FAIL,
        style: 'dashed',
        penwidth: 3,
        class: 'illegal',
      }),
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
