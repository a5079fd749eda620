/**
 * One measurement of the `vs-fc-scheduler` bench, in a fresh process (the parent runs this file
 * with `node --import tsx child.ts SPEC` and reads one JSON line from stdout). Times start at the
 * process's own start (`performance.now()` counts from it), so a cold figure includes loading
 * TypeScript, fast-check or the simulator: what a user waits for.
 *
 * The gnt-sim side runs the real search path: `search()` of `src/explore/coordinator.ts` over a
 * scenario, with its defaults (strategy `pct`, one worker, no replay files written).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { LockKind, LockWorkload } from '../../../test/support/lock-cycles.js';

export type Side = 'fast-check' | 'gnt-sim-mini' | 'gnt-sim-lock-manager';

export type ChildSpec =
  | {
      readonly kind: 'throughput';
      readonly side: Side;
      readonly workload: string;
      readonly seed: number;
      readonly warmMs: number;
    }
  | {
      readonly kind: 'first-failure';
      readonly side: Side;
      readonly workload: string;
      readonly seed: number;
      readonly timeLimitMs: number;
    }
  | { readonly kind: 'profile'; readonly workload: string; readonly warmMs: number; readonly out: string };

export interface ThroughputResult {
  /** Runs per second over the first 1,000 runs, counted from the process's start. */
  readonly coldRunsPerSecond: number;
  /** Runs per second of a later batch in the same process. */
  readonly warmRunsPerSecond: number;
  readonly warmRuns: number;
}

export interface FirstFailureResult {
  readonly found: boolean;
  /** Runs executed until the first failing one, that one included (or all runs, if none failed). */
  readonly runs: number;
  /** From the start of the search (after loading) to the first failing run being known. */
  readonly msToFirstFailure: number | null;
  /** From the start of the search to its end: shrinking included. */
  readonly msToShrunkCounterexample: number | null;
  /** Scheduling steps of the shrunk counterexample (gnt-sim: decisions; fast-check: released tasks). */
  readonly counterexampleSteps: number | null;
  readonly counterexamplePreemptions: number | null;
}

const FIRST_RUNS = 1_000;

async function workloadNamed(id: string): Promise<LockWorkload> {
  const { workloads } = await import('../../../test/support/lock-cycles.js');
  const w = workloads.find((x) => x.id === id);
  if (!w) throw new Error(`unknown workload ${id}`);
  return w;
}

// ---------------------------------------------------------------------------------------------
// fast-check

async function fcThroughput(w: LockWorkload, seed: number, warmMs: number): Promise<ThroughputResult> {
  const { default: fc } = await import('fast-check');
  const { deadlockFreedom } = await import('./fc-workload.js');
  const prop = deadlockFreedom(w, () => {});
  const cold = await fc.check(prop, { numRuns: FIRST_RUNS, seed });
  if (cold.failed) throw new Error(`${w.id} failed under fast-check`);
  const coldMs = performance.now();
  const t0 = performance.now();
  const warm = await fc.check(prop, { numRuns: 1e9, seed: seed + 1, interruptAfterTimeLimit: warmMs });
  const ms = performance.now() - t0;
  return {
    coldRunsPerSecond: FIRST_RUNS / (coldMs / 1000),
    warmRunsPerSecond: warm.numRuns / (ms / 1000),
    warmRuns: warm.numRuns,
  };
}

async function fcFirstFailure(w: LockWorkload, seed: number, timeLimitMs: number): Promise<FirstFailureResult> {
  const { default: fc } = await import('fast-check');
  const { deadlockFreedom } = await import('./fc-workload.js');
  let runs = 0;
  let firstFailureAt: number | null = null;
  let runsToFailure = 0;
  const t0 = performance.now();
  const d = await fc.check(
    deadlockFreedom(w, (ok) => {
      runs++;
      if (!ok && firstFailureAt === null) {
        firstFailureAt = performance.now() - t0;
        runsToFailure = runs;
      }
    }),
    { numRuns: 1e9, seed, interruptAfterTimeLimit: timeLimitMs },
  );
  const total = performance.now() - t0;
  if (!d.failed || d.counterexamplePath === null) {
    return {
      found: false,
      runs,
      msToFirstFailure: null,
      msToShrunkCounterexample: null,
      counterexampleSteps: null,
      counterexamplePreemptions: null,
    };
  }
  // The shrunk counterexample replayed alone, to read its size.
  let size = { steps: 0, preemptions: 0 };
  await fc.check(
    deadlockFreedom(w, (_ok, log) => {
      size = { ...log };
    }),
    { seed: d.seed, path: d.counterexamplePath, endOnFailure: true },
  );
  return {
    found: true,
    runs: runsToFailure,
    msToFirstFailure: firstFailureAt,
    msToShrunkCounterexample: total,
    counterexampleSteps: size.steps,
    counterexamplePreemptions: size.preemptions,
  };
}

// ---------------------------------------------------------------------------------------------
// gnt-sim

async function gntSearch(w: LockWorkload, kind: LockKind) {
  const { search } = await import('../../../src/explore/coordinator.js');
  const { MutantSet } = await import('../../../src/mutants/registry.js');
  const { scenarioOf } = await import('../../../test/support/lock-cycles.js');
  const scenario = scenarioOf(w, kind);
  // The minimal lock takes the workload's order by itself; the real lock manager needs the
  // workload's mutant for an unsorted acquire.
  const mutants = new MutantSet(kind === 'mini' ? [] : w.mutants);
  return (opts: { seed: number; runs: number; timeLimitMs?: number; onRun?: (run: number, failed: boolean) => void }) =>
    search({
      scenario: scenario as never,
      scenarioModule: '',
      strategy: 'pct',
      mutants,
      outDir: null,
      workers: 1,
      clock: () => performance.now(),
      seed: opts.seed,
      runs: opts.runs,
      timeLimitMs: opts.timeLimitMs,
      onRun: (run, found) => opts.onRun?.(run, found !== null),
    });
}

const lockKindOf = (side: Side): LockKind => (side === 'gnt-sim-mini' ? 'mini' : 'lock-manager');

async function gntThroughput(w: LockWorkload, side: Side, seed: number, warmMs: number): Promise<ThroughputResult> {
  const run = await gntSearch(w, lockKindOf(side));
  const cold = await run({ seed, runs: FIRST_RUNS });
  if (cold.findings.length > 0) throw new Error(`${w.id} failed under gnt-sim`);
  const coldMs = performance.now();
  const warm = await run({ seed: seed + 1, runs: Number.MAX_SAFE_INTEGER, timeLimitMs: warmMs });
  return {
    coldRunsPerSecond: FIRST_RUNS / (coldMs / 1000),
    warmRunsPerSecond: warm.runsDone / (warm.durationMs / 1000),
    warmRuns: warm.runsDone,
  };
}

async function gntFirstFailure(
  w: LockWorkload,
  side: Side,
  seed: number,
  timeLimitMs: number,
): Promise<FirstFailureResult> {
  const run = await gntSearch(w, lockKindOf(side));
  const t0 = performance.now();
  // One worker runs the runs in order and reports each when done; the failing run is reported
  // after it was shrunk, so the moment it failed is the report of the run before it plus one
  // run's time (runs of a workload take about the same time).
  let lastPassedAt = 0;
  let passed = 0;
  const s = await run({
    seed,
    runs: Number.MAX_SAFE_INTEGER,
    timeLimitMs,
    onRun: (_run, failed) => {
      if (failed) return;
      passed++;
      lastPassedAt = performance.now() - t0;
    },
  });
  const total = performance.now() - t0;
  const f = s.findings[0];
  if (!f) {
    return {
      found: false,
      runs: s.runsDone,
      msToFirstFailure: null,
      msToShrunkCounterexample: null,
      counterexampleSteps: null,
      counterexamplePreemptions: null,
    };
  }
  return {
    found: true,
    runs: f.run + 1,
    msToFirstFailure: passed > 0 ? lastPassedAt * (1 + 1 / passed) : null,
    msToShrunkCounterexample: total,
    counterexampleSteps: f.replay.choices.length,
    counterexamplePreemptions: f.replay.size.preemptions,
  };
}

// ---------------------------------------------------------------------------------------------
// profile

async function profileWarm(w: LockWorkload, warmMs: number, out: string): Promise<{ warmRuns: number }> {
  const run = await gntSearch(w, 'lock-manager');
  await run({ seed: 1, runs: FIRST_RUNS });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const warm = await run({ seed: 2, runs: Number.MAX_SAFE_INTEGER, timeLimitMs: warmMs });
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(out, JSON.stringify(profile));
  return { warmRuns: warm.runsDone };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as ChildSpec;
  const w = await workloadNamed(spec.workload);
  let result: unknown;
  if (spec.kind === 'profile') result = await profileWarm(w, spec.warmMs, spec.out);
  else if (spec.kind === 'throughput') {
    result =
      spec.side === 'fast-check'
        ? await fcThroughput(w, spec.seed, spec.warmMs)
        : await gntThroughput(w, spec.side, spec.seed, spec.warmMs);
  } else {
    result =
      spec.side === 'fast-check'
        ? await fcFirstFailure(w, spec.seed, spec.timeLimitMs)
        : await gntFirstFailure(w, spec.side, spec.seed, spec.timeLimitMs);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
