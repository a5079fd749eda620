/**
 * The drawable structure of an xstate machine: its states (nested ones too) and every transition
 * with its event and guard, read straight from the machine's state nodes, so diagrams can never
 * drift from the machines the checkers use.
 *
 * One transition per transition definition: an event with two guarded alternatives gives two
 * transitions, a targetless transition is a self-loop marked `internal`, delayed transitions are
 * labelled `after N ms` and eventless ones `always`.
 */
import type { AnyStateMachine } from 'xstate';

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface MachineState {
  /** Path from the root joined by `.` (`queued`, or `running.busy` when nested). */
  readonly id: string;
  readonly name: string;
  /** Id of the enclosing state, null at the top level. */
  readonly parent: string | null;
  readonly kind: StateKind;
  /** Initial state of its parent (or of the machine). */
  readonly initial: boolean;
  readonly description?: string;
}

export interface MachineTransition {
  readonly from: string;
  readonly to: string;
  /** The event type as xstate knows it (`PICKED`, `xstate.after.1000.job.a`, `` for always). */
  readonly event: string;
  /** What a reader sees: the event, `after 1000 ms` or `always`. */
  readonly eventLabel: string;
  readonly guard?: string;
  /** A targetless transition: the state is not left (drawn as a self-loop). */
  readonly internal: boolean;
  readonly description?: string;
}

export interface MachineGraph {
  readonly id: string;
  /** States in declaration order, parents before children. */
  readonly states: readonly MachineState[];
  readonly transitions: readonly MachineTransition[];
}

/** The parts of xstate's StateNode this module reads (its own types are deeply generic). */
interface NodeLike {
  readonly key: string;
  readonly path: readonly string[];
  readonly type: StateKind;
  readonly description?: string;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly config: { readonly initial?: unknown };
  readonly transitions: ReadonlyMap<string, readonly DefLike[]>;
  readonly always?: readonly DefLike[];
  readonly after: readonly { readonly eventType: string; readonly delay: unknown }[];
}

interface DefLike {
  readonly target?: readonly NodeLike[];
  readonly guard?: unknown;
  readonly description?: string;
}

function guardName(g: unknown): string | undefined {
  if (g === undefined || g === null) return undefined;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') return g.name && g.name !== 'guard' ? g.name : 'inline guard';
  if (typeof g === 'object' && 'type' in g && typeof g.type === 'string') return g.type;
  return 'guard';
}

function eventLabelOf(event: string, delays: ReadonlyMap<string, unknown>): string {
  if (event === '') return 'always';
  const delay = delays.get(event);
  if (delay !== undefined) return typeof delay === 'number' ? `after ${delay} ms` : `after ${String(delay)}`;
  return event;
}

/** Reads the states and transitions of `machine` (pure). */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const states: MachineState[] = [];
  const transitions: MachineTransition[] = [];
  const idOf = (n: NodeLike) => n.path.join('.');
  const visit = (node: NodeLike, parent: NodeLike | null) => {
    const id = idOf(node);
    const initial = parent === null || parent.type === 'parallel' || parent.config.initial === node.key;
    states.push({
      id,
      name: node.key,
      parent: parent && parent.path.length > 0 ? idOf(parent) : null,
      kind: node.type,
      initial,
      ...(node.description ? { description: node.description } : {}),
    });
    const delays = new Map(node.after.map((a) => [a.eventType, a.delay]));
    const add = (event: string, d: DefLike) => {
      const guard = guardName(d.guard);
      const targets = d.target && d.target.length > 0 ? d.target.map(idOf) : [id];
      for (const to of targets) {
        transitions.push({
          from: id,
          to,
          event,
          eventLabel: eventLabelOf(event, delays),
          ...(guard ? { guard } : {}),
          internal: !d.target || d.target.length === 0,
          ...(d.description ? { description: d.description } : {}),
        });
      }
    };
    for (const [event, defs] of node.transitions) for (const d of defs) add(event, d);
    for (const d of node.always ?? []) add('', d);
    for (const child of Object.values(node.states)) visit(child, node);
  };
  const root = machine.root as unknown as NodeLike;
  for (const child of Object.values(root.states)) visit(child, root);
  return { id: machine.id, states, transitions };
}
