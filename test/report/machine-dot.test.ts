import { toDirectedGraph } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { MODELS, type ModelEntry } from '../../models/index.js';
import { compileTransitions } from '../../src/check/model-table.js';
import { coverageDot, machineDot, pathDot } from '../../src/report/machine-dot.js';
import { renderSvg } from '../../src/report/svg.js';

/** `from|label|to` of every edge line of a DOT text, the start arrow left out. */
function dotEdges(dot: string): string[] {
  const out: string[] = [];
  for (const line of dot.split('\n')) {
    const m = /^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"(?: \[(.*)\])?;$/.exec(line);
    if (!m || m[1] === '__start__') continue;
    const label = /(?:^|, )label="((?:[^"\\]|\\.)*)"/.exec(m[3] ?? '')?.[1] ?? '';
    out.push(`${m[1]}|${label}|${m[2]}`);
  }
  return out.sort();
}

interface GraphNode {
  readonly edges: readonly {
    source: { path: string[] };
    target: { path: string[] };
    label: { text: string };
    transition: { guard?: unknown };
  }[];
  readonly children: readonly GraphNode[];
}

/** The same edges derived independently, through @xstate/graph's directed graph of the machine. */
function graphEdges(model: ModelEntry): string[] {
  const out: string[] = [];
  const walk = (n: GraphNode) => {
    for (const e of n.edges) {
      const g = e.transition.guard;
      const guard = typeof g === 'string' ? g : (g as { type?: string } | undefined)?.type;
      const label = guard ? `${e.label.text} [${guard}]` : e.label.text;
      out.push(`${e.source.path.join('.')}|${label}|${e.target.path.join('.')}`);
    }
    n.children.forEach(walk);
  };
  walk(toDirectedGraph(model.machine) as unknown as GraphNode);
  return out.sort();
}

describe('machine DOT', () => {
  it.each(MODELS.map((m) => [m.id, m] as const))(
    '%s: every transition of the machine is an edge and there is no edge the machine lacks',
    (_id, model) => {
      const dot = machineDot(model);
      expect(dotEdges(dot)).toEqual(graphEdges(model));
      // Guard-free machines also compile into the checkers' table: the same transitions again.
      let table: ReturnType<typeof compileTransitions> | null = null;
      try {
        table = compileTransitions(model.machine);
      } catch {
        table = null; // guarded or nested: the table refuses it, @xstate/graph covered it above
      }
      if (table) {
        const fromTable = table.edges.map((e) => `${e.from}|${e.event}|${e.to}`).sort();
        expect(dotEdges(dot)).toEqual(fromTable);
      }
    },
  );

  it.each(MODELS.map((m) => [m.id, m] as const))(
    '%s: final states are double-bordered and the initial state has the start arrow',
    (_id, model) => {
      const dot = machineDot(model);
      const root = model.machine.root;
      for (const [name, node] of Object.entries(root.states)) {
        const line = dot.split('\n').find((l) => l.startsWith(`  "${name}" [`));
        expect(line, name).toBeDefined();
        expect(line?.includes('peripheries="2"')).toBe(node.type === 'final');
      }
      expect(dot).toContain(`"__start__" -> "${String(model.machine.config.initial)}"`);
    },
  );

  it('labels guards, delayed and eventless transitions, and draws nested states as clusters', () => {
    const machine = setup({ guards: { canRetry: () => true } }).createMachine({
      id: 'retry',
      initial: 'idle',
      states: {
        idle: {
          on: { GO: [{ target: 'busy', guard: 'canRetry' }, { target: 'failed' }], POKE: {} },
          after: { 1000: 'failed' },
        },
        busy: { initial: 'one', states: { one: { on: { NEXT: 'two' } }, two: { always: { target: '#retry.done' } } } },
        failed: { type: 'final' },
        done: { type: 'final' },
      },
    });
    const model: ModelEntry = { id: 'retry', title: 'Retry', machine };
    const edges = dotEdges(machineDot(model));
    expect(edges).toEqual(
      [
        'idle|GO [canRetry]|busy.one',
        'idle|GO|failed',
        'idle|POKE|idle',
        'idle|after 1000 ms|failed',
        'busy.one|NEXT|busy.two',
        'busy.two|always|done',
      ].sort(),
    );
    const dot = machineDot(model);
    expect(dot).toContain('subgraph "cluster_busy"');
    expect(dot).toMatch(/"idle" -> "busy\.one" \[label="GO \[canRetry\]", lhead="cluster_busy"/);
    expect(dot).toMatch(/"idle" -> "idle" \[label="POKE", style="dashed"/);
  });

  it.each(MODELS.map((m) => [m.id, m] as const))(
    '%s: the SVG has one edge per transition plus the start arrow, byte-identical on a second render',
    async (_id, model) => {
      const dot = machineDot(model);
      const svg = await renderSvg(dot);
      const edges = svg.match(/<g id="edge\d+" class="edge transition"/g) ?? [];
      expect(edges.length).toBe(dotEdges(dot).length);
      expect(svg.match(/<g id="edge\d+" class="edge start"/g)?.length).toBe(1);
      expect(await renderSvg(dot)).toBe(svg);
    },
  );
});

describe('coverage overlay', () => {
  const job = MODELS.find((m) => m.id === 'job-status') as ModelEntry;

  it('labels each state change with its count, greys never-taken ones and marks never-reached states', () => {
    const dot = coverageDot(job, { '->queued': 3, 'queued->waiting': 3, 'waiting->running': 2, 'running->success': 2 });
    expect(dot).toContain('coverage: 3 of 13 state changes taken');
    expect(dot).toMatch(/"queued" -> "waiting" \[label="PICKED\\n3x", color="#1f5fbf"/);
    expect(dot).toMatch(
      /"waiting" -> "queued" \[label="QUEUE_SHUTDOWN\\nMASTER_RESTARTED\\n0x", color="#a0a0a0", fontcolor="#a0a0a0", style="dashed"/,
    );
    expect(dot).toMatch(/"canceling" \[label="canceling\\nnever reached"/);
    expect(dot).toMatch(/"success" \[label="success\\nentered 2x"/);
    expect(dot).toMatch(/"__start__" -> "queued" \[class="start", label="created 3x"/);
  });

  it('an empty coverage draws every state change greyed and every state but none reached', () => {
    const dot = coverageDot(job, {});
    expect(dot).toContain('coverage: 0 of 13 state changes taken');
    expect(dot.match(/class="transition never-taken"/g)?.length).toBe(13);
    expect(dot.match(/never reached/g)?.length).toBe(7);
  });
});

describe('failing path', () => {
  it('draws states the model lacks as red unknown states, each once', () => {
    const dot = pathDot(MODELS.find((m) => m.id === 'job-status') as ModelEntry, 'job/9', [
      { from: null, to: 'queued', step: 1, legal: true },
      { from: 'queued', to: 'limbo', step: 2, legal: false },
      { from: 'limbo', to: 'running', step: 3, legal: false },
    ]);
    expect(dot.match(/class="state unknown"/g)?.length).toBe(1);
    expect(dot).toMatch(/"queued" -> "limbo" \[label="ILLEGAL\\n#2 step 2"/);
    expect(dot).toMatch(/"limbo" -> "running" \[label="ILLEGAL\\n#3 step 3"/);
  });

  const op = MODELS.find((m) => m.id === 'opcode-status') as ModelEntry;

  it('numbers each change on the path with its step and draws the illegal change as an extra red edge', () => {
    const dot = pathDot(op, 'job/3/op/0', [
      { from: null, to: 'queued', step: 1, legal: true },
      { from: 'queued', to: 'waiting', step: 4, legal: true },
      { from: 'waiting', to: 'success', step: 9, legal: false },
    ]);
    expect(dot).toMatch(/"queued" -> "waiting" \[label="PICKED\\n#2 step 4", color="#c62828"/);
    expect(dot).toMatch(/"waiting" -> "success" \[label="ILLEGAL\\n#3 step 9"/);
    const success = dot.split('\n').find((l) => l.startsWith('  "success" ['));
    expect(success).toContain('penwidth="3"');
    expect(success).toContain('class="state final visited last"');
    expect(dot.match(/class="illegal"/g)?.length).toBe(1);
  });
});
