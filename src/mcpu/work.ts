/**
 * The simulated work of a logical unit: what Ganeti does over RPC to the nodes (start a VM,
 * migrate memory, create disks) reduced to a duration in virtual time and an optional failure,
 * both drawn from the runtime's `workload` random stream, so that a run's work is fixed by its
 * seed and its schedule and changing the schedule stream never shifts it.
 *
 * Failures are off unless a profile asks for them: with no fault injected every job must end in
 * success (a property the explorer checks).
 */
import { OpExecError } from '../jqueue/errors.js';
import type { Proc, Rng, Runtime } from '../sim/ports.js';

/** Duration and failure odds of one kind of step (`startup`, `migrate`, ...). */
export interface WorkProfile {
  /** Virtual µs, drawn uniformly in `[minUs, maxUs]`. */
  readonly minUs: number;
  readonly maxUs: number;
  /** Failure odds `num/den` (none when absent). */
  readonly failure?: { readonly num: number; readonly den: number };
}

/** Default durations: order-of-magnitude guesses for RPC-bound work; no failures. */
export const DEFAULT_WORK_PROFILES: Readonly<Record<string, WorkProfile>> = {
  verify: { minUs: 50_000, maxUs: 200_000 },
  startup: { minUs: 100_000, maxUs: 500_000 },
  shutdown: { minUs: 100_000, maxUs: 400_000 },
  reboot: { minUs: 200_000, maxUs: 800_000 },
  migrate: { minUs: 500_000, maxUs: 2_000_000 },
  failover: { minUs: 300_000, maxUs: 1_500_000 },
  create: { minUs: 1_000_000, maxUs: 3_000_000 },
  remove: { minUs: 200_000, maxUs: 600_000 },
  'disk-add': { minUs: 200_000, maxUs: 800_000 },
  'disk-remove': { minUs: 100_000, maxUs: 400_000 },
  'node-add': { minUs: 300_000, maxUs: 900_000 },
  'node-remove': { minUs: 200_000, maxUs: 500_000 },
  evacuate: { minUs: 20_000, maxUs: 80_000 },
  'group-assign': { minUs: 20_000, maxUs: 60_000 },
  'network-connect': { minUs: 20_000, maxUs: 60_000 },
  query: { minUs: 5_000, maxUs: 20_000 },
};

export type WorkProfiles = Readonly<Record<string, WorkProfile>>;

export class SimulatedWork {
  private readonly rng: Rng;
  private readonly profiles: WorkProfiles;

  constructor(
    private readonly rt: Runtime,
    overrides: Partial<WorkProfiles> = {},
  ) {
    this.rng = rt.rng('workload');
    this.profiles = { ...DEFAULT_WORK_PROFILES, ...overrides } as WorkProfiles;
  }

  /**
   * Spends the step's drawn duration; throws `OpExecError(failMessage)` when its failure is drawn.
   * An unknown step kind costs nothing (a scheduling point only).
   */
  *step(kind: string, failMessage: string): Proc<void> {
    const profile = this.profiles[kind];
    if (!profile) {
      yield* this.rt.yieldNow();
      return;
    }
    const us = profile.minUs >= profile.maxUs ? profile.minUs : this.rng.between(profile.minUs, profile.maxUs);
    const fails = profile.failure !== undefined && this.rng.chance(profile.failure.num, profile.failure.den);
    yield* this.rt.sleep(us);
    if (fails) throw new OpExecError(failMessage);
  }

  /** A uniform pick from a non-empty list (the simulated iallocator's choices). */
  pick<T>(items: readonly T[]): T {
    return this.rng.pick(items);
  }
}
