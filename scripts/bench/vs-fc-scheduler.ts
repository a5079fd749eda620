/**
 * gnt-sim against fast-check's `fc.scheduler()` on the same lock workloads (issue 15):
 *
 * - throughput on the ABBA workload, correct variant (no run fails): runs/s over the first 1,000
 *   runs counted from process start ("cold"), and over a later batch ("warm");
 * - first failure on the ABBA workload, buggy variant, and on the two rare variants (a
 *   three-job lock cycle behind extra steps, two preemptions deep, and the same with one more
 *   take-and-release probe, three deep): runs and milliseconds to the first failing run, to the
 *   shrunk counterexample, and its size, for five seeds, each within 10 s;
 *
 * for three sides: fast-check (async jobs over a promise lock, `scripts/bench/vs-fc/
 * fc-workload.ts`), gnt-sim with a minimal lock over the kernel's conditions, and gnt-sim with
 * the real `LockManager` (test/support/lock-cycles.ts). gnt-sim runs its default search
 * (`search()`, strategy pct, one worker). Every measurement is a fresh child process
 * (`scripts/bench/vs-fc/child.ts`), run one at a time with the sides and variants interleaved,
 * so a slow spell of the machine hits all of them alike; figures are medians.
 *
 * Last, a CPU profile of the warm gnt-sim loop with the real lock manager (V8's sampling
 * profiler, the one behind `node --cpu-prof`, started by the child around the warm loop only):
 * the top self-time functions, and the profile itself next to the figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exploreExhaustively } from '../../src/explore/exhaustive.js';
import { MutantSet } from '../../src/mutants/registry.js';
import { abba, type LockWorkload, rareThree, rareTwo, scenarioOf } from '../../test/support/lock-cycles.js';
import type { ChildSpec, FirstFailureResult, Side, ThroughputResult } from './vs-fc/child.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const child = join(root, 'scripts', 'bench', 'vs-fc', 'child.ts');
const SIDES: readonly Side[] = ['fast-check', 'gnt-sim-mini', 'gnt-sim-lock-manager'];
/** `GNT_SIM_BENCH_QUICK=1`: one repeat, one seed, short limits (a smoke run of the bench itself). */
const QUICK = process.env.GNT_SIM_BENCH_QUICK === '1';
const THROUGHPUT_REPEATS = QUICK ? 1 : 3;
const WARM_MS = QUICK ? 500 : 3_000;
const SEEDS = QUICK ? [1] : [1, 2, 3, 4, 5];
const FIRST_FAILURE_LIMIT_MS = QUICK ? 2_000 : 10_000;

function runChild<T>(spec: ChildSpec): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 300_000,
  });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number | null, digits = 1): number | null => (x === null ? null : Number(x.toFixed(digits)));
const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : round(a / b, 3);

/** Fewest preemptions of a workload's deadlock with the real lock manager (bounded search). */
function lockManagerDepth(w: LockWorkload): number | null {
  const scenario = scenarioOf(w, 'lock-manager');
  for (let b = 0; b <= 3; b++) {
    const x = exploreExhaustively(scenario, { seed: 1, params: null, faults: {} }, new MutantSet(w.mutants), {
      preemptionBound: b,
      maxExecutions: 20_000,
      reduction: true,
    });
    if (x.failure) return b;
    if (!x.exhausted) return null;
  }
  return null;
}

interface Measurement {
  readonly spec: ChildSpec;
  result?: unknown;
}

/** Self time per function of a V8 CPU profile, largest first. */
function topSelfTime(path: string, n: number): { function: string; selfMs: number; percent: number }[] {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const p = JSON.parse(readFileSync(path, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    // A sample's time is the gap to the next one.
    const us = p.timeDeltas[i + 1] ?? 0;
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const file = f.url.startsWith('file:') ? relative(root, fileURLToPath(f.url)) : f.url;
    // Files loaded through tsx come without line numbers (line 0); the file alone is kept then.
    const where = f.url ? ` ${file}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ function: fn, selfMs: Math.round(us / 1000), percent: round((100 * us) / total) as number }));
}

export async function run(): Promise<Record<string, unknown>> {
  const workloads = { abba: abba(true), rareTwo: rareTwo(), rareThree: rareThree() };
  const correct = abba(false);

  // Interleaved: each round visits every side of every variant once.
  const measurements: Measurement[] = [];
  for (let r = 0; r < Math.max(THROUGHPUT_REPEATS, SEEDS.length); r++) {
    if (r < THROUGHPUT_REPEATS) {
      for (const side of SIDES) {
        measurements.push({ spec: { kind: 'throughput', side, workload: correct.id, seed: r + 1, warmMs: WARM_MS } });
      }
    }
    const seed = SEEDS[r];
    if (seed === undefined) continue;
    for (const w of Object.values(workloads)) {
      for (const side of SIDES) {
        measurements.push({
          spec: { kind: 'first-failure', side, workload: w.id, seed, timeLimitMs: FIRST_FAILURE_LIMIT_MS },
        });
      }
    }
  }
  for (const [i, m] of measurements.entries()) {
    process.stderr.write(`vs-fc-scheduler: ${i + 1}/${measurements.length} ${JSON.stringify(m.spec)}\n`);
    m.result = runChild(m.spec);
  }

  const throughput: Record<string, unknown> = {};
  const warm: Partial<Record<Side, number | null>> = {};
  const cold: Partial<Record<Side, number | null>> = {};
  for (const side of SIDES) {
    const rs = measurements
      .filter((m) => m.spec.kind === 'throughput' && m.spec.side === side)
      .map((m) => m.result as ThroughputResult);
    warm[side] = median(rs.map((x) => x.warmRunsPerSecond));
    cold[side] = median(rs.map((x) => x.coldRunsPerSecond));
    throughput[side] = {
      coldRunsPerSecond: round(cold[side] ?? null, 0),
      warmRunsPerSecond: round(warm[side] ?? null, 0),
      each: rs.map((x) => ({
        cold: round(x.coldRunsPerSecond, 0),
        warm: round(x.warmRunsPerSecond, 0),
        warmRuns: x.warmRuns,
      })),
    };
  }

  const firstFailure: Record<string, unknown> = {};
  const ratiosToFailure: Record<string, unknown> = {};
  for (const [name, w] of Object.entries(workloads)) {
    const perSide: Record<string, unknown> = {};
    const msBySide: Partial<Record<Side, number | null>> = {};
    for (const side of SIDES) {
      const rs = measurements
        .filter((m) => m.spec.kind === 'first-failure' && m.spec.side === side && m.spec.workload === w.id)
        .map((m) => ({ seed: (m.spec as { seed: number }).seed, ...(m.result as FirstFailureResult) }));
      const found = rs.filter((x) => x.found);
      msBySide[side] = found.length === rs.length ? median(found.map((x) => x.msToFirstFailure ?? 0)) : null;
      perSide[side] = {
        foundOnSeeds: `${found.length} of ${rs.length} within ${FIRST_FAILURE_LIMIT_MS / 1000} s`,
        medianRunsToFirstFailure: median(found.map((x) => x.runs)),
        medianMsToFirstFailure: round(median(found.map((x) => x.msToFirstFailure ?? 0)), 0),
        medianMsToShrunkCounterexample: round(median(found.map((x) => x.msToShrunkCounterexample ?? 0)), 0),
        medianCounterexampleSteps: median(found.map((x) => x.counterexampleSteps ?? 0)),
        medianCounterexamplePreemptions: median(found.map((x) => x.counterexamplePreemptions ?? 0)),
        perSeed: rs.map((x) => ({
          seed: x.seed,
          found: x.found,
          runs: x.runs,
          msToFirstFailure: round(x.msToFirstFailure, 0),
          msToShrunkCounterexample: round(x.msToShrunkCounterexample, 0),
          steps: x.counterexampleSteps,
          preemptions: x.counterexamplePreemptions,
        })),
      };
    }
    firstFailure[name] = {
      workload: w.id,
      description: w.description,
      depthWithMinimalLock: w.depth,
      depthWithLockManager: name === 'abba' ? 1 : lockManagerDepth(w),
      ...perSide,
    };
    ratiosToFailure[name] = {
      'fast-check / gnt-sim-mini (ms to first failure; above 1: gnt-sim sooner)': ratio(
        msBySide['fast-check'] ?? null,
        msBySide['gnt-sim-mini'] ?? null,
      ),
      'fast-check / gnt-sim-lock-manager': ratio(
        msBySide['fast-check'] ?? null,
        msBySide['gnt-sim-lock-manager'] ?? null,
      ),
    };
  }

  const rareFoundByDefaultSearch = Object.fromEntries(
    (['rareTwo', 'rareThree'] as const).flatMap((name) =>
      (['gnt-sim-mini', 'gnt-sim-lock-manager'] as const).map((side) => {
        const entry = (firstFailure[name] as Record<string, { perSeed: { seed: number; found: boolean }[] }>)[side];
        const seeds = entry?.perSeed ?? [];
        return [
          `${name} ${side}`,
          { everySeedWithin10s: seeds.length === SEEDS.length && seeds.every((s) => s.found), seeds },
        ];
      }),
    ),
  );

  mkdirSync(join(root, 'reports', 'bench'), { recursive: true });
  const profilePath = join(root, 'reports', 'bench', 'vs-fc-scheduler-lock-manager.cpuprofile');
  const profiled = runChild<{ warmRuns: number }>({
    kind: 'profile',
    workload: correct.id,
    warmMs: QUICK ? 500 : 8_000,
    out: profilePath,
  });

  return {
    unit: 'runs per second (cold: first 1,000 runs counted from process start; warm: a later batch), milliseconds',
    method:
      'each measurement a fresh child process, one at a time, sides and variants interleaved; medians over ' +
      `${THROUGHPUT_REPEATS} repeats (throughput) or seeds ${SEEDS.join(', ')} (first failure)`,
    throughput: { workload: correct.description, ...throughput },
    ratios: {
      'warm runs/s gnt-sim-mini / fast-check': ratio(warm['gnt-sim-mini'] ?? null, warm['fast-check'] ?? null),
      'warm runs/s gnt-sim-lock-manager / fast-check': ratio(
        warm['gnt-sim-lock-manager'] ?? null,
        warm['fast-check'] ?? null,
      ),
      'cold runs/s gnt-sim-mini / fast-check': ratio(cold['gnt-sim-mini'] ?? null, cold['fast-check'] ?? null),
      'cold runs/s gnt-sim-lock-manager / fast-check': ratio(
        cold['gnt-sim-lock-manager'] ?? null,
        cold['fast-check'] ?? null,
      ),
      toFirstFailure: ratiosToFailure,
    },
    firstFailure,
    rareFoundByDefaultSearch,
    profileOfWarmLockManagerLoop: {
      file: relative(root, profilePath),
      warmRuns: profiled.warmRuns,
      topSelfTime: topSelfTime(profilePath, 15),
    },
  };
}
