/**
 * Opcode inputs as the queue sees them: plain JSON objects with an `OP_ID` and parameters
 * (Ganeti's `OpCode.__getstate__()` form). The base parameters every opcode has are typed; the
 * rest belongs to the logical unit. Spec §5.2, §6.1.
 */
import { type FinalJobStatus, OPCODE_REASON_SRC_OPCODE } from './constants.js';

/** `[job id, [accepted final statuses]]`; an empty list accepts any final status. Negative ids are relative. */
export type JobDependency = [jobId: number, statuses: FinalJobStatus[]];

/** One reason-trail entry: `(source, text, timestamp in ns)`. */
export type ReasonEntry = [source: string, text: string, timestampNs: number];

export interface OpInput {
  /** e.g. `OP_INSTANCE_STARTUP`. */
  readonly OP_ID: string;
  /** Submission priority; one of `OP_PRIO_SUBMIT_VALID`. Missing means `OP_PRIO_DEFAULT`. */
  priority?: number;
  /** Chained-job dependencies (`opcodes_base.DEPEND_ATTR`); rewritten in place for relative ids. */
  depends?: JobDependency[] | null;
  comment?: string | null;
  debug_level?: number;
  reason?: ReasonEntry[];
  dry_run?: boolean;
  [param: string]: unknown;
}

/** Summary prefixes `TinySummary` shortens (`opcodes_base._SUMMARY_PREFIX`). */
const SUMMARY_PREFIX: readonly (readonly [string, string])[] = [
  ['CLUSTER_', 'C_'],
  ['GROUP_', 'G_'],
  ['NODE_', 'N_'],
  ['INSTANCE_', 'I_'],
];

function opName(op: OpInput): string {
  if (!op.OP_ID.startsWith('OP_') || op.OP_ID.length <= 3) throw new Error(`invalid OP_ID '${op.OP_ID}'`);
  return op.OP_ID.slice(3);
}

/**
 * `OpCode.Summary()`: the OP_ID without `OP_`, plus the value of the opcode's description field
 * (`OP_DSC_FIELD`, a class attribute in Ganeti, hence a parameter here) in parentheses.
 */
export function opSummary(op: OpInput, dscField?: string): string {
  const text = opName(op);
  if (!dscField) return text;
  const value = op[dscField];
  const shown = Array.isArray(value) ? value.map(String).join(',') : value === undefined ? 'None' : String(value);
  return `${text}(${shown})`;
}

/** `OpCode.TinySummary()`: e.g. `I_STARTUP` for `OP_INSTANCE_STARTUP`; used in worker thread names. */
export function opTinySummary(op: OpInput): string {
  const text = opName(op);
  for (const [prefix, short] of SUMMARY_PREFIX) {
    if (text.startsWith(prefix)) return short + text.slice(prefix.length);
  }
  return text;
}

/**
 * Reason source of a queued opcode: `gnt:opcode:` and the opcode class name's words in lower case
 * joined by `_`, the `Op` prefix included (`opcodes_base.NameToReasonSrc`), e.g.
 * `gnt:opcode:op_instance_startup` for `OpInstanceStartup` (`OP_INSTANCE_STARTUP`).
 */
export function opReasonSource(op: OpInput): string {
  return `${OPCODE_REASON_SRC_OPCODE}:op_${opName(op).toLowerCase()}`;
}

/** A deep copy of an opcode input through JSON, as Ganeti's `__getstate__`/`LoadOpCode` round trip does. */
export function cloneOpInput(op: OpInput): OpInput {
  return JSON.parse(JSON.stringify(op)) as OpInput;
}
