/**
 * The real opcode processor (`src/mcpu`) for a master daemon on the durable cluster: each master
 * daemon incarnation builds its own lock manager (locks are memory of the process and die with
 * it) and its view of the cluster configuration, and runs every opcode through
 * `mcpu.Processor` with the logical-unit catalogue. The configuration is rebuilt from the same
 * shape at each start: the queue's durability, not the configuration's, is what this cluster
 * exercises.
 */

import { ClusterConfig, type ClusterShape } from '../config/cluster-config.js';
import type { OpExecutorFactory } from '../jqueue/op-executor.js';
import { LockManager } from '../locking/index.js';
import { processorFactory } from '../mcpu/processor.js';
import { SimulatedWork } from '../mcpu/work.js';
import type { MutantSet } from '../mutants/registry.js';
import type { World } from '../sim/ports.js';

export function mcpuExecutorFactory(shape: ClusterShape, mutants: MutantSet): (world: World) => OpExecutorFactory {
  return (world) => {
    const cfg = ClusterConfig.build(shape);
    const glm = LockManager.create(
      world,
      {
        nodes: cfg.getNodeList(),
        nodeGroups: cfg.getNodeGroupList(),
        instances: cfg.getInstanceList(),
        networks: cfg.getNetworkList(),
      },
      { mutants },
    );
    return processorFactory({ env: { rt: world, glm, cfg, work: new SimulatedWork(world, {}) }, mutants });
  };
}
