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

export interface MutantInfo {
  readonly name: MutantName;
  /** Where the bug comes from. */
  readonly origin: string;
  /** What the mutant does to our implementation. */
  readonly does: string;
  /** The property a search should report. */
  readonly finding: string;
}

/** One line each, paraphrasing `../shared/spec/mutants.md`. */
export const MUTANTS: Readonly<Record<MutantName, Omit<MutantInfo, 'name'>>> = {
  'queue-lock-held-during-lu': {
    origin: 'Ganeti doc/locking, job queue locking',
    does: 'the worker keeps the queue lock while the opcode runs',
    // Our SharedLock, like Ganeti's, refuses a second acquire by its owner, so the LU's first
    // callback fails instead of queueing behind an exclusive waiter: the invariant catches it first.
    finding: 'QLOCK: the queue lock is held while an opcode runs (its callbacks cannot take it)',
  },
  'depmgr-notify-under-lock': {
    origin: 'Ganeti 37d76f1e4 (2011)',
    does: "waiters are re-enqueued while the dependency manager's lock is held",
    finding: 'DF: queue lock / dependency-manager lock cycle',
  },
  'lu-waits-for-children': {
    origin: 'Ganeti design, LU-generated jobs',
    does: 'a logical unit waits for the jobs it submitted while holding its locks and worker',
    finding: 'DF: cycle through worker slots or locks',
  },
  'lockset-unsorted-all': {
    origin: 'Ganeti 71e1863e7 (2010)',
    does: '"all" acquisitions take members in insertion order, not sorted order',
    finding: 'DF: two jobs, opposite member order',
  },
  'lockset-add-partial': {
    origin: 'Ganeti d2aff862c (2008)',
    does: 'LockSet.add is allowed while the caller holds some members but not the set lock',
    finding: 'DF: adder vs whole-set acquirer',
  },
  'sharedlock-late-sharers-join': {
    origin: 'Ganeti 113359fe7 (2011)',
    does: 'a sharer arriving after a shared batch was woken still joins it',
    finding: 'PRIO/STARV: exclusive waiter overtaken',
  },
  'lock-wait-ignores-priority': {
    origin: 'Ganeti 3bd2a4c80 (2014), issue 803',
    does: 'lock waiters are served first-come regardless of priority',
    finding: 'PRIO: higher-priority waiter served after a lower one',
  },
  'cancel-checked-once': {
    origin: 'Ganeti e6e17529e (2014)',
    does: 'cancellation of a waiting job is noticed only when its locks are granted',
    finding: 'LST/liveness: job stuck in canceling',
  },
  'write-after-final': {
    origin: 'Ganeti 6ea72e436 (2010), 66bd7445e (2011)',
    does: 'the processor writes a job again after it became final',
    finding: 'LST/CRASH: finalised job changed or resurrected after archive',
  },
  'dependency-cancel-ignored': {
    origin: 'Ganeti chained-jobs design',
    does: 'a dependent whose dependency was cancelled keeps waiting',
    finding: 'DEP/liveness: dependent never finishes',
  },
  'running-not-persisted': {
    origin: 'Ganeti 271daef86 (2010)',
    does: '"running" is only set in memory',
    finding: 'CRASH: opcode executed twice after a master crash',
  },
  'restart-from-opcode-zero': {
    origin: 'Ganeti f64247416 (2009)',
    does: 'recovery restarts a partially run job at its first opcode',
    finding: 'CRASH/LST: finished opcode re-run',
  },
  'serial-off-by-one': {
    origin: 'Ganeti 3c88bf36e (2011)',
    does: 'submit-many hands out last..last+n-1 instead of last+1..last+n',
    finding: 'CRASH: job id reused, job file overwritten',
  },
  'noded-skips-queue-lock': {
    origin: 'Ganeti doc/locking, node daemon locking',
    does: 'a node daemon writes queue files without holding the queue lock file',
    finding: 'CRASH/MX: two writers on the queue directory',
  },
  'release-all-leases': {
    origin: 'libvirt a58cb1ac4 (2012)',
    does: "releasing one disk's lease releases every lease of the domain",
    finding: 'MX: another domain writes a disk the first still writes',
  },
  'release-without-kill': {
    origin: 'libvirt lock daemon, owner disconnect',
    does: "an owner's leases are freed on disconnect but the process is not killed",
    finding: 'MX: two domains write the same disk',
  },
  'acquire-after-resume': {
    origin: 'libvirt e8f167a62 (2016)',
    does: 'leases are re-acquired after the guest CPUs resume instead of before',
    finding: 'MX: guest writes a disk whose lease another domain holds',
  },
  'lease-release-noop': {
    origin: 'libvirt 8dc93ffad (2013)',
    does: 'the lockd release request names no resource and frees nothing',
    finding: 'LEAK: migration target or resume cannot acquire',
  },
};

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
