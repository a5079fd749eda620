/**
 * Exhaustive search across runs: the runs of a search that generate the same world (features,
 * parameters and fault plan) explore that world's bounded schedule space together, as one
 * depth-first walk cut into slices. The j-th run of a world (counting the runs of the search in
 * index order) explores slice j: the executions that follow slice j-1, up to the per-run limit
 * (`--max-executions`) or the first failing execution. So a world without parameters, which
 * every run generates, is walked a little further by each run instead of restarting, reaches
 * schedule 5,496 at its eleventh run with the default 500 executions per run, and says when
 * its bounded space is exhausted (later runs of that world then have nothing left to do).
 *
 * Why this design. Results must not depend on the number of workers or shards, and run i must
 * be reproducible alone. Slice j of a world is defined by the world alone (the walk is
 * deterministic), never by who ran slice j-1: a process that has not walked the earlier slices
 * itself walks them again first (their findings belong to the runs that own them). In one
 * process the walk is kept between runs, so one worker pays nothing extra; with several workers
 * or shards, each walks the slices its runs need, so a world walked by many runs gains no speed
 * from more workers (its slices are sequential by nature), while searches over many different
 * worlds scale as before. The alternatives considered: partitioning a world's schedule tree
 * among its runs by prefix lets workers share one world, but the tree's shape is known only by
 * walking it, so the partition either needs the same re-walk or leaves most runs empty-handed.
 * A finding is replayed from its own choice list, so a replay file never needs the walk.
 *
 * Identity of a world: the run's generated features, parameters and faults. Its kernel seed is
 * derived from them (`worldSeed`), not drawn per run, so that two runs of the same parameters
 * are the same world even when the scenario draws from the kernel's random streams; in the
 * exhaustive strategy, variety comes from the parameters, depth from the walk.
 *
 * To know which slice run i owns, the runs below i are generated again (parameters only, no
 * execution), once per process and in order.
 */
import type { Scenario } from '../../scenarios/scenario.js';
import type { MutantSet } from '../mutants/registry.js';
import type { FaultPlan } from '../sim/faults.js';
import { hashString32 } from '../sim/hash.js';
import type { CoverageTable } from './coverage.js';
import { type ExhaustiveBounds, ScheduleWalk } from './exhaustive.js';
import type { RunInput, RunReport } from './run.js';

/** A run's generated world: enabled features, parameters, fault plan. */
export type GeneratedWorld = readonly [features: readonly string[], params: unknown, faults: FaultPlan];

/** A world's identity: its generated data, as JSON (replay files store the same data). */
export function worldKey(world: GeneratedWorld): string {
  return JSON.stringify(world);
}

/** The kernel seed of a world in exhaustive search: a function of the world alone. */
export function worldSeed(world: GeneratedWorld): number {
  return hashString32(`gnt-sim:world:${worldKey(world)}`) & 0x7fffffff;
}

/** What one run's slice of its world's walk did. */
export interface SliceOutcome {
  /** The slice's index in its world's walk (0 for the first run of the world). */
  readonly slice: number;
  readonly executions: number;
  readonly pruned: number;
  readonly failure: RunReport | null;
  readonly coverage: CoverageTable;
  /** The world's space was exhausted when this slice ended (or before it began). */
  readonly exhausted: boolean;
  /** This slice is the one that finished the world's space. */
  readonly finishedWorld: boolean;
  /** Executions spent walking earlier slices again, because this process had not walked them. */
  readonly catchUpExecutions: number;
}

export interface WorldWalksOptions<P> {
  readonly scenario: Scenario<P>;
  readonly mutants: MutantSet;
  readonly bounds: ExhaustiveBounds;
  /** Executions per slice (the per-run limit). */
  readonly sliceExecutions: number;
  /** The world that run i of the search generates. */
  readonly worldOfRun: (run: number) => GeneratedWorld;
}

interface CachedWalk {
  readonly walk: ScheduleWalk<unknown>;
  /** The slice the walk is positioned at (slices before it are done). */
  nextSlice: number;
}

/** Walks kept per process; a world beyond them is walked again when it comes back. */
const KEPT_WALKS = 8;

/** The worlds of one search in one process: which slice each run owns, and the walks so far. */
export class WorldWalks<P> {
  /** Key of each run's world, for runs 0..keys.length-1. */
  private readonly keys: string[] = [];
  /** Slice index of each run, parallel to `keys`. */
  private readonly slices: number[] = [];
  private readonly runsPerWorld = new Map<string, number>();
  /** Most recently used last. */
  private readonly walks = new Map<string, CachedWalk>();

  constructor(private readonly opts: WorldWalksOptions<P>) {}

  /** Which slice of its world's walk run `run` owns: the number of lower runs of that world. */
  sliceOf(run: number): number {
    while (this.keys.length <= run) {
      const key = worldKey(this.opts.worldOfRun(this.keys.length));
      const n = this.runsPerWorld.get(key) ?? 0;
      this.keys.push(key);
      this.slices.push(n);
      this.runsPerWorld.set(key, n + 1);
    }
    return this.slices[run] as number;
  }

  /**
   * Runs run `run`'s slice of the walk of `world` (the world that run generated), telling
   * `beforeExecution` of each execution (`own`: of the slice itself, not of a catch-up walk).
   */
  runSlice(
    run: number,
    world: GeneratedWorld,
    beforeExecution?: (input: RunInput<unknown>, own: boolean) => void,
  ): SliceOutcome {
    const key = worldKey(world);
    const slice = this.sliceOf(run);
    if (this.keys[run] !== key) {
      throw new Error(
        `run ${run}: its world was generated differently twice; the scenario's arbitraries are not deterministic`,
      );
    }
    const { entry, catchUpExecutions } = this.positionedWalk(key, world, slice, (input) =>
      beforeExecution?.(input, false),
    );
    const walk = entry.walk;
    const before = walk.executions;
    const prunedBefore = walk.pruned;
    const wasExhausted = walk.exhausted;
    const step = walk.advance(this.opts.sliceExecutions, undefined, (input) => beforeExecution?.(input, true));
    entry.nextSlice = slice + 1;
    return {
      slice,
      executions: walk.executions - before,
      pruned: walk.pruned - prunedBefore,
      failure: step.failure,
      coverage: step.coverage,
      exhausted: walk.exhausted,
      finishedWorld: !wasExhausted && walk.exhausted,
      catchUpExecutions,
    };
  }

  /** The walk of `key` positioned at the start of `slice`, walking earlier slices if needed. */
  private positionedWalk(
    key: string,
    world: GeneratedWorld,
    slice: number,
    beforeExecution: (input: RunInput<unknown>) => void,
  ): { entry: CachedWalk; catchUpExecutions: number } {
    let entry = this.walks.get(key);
    this.walks.delete(key);
    if (!entry || entry.nextSlice > slice) {
      const [, params, faults] = world;
      const walk = new ScheduleWalk<unknown>(
        this.opts.scenario as Scenario<unknown>,
        { seed: worldSeed(world), params, faults },
        this.opts.mutants,
        this.opts.bounds,
      );
      entry = { walk, nextSlice: 0 };
    }
    this.walks.set(key, entry);
    if (this.walks.size > KEPT_WALKS) this.walks.delete(this.walks.keys().next().value as string);
    const start = entry.walk.executions;
    while (entry.nextSlice < slice) {
      entry.walk.advance(this.opts.sliceExecutions, undefined, beforeExecution);
      entry.nextSlice++;
    }
    return { entry, catchUpExecutions: entry.walk.executions - start };
  }
}
