/**
 * Named mutants: historical bugs of Ganeti and libvirt that can be switched back on, one by one,
 * to prove that the search finds real bugs (`../shared/spec/mutants.md`). All are off by default.
 *
 * A system under test receives a `MutantSet` explicitly in its options (no global switch) and
 * tests `mutants.has('name')` at the single place the historical code differed; that place
 * carries a comment `MUTANT(name): ...` describing the bug, so `grep MUTANT\(` lists them all.
 * When no mutant is on, `has` is a lookup in an empty set: the cost is one branch.
 */

export const MUTANT_NAMES = [
  'queue-lock-held-during-lu',
  'depmgr-notify-under-lock',
  'lu-waits-for-children',
  'lockset-unsorted-all',
  'lockset-add-partial',
  'sharedlock-late-sharers-join',
  'lock-wait-ignores-priority',
  'cancel-checked-once',
  'write-after-final',
  'dependency-cancel-ignored',
  'running-not-persisted',
  'restart-from-opcode-zero',
  'serial-off-by-one',
  'noded-skips-queue-lock',
  'release-all-leases',
  'release-without-kill',
  'acquire-after-resume',
  'lease-release-noop',
] as const;

export type MutantName = (typeof MUTANT_NAMES)[number];

export function isMutantName(s: string): s is MutantName {
  return (MUTANT_NAMES as readonly string[]).includes(s);
}

export class MutantSet {
  static readonly none = new MutantSet([]);
  private readonly on: ReadonlySet<MutantName>;

  constructor(names: readonly MutantName[]) {
    this.on = new Set(names);
  }

  static of(...names: MutantName[]): MutantSet {
    return new MutantSet(names);
  }

  has(name: MutantName): boolean {
    return this.on.has(name);
  }

  list(): MutantName[] {
    return MUTANT_NAMES.filter((n) => this.on.has(n));
  }
}
