/**
 * `summary.json`, the result of a search on disk: written by `gnt-sim search` next to its replay
 * files, read back by `gnt-sim merge`, `gnt-sim report` and `gnt-sim diagram --coverage`, and
 * validated by a zod schema when read (a wrong field is named in one line).
 *
 * Merging the shards of one search. Shard i of n ran the first `runsDone` of its indices
 * (i - 1, i - 1 + n, ...), so every run index below `checkedPrefix` (the least, over the shards,
 * of the first index a shard did not run) was checked by its shard. Bounded by runs, the shards
 * together checked everything the unsharded search would have, and the lowest finding is its
 * answer. Bounded by time (`--time`), shards stop at different points: the merge adds their runs
 * up and reports `checkedPrefix`; a lowest finding below it is what an unsharded search would
 * report, one above it is a real finding, but a lower one may hide in runs no shard reached (the
 * merged summary's `note` says so).
 */
import { z } from 'zod';
import { firstProblem } from '../sim/schema.js';
import type { SearchSummary } from './coordinator.js';
import { type CoverageTable, mergeCoverage } from './coverage.js';
import { readInputFile } from './input-file.js';
import { findingSchema } from './replay-file.js';

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const summaryFindingSchema = z.strictObject({
  run: count,
  finding: findingSchema,
  size: z.strictObject({ jobs: count, faults: count, preemptions: count }),
  replayPath: z.string().nullable(),
  unshrunk: z.string().optional(),
});

const explorationSchema = z.strictObject({
  preemptionBound: count,
  delayBound: count.optional(),
  maxExecutions: count,
  runsExhausted: count,
  worlds: count,
  worldsExhausted: count,
  executions: count,
  pruned: count,
  catchUpExecutions: count,
});

const pctDepthsSchema = z.array(z.strictObject({ depth: z.union([count, z.literal('random')]), runs: count }));
type PctDepths = z.infer<typeof pctDepthsSchema>;

export const summaryFileSchema = z
  .strictObject({
    scenario: z.string().min(1),
    scenarioHash: z.string(),
    strategy: z.enum(['random', 'pct', 'swarm', 'exhaustive']),
    seed: count,
    mutants: z.array(z.string()),
    shard: z.strictObject({ index: count.min(1), count: count.min(1) }).nullable(),
    keepGoing: z.boolean(),
    runs: count.nullable(),
    timeLimitMs: count.nullable(),
    runsRequested: count.nullable(),
    runsDone: count,
    findings: z.array(summaryFindingSchema),
    coverage: z.record(z.string(), z.record(z.string(), count)),
    stoppedBy: z.enum(['runs', 'finding', 'time']),
    durationMs: z.number().nonnegative(),
    exploration: explorationSchema.optional(),
    pctDepths: pctDepthsSchema.optional(),
    // Written by `gnt-sim merge`:
    merged: count.optional(),
    missingShards: z.array(z.string()).optional(),
    checkedPrefix: count.optional(),
    note: z.string().optional(),
  })
  .refine((s) => s.shard === null || s.shard.index <= s.shard.count, {
    path: ['shard', 'index'],
    message: 'Must be at most shard.count',
  });

export type SummaryFile = z.infer<typeof summaryFileSchema>;
export type SummaryFinding = SummaryFile['findings'][number];

/** A summary.json that cannot be read or is not a search summary: one line naming the field. */
export class SummaryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SummaryFileError';
  }
}

/** The JSON a search writes as `summary.json`. */
export function summaryJson(s: SearchSummary): SummaryFile {
  return {
    ...s,
    mutants: [...s.mutants],
    shard: s.shard ? { ...s.shard } : null,
    findings: s.findings.map((f) => ({
      run: f.run,
      finding: f.finding,
      size: f.replay.size,
      replayPath: f.replayPath,
      ...(f.unshrunk ? { unshrunk: f.unshrunk } : {}),
    })),
    ...(s.exploration ? { exploration: { ...s.exploration } } : {}),
  } as SummaryFile;
}

export function parseSummary(text: string, path: string): SummaryFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SummaryFileError(`${path} is not a search summary: it is not JSON`);
  }
  const r = summaryFileSchema.safeParse(v);
  if (!r.success) {
    const p = firstProblem(r.error, v);
    throw new SummaryFileError(`${path} is not a search summary: ${p.field}: ${p.problem}`);
  }
  return r.data;
}

export function readSummaryFile(path: string): SummaryFile {
  const r = readInputFile(path);
  if ('problem' in r) throw new SummaryFileError(`cannot read search summary ${path}: ${r.problem}`);
  return parseSummary(r.text, path);
}

/** What must agree between shards of one search, as text for comparing. */
function searchKey(s: SummaryFile): string {
  return JSON.stringify([
    s.scenario,
    s.scenarioHash,
    s.strategy,
    s.seed,
    [...s.mutants].sort(),
    s.keepGoing,
    s.runs,
    s.timeLimitMs,
    s.exploration
      ? [s.exploration.preemptionBound, s.exploration.delayBound ?? null, s.exploration.maxExecutions]
      : null,
  ]);
}

const KEY_NAMES = [
  'scenario',
  'scenario hash',
  'strategy',
  'seed',
  'mutants',
  '--keep-going',
  '--runs',
  '--time',
  'exhaustive bounds',
] as const;

function firstDifference(a: SummaryFile, b: SummaryFile): string {
  const ka = JSON.parse(searchKey(a)) as unknown[];
  const kb = JSON.parse(searchKey(b)) as unknown[];
  const i = ka.findIndex((x, j) => JSON.stringify(x) !== JSON.stringify(kb[j]));
  return `${KEY_NAMES[i] ?? 'settings'}: ${JSON.stringify(ka[i])} and ${JSON.stringify(kb[i])}`;
}

/** Combines the summaries of the shards of one search; refuses anything else with one line. */
export function mergeSummaries(parts: readonly { path: string; summary: SummaryFile }[]): SummaryFile {
  const first = parts[0];
  if (!first) throw new SummaryFileError('merge needs at least one summary file');
  for (const p of parts) {
    if (p.summary.merged !== undefined) {
      throw new SummaryFileError(`${p.path} is a merged summary; merge the summaries the shards wrote`);
    }
    if (searchKey(p.summary) !== searchKey(first.summary)) {
      throw new SummaryFileError(
        `${p.path} is from another search than ${first.path} (${firstDifference(first.summary, p.summary)})`,
      );
    }
  }
  const s0 = first.summary;
  const count = s0.shard?.count ?? 1;
  for (const p of parts) {
    if ((p.summary.shard?.count ?? 1) !== count) {
      throw new SummaryFileError(`${p.path} is from a split into ${p.summary.shard?.count ?? 1} shards, not ${count}`);
    }
  }
  const seen = new Map<number, string>();
  for (const p of parts) {
    const i = p.summary.shard?.index ?? 1;
    const other = seen.get(i);
    if (other !== undefined) throw new SummaryFileError(`${p.path} and ${other} are the same shard ${i}/${count}`);
    seen.set(i, p.path);
  }
  const all = parts.flatMap((p) => p.summary.findings).sort((a, b) => a.run - b.run);
  const findings = s0.keepGoing ? all : all.slice(0, 1);
  const missing: string[] = [];
  // The first index each shard did not run; a missing shard ran none of its indices.
  let prefix = s0.runs ?? Number.MAX_SAFE_INTEGER;
  for (let i = 1; i <= count; i++) {
    const p = parts.find((x) => (x.summary.shard?.index ?? 1) === i);
    if (!p) missing.push(`${i}/${count}`);
    prefix = Math.min(prefix, i - 1 + (p ? p.summary.runsDone * count : 0));
  }
  const lowest = findings[0];
  const timed = parts.some((p) => p.summary.stoppedBy === 'time');
  const note =
    lowest && lowest.run >= prefix && (timed || missing.length > 0)
      ? `every run below ${prefix} was checked; the finding at run ${lowest.run} is real, but a lower one may be among the runs no shard reached`
      : undefined;
  const xs = parts.map((p) => p.summary.exploration).filter((x) => x !== undefined);
  return {
    ...s0,
    shard: missing.length === 0 ? null : s0.shard,
    runsRequested: s0.runs,
    runsDone: parts.reduce((n, p) => n + p.summary.runsDone, 0),
    findings,
    coverage: mergeCoverage(parts.map((p) => p.summary.coverage as CoverageTable)),
    stoppedBy: findings.length > 0 && !s0.keepGoing ? 'finding' : timed ? 'time' : 'runs',
    durationMs: Math.max(...parts.map((p) => p.summary.durationMs)),
    ...(s0.exploration
      ? {
          exploration: {
            ...s0.exploration,
            runsExhausted: xs.reduce((n, x) => n + x.runsExhausted, 0),
            // A world's first run and the run that finished it each belong to one shard: sums are exact.
            worlds: xs.reduce((n, x) => n + x.worlds, 0),
            worldsExhausted: xs.reduce((n, x) => n + x.worldsExhausted, 0),
            executions: xs.reduce((n, x) => n + x.executions, 0),
            pruned: xs.reduce((n, x) => n + x.pruned, 0),
            catchUpExecutions: xs.reduce((n, x) => n + x.catchUpExecutions, 0),
          },
        }
      : {}),
    ...(s0.pctDepths ? { pctDepths: mergePctDepths(parts.map((p) => p.summary.pctDepths ?? [])) } : {}),
    merged: parts.length,
    ...(missing.length > 0 ? { missingShards: missing } : {}),
    checkedPrefix: prefix,
    ...(note ? { note } : {}),
  };
}

/** The runs each PCT depth took, summed over shards, shallow depths first and `random` last. */
function mergePctDepths(parts: readonly PctDepths[]): PctDepths {
  const runs = new Map<number | 'random', number>();
  for (const p of parts) for (const d of p) runs.set(d.depth, (runs.get(d.depth) ?? 0) + d.runs);
  const order = (d: number | 'random') => (d === 'random' ? Number.POSITIVE_INFINITY : d);
  return [...runs].sort((a, b) => order(a[0]) - order(b[0])).map(([depth, n]) => ({ depth, runs: n }));
}
