/**
 * Lock levels of `GanetiLockManager` (Ganeti 2.10/2.11): locks must be acquired in increasing level
 * order, and `LEVELS[i] === i` (code relies on it, and a conformance test checks it). NAL sits after
 * the instances because failover and migration only learn whether they need all nodes after
 * locking the instance.
 */

/**
 * The levels, in acquisition order, one row each: the level's name (singular; also the name of its
 * lock set and the prefix of its locks) and whether its locks can be added and removed at run
 * time. Everything below is derived from this one table.
 */
const LEVEL_TABLE = [
  { name: 'cluster', modifiable: false },
  { name: 'instance', modifiable: true },
  { name: 'node-alloc', modifiable: false },
  { name: 'nodegroup', modifiable: true },
  { name: 'node', modifiable: true },
  { name: 'node-res', modifiable: true },
  { name: 'network', modifiable: true },
] as const;

type LevelRow = { readonly name: string; readonly modifiable: boolean };
export type LevelName = (typeof LEVEL_TABLE)[number]['name'];

/** The row index of level `N` in `T`, as a literal type (`'node'` -> 4). */
type IndexOf<N, T extends readonly LevelRow[] = typeof LEVEL_TABLE, Seen extends unknown[] = []> = T extends readonly [
  infer Row extends LevelRow,
  ...infer Rest extends readonly LevelRow[],
]
  ? Row['name'] extends N
    ? Seen['length']
    : IndexOf<N, Rest, [...Seen, Row]>
  : never;

/** A level: its row's index, so that `LEVELS[i] === i` (code relies on it, and a test checks it). */
export type Level = LevelName extends infer N ? (N extends LevelName ? IndexOf<N> : never) : never;

function levelOf<const N extends LevelName>(name: N): IndexOf<N> {
  // The table's index of `name`, which is what `IndexOf<N>` computes at compile time.
  return LEVEL_TABLE.findIndex((row) => row.name === name) as IndexOf<N>;
}

export const LEVEL_CLUSTER = levelOf('cluster');
export const LEVEL_INSTANCE = levelOf('instance');
export const LEVEL_NODE_ALLOC = levelOf('node-alloc');
export const LEVEL_NODEGROUP = levelOf('nodegroup');
export const LEVEL_NODE = levelOf('node');
export const LEVEL_NODE_RES = levelOf('node-res');
export const LEVEL_NETWORK = levelOf('network');

export const LEVELS: readonly Level[] = LEVEL_TABLE.map((row) => levelOf(row.name));

/** Levels whose locks can be added and removed at run time. */
export const LEVELS_MOD: ReadonlySet<Level> = new Set(LEVELS.filter((l) => LEVEL_TABLE[l].modifiable));

/** Level names, by level. */
// One entry per level by construction, which `fromEntries` cannot express in its type.
export const LEVEL_NAMES = Object.fromEntries(LEVELS.map((l) => [l, LEVEL_TABLE[l].name])) as Readonly<
  Record<Level, LevelName>
>;

/** The Big Ganeti Lock, the only lock of `LEVEL_CLUSTER`. */
export const BGL = 'BGL';

/** The node allocation lock, the only lock of `LEVEL_NODE_ALLOC`. */
export const NAL = 'NAL';

export function isLevel(x: unknown): x is Level {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < LEVEL_TABLE.length;
}
