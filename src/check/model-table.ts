/**
 * Compiles an xstate machine into a transition table for fast runtime checks. The table is
 * derived from the machine with xstate's pure APIs (`resolveState`, `snapshot.can`,
 * `getNextSnapshot`), never written by hand, so the machine stays the single source of truth.
 *
 * Supported: flat machines (no nested or parallel states) whose transitions do not depend on
 * context (no guards). Anything else is refused with an error naming the machine, because a
 * table could not represent it faithfully.
 */
import { type AnyStateMachine, getNextSnapshot } from 'xstate';

export interface TransitionEdge {
  readonly from: string;
  readonly event: string;
  readonly to: string;
}

export interface TransitionTable {
  readonly id: string;
  readonly initial: string;
  /** Top-level state names in declaration order. */
  readonly states: readonly string[];
  readonly finalStates: ReadonlySet<string>;
  /** Every event type the machine knows, in xstate's order. */
  readonly events: readonly string[];
  /** Every legal (state, event) pair with its target, self-loops included. */
  readonly edges: readonly TransitionEdge[];
  /** The target of `event` in `state`, or undefined when the event is not accepted there. */
  next(state: string, event: string): string | undefined;
  /** Events leading from `from` to `to` (empty: the change is illegal). */
  eventsBetween(from: string, to: string): readonly string[];
  /** Whether some event leads from `from` to `to`. */
  admits(from: string, to: string): boolean;
}

function checkShape(machine: AnyStateMachine): string[] {
  const states = Object.keys(machine.root.states);
  if (states.length === 0) throw new Error(`compileTransitions(${machine.id}): the machine has no states`);
  for (const name of states) {
    const node = machine.root.states[name];
    if (!node || Object.keys(node.states).length > 0 || node.type === 'parallel') {
      throw new Error(`compileTransitions(${machine.id}): state '${name}' is nested or parallel; only flat machines`);
    }
    for (const [event, defs] of node.transitions) {
      if (defs.some((d) => d.guard !== undefined)) {
        throw new Error(
          `compileTransitions(${machine.id}): '${name}' on ${event} has a guard; only guard-free machines`,
        );
      }
    }
  }
  return states;
}

/** A snapshot of `machine` in top-level state `value` (our machines carry no context). */
function resolve(machine: AnyStateMachine, value: string) {
  return machine.resolveState({ value } as Parameters<AnyStateMachine['resolveState']>[0]);
}

/** Builds the table of `machine` (pure; call once and keep the result). */
export function compileTransitions(machine: AnyStateMachine): TransitionTable {
  const states = checkShape(machine);
  const events = [...machine.events].filter((e) => !e.startsWith('xstate.'));
  const finalStates = new Set(states.filter((s) => machine.root.states[s]?.type === 'final'));
  const nextMap = new Map<string, Map<string, string>>();
  const between = new Map<string, string[]>();
  const edges: TransitionEdge[] = [];
  for (const from of states) {
    const snap = resolve(machine, from);
    const row = new Map<string, string>();
    nextMap.set(from, row);
    for (const event of events) {
      const ev = { type: event };
      if (!snap.can(ev)) continue;
      const value = getNextSnapshot(machine, snap, ev).value;
      if (typeof value !== 'string') throw new Error(`compileTransitions(${machine.id}): non-atomic target`);
      row.set(event, value);
      edges.push({ from, event, to: value });
      const key = `${from}\u0000${value}`;
      const list = between.get(key);
      if (list) list.push(event);
      else between.set(key, [event]);
    }
  }
  const initial = resolve(machine, machine.config.initial as string).value;
  if (typeof initial !== 'string') throw new Error(`compileTransitions(${machine.id}): non-atomic initial state`);
  const none: readonly string[] = [];
  return {
    id: machine.id,
    initial,
    states,
    finalStates,
    events,
    edges,
    next: (state, event) => nextMap.get(state)?.get(event),
    eventsBetween: (from, to) => between.get(`${from}\u0000${to}`) ?? none,
    admits: (from, to) => between.has(`${from}\u0000${to}`),
  };
}
