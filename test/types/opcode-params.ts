/**
 * Type-level tests of opcode parameters (`ValidOp`, `src/mcpu/opcodes.ts`): a logical unit reads
 * its opcode's parameters with the types of their checks, and an LU is registered only for its
 * own opcode. Every line after a `@ts-expect-error` must fail to compile (see
 * `test/unit/architecture/type-tests.test.ts`). The file is never run.
 */
import type { LogicalUnit, LuEnv, LuLog } from '../../src/mcpu/logical-unit.js';
import { LUInstanceStartup } from '../../src/mcpu/lus/instance-power.js';
import { LUNodeAdd } from '../../src/mcpu/lus/node.js';
import type { ValidOp } from '../../src/mcpu/opcodes.js';

export function reading(op: ValidOp<'OP_INSTANCE_REBOOT'>, evac: ValidOp<'OP_NODE_EVACUATE'>): string {
  const name: string = op.instance_name;
  const timeout: number = op.shutdown_timeout;
  // @ts-expect-error TS2322 a parameter read as another type
  const asNumber: number = op.instance_name;
  // @ts-expect-error TS2367 a reboot type outside the catalogue's `TElemOf`
  if (op.reboot_type === 'gentle') return '';
  // @ts-expect-error TS2322 a maybe-parameter (`TMaybe`) is null when not given
  const remote: string = evac.remote_node;
  void [timeout, asNumber, remote];
  return name;
}

type LuClassOf<Id extends 'OP_INSTANCE_STARTUP' | 'OP_NODE_REMOVE'> = new (
  op: ValidOp<Id>,
  env: LuEnv,
  log: LuLog,
) => LogicalUnit;

export const startup: LuClassOf<'OP_INSTANCE_STARTUP'> = LUInstanceStartup;
// @ts-expect-error TS2322 an LU registered for another opcode than its own
export const misfiled: LuClassOf<'OP_NODE_REMOVE'> = LUNodeAdd;
