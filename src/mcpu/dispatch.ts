/**
 * `Processor.DISPATCH_TABLE`: opcode -> logical unit. Ganeti builds it by name (`Op<X>` ->
 * `LU<X>`); here it is spelled out, and `TestDispatchTable` checks that every opcode with an LU
 * has one and that exactly the whitelisted LUs take the BGL exclusively.
 */
import type { LogicalUnit, LuClass, LuEnv, LuLog } from './logical-unit.js';
import { LUClusterVerify, LUQuery, LUTestDelay } from './lus/cluster-query.js';
import { LUGroupAssignNodes, LUNetworkConnect } from './lus/group-network.js';
import { LUInstanceCreate, LUInstanceRemove } from './lus/instance-lifecycle.js';
import { LUInstanceFailover, LUInstanceMigrate } from './lus/instance-move.js';
import { LUInstanceReboot, LUInstanceShutdown, LUInstanceStartup } from './lus/instance-power.js';
import { LUInstanceSetParams } from './lus/instance-set-params.js';
import { LUNodeAdd, LUNodeEvacuate, LUNodeRemove } from './lus/node.js';
import type { OpId, ValidOp } from './opcodes.js';

/** The class of opcode `Id`'s LU: its constructor takes that opcode, validated. */
type LuClassOf<Id extends OpId> = LuClass & (new (op: ValidOp<Id>, env: LuEnv, log: LuLog) => LogicalUnit);

/** Every opcode with an LU, with its class; the compiler checks each class takes its opcode. */
const LUS: { readonly [Id in Exclude<OpId, 'OP_TEST_DUMMY'>]: LuClassOf<Id> } = {
  OP_CLUSTER_VERIFY: LUClusterVerify,
  OP_INSTANCE_STARTUP: LUInstanceStartup,
  OP_INSTANCE_SHUTDOWN: LUInstanceShutdown,
  OP_INSTANCE_REBOOT: LUInstanceReboot,
  OP_INSTANCE_MIGRATE: LUInstanceMigrate,
  OP_INSTANCE_FAILOVER: LUInstanceFailover,
  OP_INSTANCE_CREATE: LUInstanceCreate,
  OP_INSTANCE_REMOVE: LUInstanceRemove,
  OP_INSTANCE_SET_PARAMS: LUInstanceSetParams,
  OP_NODE_ADD: LUNodeAdd,
  OP_NODE_REMOVE: LUNodeRemove,
  OP_NODE_EVACUATE: LUNodeEvacuate,
  OP_GROUP_ASSIGN_NODES: LUGroupAssignNodes,
  OP_NETWORK_CONNECT: LUNetworkConnect,
  OP_QUERY: LUQuery,
  OP_TEST_DELAY: LUTestDelay,
};

export const DISPATCH_TABLE: ReadonlyMap<string, LuClass> = new Map<string, LuClass>(Object.entries(LUS));

/**
 * Opcodes whose LU takes the BGL exclusively (`REQ_BGL_WHITELIST` of Ganeti's mcpu test, reduced
 * to the simulated catalogue, plus cluster verification, see `LUClusterVerify`).
 */
export const REQ_BGL_WHITELIST: ReadonlySet<string> = new Set(['OP_CLUSTER_VERIFY', 'OP_NODE_ADD', 'OP_NODE_REMOVE']);
