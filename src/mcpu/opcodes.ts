/**
 * Opcode definitions (`lib/opcodes.py`, v2.10, reduced to the catalogue we simulate): each
 * opcode's parameters with defaults and type checks, its result check (`OP_RESULT`) and whether a
 * logical unit executes it (`WITH_LU`). `validateOpCode` is `OpCode.Validate(True)`: required
 * parameters must be present, defaults are filled in and every value is type-checked, with
 * Ganeti's messages.
 */
import { OP_PRIO_DEFAULT, OP_PRIO_SUBMIT_VALID } from '../jqueue/constants.js';
import { OpPrereqError } from '../jqueue/errors.js';
import { cloneOpInput, type JobDependency, type OpInput, type ReasonEntry } from '../jqueue/opcode.js';
import { DEFAULT_SHUTDOWN_TIMEOUT, ECODE_INVAL, INSTANCE_CREATE, NODE_EVAC_MODES, REBOOT_TYPES } from './constants.js';
import {
  TAny,
  TBool,
  TDict,
  TElemOf,
  TJobIdListOnly,
  TListOf,
  TMaybe,
  TNonEmptyString,
  TNone,
  TNonNegativeInt,
  TNumber,
  TQueryResult,
  TString,
  type TypeCheck,
} from './ht.js';

/** `ht.NoDefault`: the parameter is required. */
export const NO_DEFAULT: unique symbol = Symbol('NoDefault');

/** One parameter: its name, its default (or `NO_DEFAULT`) and its check, whose type it has. */
export interface OpParam<N extends string = string, T = unknown> {
  readonly name: N;
  /** Default value (copied when filled in), or `NO_DEFAULT`. */
  readonly default: T | typeof NO_DEFAULT;
  readonly test: TypeCheck<T>;
}

export interface OpDef<Id extends string = string, Ps extends readonly OpParam[] = readonly OpParam[]> {
  readonly OP_ID: Id;
  readonly params: Ps;
  /** `OP_RESULT`, or null when the result is not checked. */
  readonly result: TypeCheck | null;
  /** `WITH_LU`: false for opcodes only used by tests (`OpTestDummy`). */
  readonly withLu: boolean;
}

const p = <const N extends string, T>(name: N, dflt: NoInfer<T> | typeof NO_DEFAULT, test: TypeCheck<T>) =>
  ({ name, default: dflt, test }) as OpParam<N, T>;

/** `OpCode.OP_PARAMS` of the base class: every opcode has these. */
export const BASE_PARAMS = [
  p('dry_run', null, TMaybe(TBool)),
  p('debug_level', null, TMaybe(TNonNegativeInt)),
  p('priority', OP_PRIO_DEFAULT, TElemOf([...OP_PRIO_SUBMIT_VALID].sort((a, b) => a - b))),
  p('depends', null, TMaybe(TListOf(TAny))),
  p('comment', null, TMaybe(TString)),
  p('reason', [], TListOf(TAny)),
] as const;

const instanceName = p('instance_name', NO_DEFAULT, TNonEmptyString);
const nodeName = p('node_name', NO_DEFAULT, TNonEmptyString);
const shutdownTimeout = p('shutdown_timeout', DEFAULT_SHUTDOWN_TIMEOUT, TNonNegativeInt);
const maybeName = TMaybe(TNonEmptyString);

function def<const Id extends string, const Ps extends readonly OpParam[]>(
  OP_ID: Id,
  params: Ps,
  result: TypeCheck | null,
  withLu = true,
): OpDef<Id, Ps> {
  return { OP_ID, params, result, withLu };
}

/**
 * The catalogue. Each parameter's type is its check's (`TMaybe(TNonEmptyString)`: `string |
 * null`), and `OpParams` derives every opcode's parameter types from here, so LUs read them typed.
 */
export const OPCODES = [
  def('OP_CLUSTER_VERIFY', [p('error_codes', false, TBool)], TBool),
  def('OP_INSTANCE_STARTUP', [instanceName, p('force', false, TBool)], TNone),
  def('OP_INSTANCE_SHUTDOWN', [instanceName, p('timeout', DEFAULT_SHUTDOWN_TIMEOUT, TNonNegativeInt)], TNone),
  def(
    'OP_INSTANCE_REBOOT',
    [instanceName, p('reboot_type', NO_DEFAULT, TElemOf(REBOOT_TYPES)), shutdownTimeout],
    TNone,
  ),
  def(
    'OP_INSTANCE_MIGRATE',
    [instanceName, p('target_node', null, maybeName), p('cleanup', false, TBool), p('iallocator', null, maybeName)],
    TNone,
  ),
  def(
    'OP_INSTANCE_FAILOVER',
    [instanceName, p('target_node', null, maybeName), p('iallocator', null, maybeName), shutdownTimeout],
    TNone,
  ),
  def(
    'OP_INSTANCE_CREATE',
    [
      instanceName,
      p('mode', INSTANCE_CREATE, TElemOf([INSTANCE_CREATE])),
      p('disk_template', NO_DEFAULT, TElemOf(['drbd', 'plain', 'sharedfile'])),
      p('disks', NO_DEFAULT, TListOf(TDict)),
      p('pnode', null, maybeName),
      p('snode', null, maybeName),
      p('iallocator', null, maybeName),
      p('opportunistic_locking', false, TBool),
      p('nics', [], TListOf(TDict)),
    ],
    TListOf(TNonEmptyString),
  ),
  def(
    'OP_INSTANCE_SET_PARAMS',
    [
      instanceName,
      // `[[DDM_ADD, {size}], [DDM_REMOVE, {}]]` (the only modifications simulated).
      p('disks', [], TListOf(TListOf(TAny))),
      p('hotplug', false, TBool),
    ],
    TListOf(TListOf(TAny)),
  ),
  def('OP_INSTANCE_REMOVE', [instanceName, p('ignore_failures', false, TBool), shutdownTimeout], TNone),
  def('OP_NODE_ADD', [nodeName, p('group', null, maybeName), p('master_candidate', false, TBool)], TNone),
  def('OP_NODE_REMOVE', [nodeName], TNone),
  def(
    'OP_NODE_EVACUATE',
    [
      nodeName,
      p('mode', NO_DEFAULT, TElemOf(NODE_EVAC_MODES)),
      p('remote_node', null, maybeName),
      p('iallocator', null, maybeName),
      p('early_release', false, TBool),
    ],
    TJobIdListOnly,
  ),
  def(
    'OP_GROUP_ASSIGN_NODES',
    [
      p('group_name', NO_DEFAULT, TNonEmptyString),
      p('nodes', NO_DEFAULT, TListOf(TNonEmptyString)),
      p('force', false, TBool),
    ],
    TNone,
  ),
  def(
    'OP_NETWORK_CONNECT',
    [
      p('group_name', NO_DEFAULT, TNonEmptyString),
      p('network_name', NO_DEFAULT, TNonEmptyString),
      p('network_mode', NO_DEFAULT, TElemOf(['bridged', 'routed', 'openvswitch'])),
      p('network_link', NO_DEFAULT, TString),
      p('conflicts_check', true, TBool),
    ],
    TNone,
  ),
  def(
    'OP_QUERY',
    [
      p('what', NO_DEFAULT, TElemOf(['node', 'instance'])),
      p('fields', NO_DEFAULT, TListOf(TNonEmptyString)),
      p('use_locking', false, TBool),
    ],
    TQueryResult,
  ),
  def(
    'OP_TEST_DELAY',
    [
      p('duration', NO_DEFAULT, TNumber),
      p('on_master', true, TBool),
      p('on_nodes', [], TListOf(TNonEmptyString)),
      p('repeat', 0, TNonNegativeInt),
    ],
    TNone,
  ),
  def(
    'OP_TEST_DUMMY',
    [p('result', null, TAny), p('messages', null, TAny), p('fail', null, TAny), p('submit_jobs', null, TAny)],
    null,
    false,
  ),
] as const;

/** The parameters of a parameter list, by name, with their checks' types. */
type ParamsOf<Ps extends readonly OpParam[]> = {
  -readonly [P in Ps[number] as P['name']]: P extends OpParam<string, infer T> ? T : never;
};

/** An opcode of the catalogue. */
export type OpId = (typeof OPCODES)[number]['OP_ID'];

/** The parameters every opcode has (`BASE_PARAMS`), as validation leaves them. */
export interface BaseOpParams {
  priority: number;
  dry_run: boolean | null;
  debug_level: number | null;
  comment: string | null;
  depends: JobDependency[] | null;
  reason: ReasonEntry[];
}

/** The parameters of opcode `Id` after `validateOpCode` (required ones present, defaults filled in). */
export type OpParams<Id extends OpId> = ParamsOf<Extract<(typeof OPCODES)[number], { OP_ID: Id }>['params']>;

/** A validated opcode `Id`: what its logical unit reads, each parameter typed. */
export type ValidOp<Id extends OpId> = OpInput & BaseOpParams & OpParams<Id> & { readonly OP_ID: Id };

const BY_ID: ReadonlyMap<string, OpDef> = new Map<string, OpDef>(OPCODES.map((d) => [d.OP_ID, d]));

export function opDef(opId: string): OpDef | null {
  return BY_ID.get(opId) ?? null;
}

/**
 * `OpCode.Validate(True)` on a copy: a missing required parameter is
 * `OpPrereqError("Required parameter '<OP_ID>.<name>' missing", ECODE_INVAL)`, a value failing
 * its check `OpPrereqError("Parameter '<OP_ID>.<name>' fails validation", ECODE_INVAL)`; missing
 * optional parameters get their defaults. The submitted input is never changed.
 */
export function validateOpCode(op: OpInput, d: OpDef): OpInput {
  const out = cloneOpInput(op);
  for (const param of [...BASE_PARAMS, ...d.params]) {
    if (!Object.hasOwn(out, param.name) || out[param.name] === undefined) {
      if (param.default === NO_DEFAULT) {
        throw new OpPrereqError(`Required parameter '${d.OP_ID}.${param.name}' missing`, ECODE_INVAL);
      }
      out[param.name] = JSON.parse(JSON.stringify(param.default)) as unknown;
    }
    if (!param.test(out[param.name])) {
      throw new OpPrereqError(`Parameter '${d.OP_ID}.${param.name}' fails validation`, ECODE_INVAL);
    }
  }
  return out;
}
