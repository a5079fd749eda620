/**
 * The run indices of a search or of one shard of it, produced one at a time and never stored:
 * a search bounded only by time may run any number of runs in flat memory. Shard i of n owns the
 * indices k with k mod n = i - 1, ascending.
 */

export interface Shard {
  /** 1-based, as on the command line (`--shard 2/4`). */
  readonly index: number;
  readonly count: number;
}

/** How many runs of `runs` the shard owns; null when the search has no run limit. */
export function shardRunCount(runs: number | null, shard: Shard | undefined): number | null {
  if (runs === null) return null;
  if (!shard) return runs;
  const first = shard.index - 1;
  return runs > first ? Math.ceil((runs - first) / shard.count) : 0;
}

/** The indices of a shard (or of the whole search), in ascending order, lazily. */
export class RunCursor {
  private k = 0;

  constructor(
    /** Runs of the whole search; null: no limit. */
    private readonly runs: number | null,
    private readonly shard: Shard | undefined,
  ) {}

  /** The next index, or null when the shard has no more. */
  next(): number | null {
    const i = this.shard ? this.shard.index - 1 + this.k * this.shard.count : this.k;
    if (!Number.isSafeInteger(i) || (this.runs !== null && i >= this.runs)) return null;
    this.k++;
    return i;
  }

  /** How many indices `next` has handed out. */
  get taken(): number {
    return this.k;
  }
}
