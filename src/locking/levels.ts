/**
 * Lock levels of `GanetiLockManager` (Ganeti 2.10/2.11): locks must be acquired in increasing level
 * order, and `LEVELS[i] === i` (code relies on it, and a conformance test checks it). NAL sits after
 * the instances because failover and migration only learn whether they need all nodes after
 * locking the instance.
 */

export const LEVEL_CLUSTER = 0;
export const LEVEL_INSTANCE = 1;
export const LEVEL_NODE_ALLOC = 2;
export const LEVEL_NODEGROUP = 3;
export const LEVEL_NODE = 4;
export const LEVEL_NODE_RES = 5;
export const LEVEL_NETWORK = 6;

export type Level =
  | typeof LEVEL_CLUSTER
  | typeof LEVEL_INSTANCE
  | typeof LEVEL_NODE_ALLOC
  | typeof LEVEL_NODEGROUP
  | typeof LEVEL_NODE
  | typeof LEVEL_NODE_RES
  | typeof LEVEL_NETWORK;

export const LEVELS: readonly Level[] = [
  LEVEL_CLUSTER,
  LEVEL_INSTANCE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODEGROUP,
  LEVEL_NODE,
  LEVEL_NODE_RES,
  LEVEL_NETWORK,
];

/** Levels whose locks can be added and removed at run time. */
export const LEVELS_MOD: ReadonlySet<Level> = new Set<Level>([
  LEVEL_NODE_RES,
  LEVEL_NODE,
  LEVEL_NODEGROUP,
  LEVEL_INSTANCE,
  LEVEL_NETWORK,
]);

/** Level names (singular), also the names of the level's lock set and the prefix of its locks. */
export const LEVEL_NAMES: Readonly<Record<Level, string>> = {
  [LEVEL_CLUSTER]: 'cluster',
  [LEVEL_INSTANCE]: 'instance',
  [LEVEL_NODE_ALLOC]: 'node-alloc',
  [LEVEL_NODEGROUP]: 'nodegroup',
  [LEVEL_NODE]: 'node',
  [LEVEL_NODE_RES]: 'node-res',
  [LEVEL_NETWORK]: 'network',
};

/** The Big Ganeti Lock, the only lock of `LEVEL_CLUSTER`. */
export const BGL = 'BGL';

/** The node allocation lock, the only lock of `LEVEL_NODE_ALLOC`. */
export const NAL = 'NAL';

export function isLevel(x: unknown): x is Level {
  return typeof x === 'number' && Number.isInteger(x) && x >= LEVEL_CLUSTER && x <= LEVEL_NETWORK;
}
