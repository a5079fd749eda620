/**
 * `gnt-sim merge SUMMARY...`: combines the summaries of the shards of one search (the
 * `summary.json` each `gnt-sim search --shard i/n` writes) into the summary of the whole search.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { type CoverageTable, mergeCoverage } from '../../explore/coverage.js';
import { type Output, UsageError } from '../output.js';

interface ShardSummary {
  scenario: string;
  strategy: string;
  seed: number;
  mutants: string[];
  shard: { index: number; count: number } | null;
  keepGoing: boolean;
  runsRequested: number;
  runsDone: number;
  findings: Array<{ run: number; [k: string]: unknown }>;
  coverage?: CoverageTable;
  stoppedBy: string;
  durationMs: number;
  exploration?: {
    preemptionBound: number;
    delayBound?: number;
    maxExecutions: number;
    runsExhausted: number;
    worlds?: number;
    worldsExhausted?: number;
    executions: number;
    pruned: number;
    catchUpExecutions?: number;
  };
  pctDepths?: Array<{ depth: number | 'random'; runs: number }>;
}

function readSummary(path: string): ShardSummary {
  let s: ShardSummary;
  try {
    s = JSON.parse(readFileSync(path, 'utf8')) as ShardSummary;
  } catch (e) {
    throw new UsageError(`cannot read search summary ${path}: ${(e as Error).message}`);
  }
  if (typeof s?.scenario !== 'string' || !Array.isArray(s.findings) || typeof s.seed !== 'number') {
    throw new UsageError(`${path} is not a gnt-sim search summary`);
  }
  return s;
}

export function mergeSummaries(paths: readonly string[]): ShardSummary {
  if (paths.length === 0) throw new UsageError('merge needs at least one summary file');
  const parts = paths.map(readSummary);
  const first = parts[0] as ShardSummary;
  const key = (s: ShardSummary) =>
    JSON.stringify([
      s.scenario,
      s.strategy,
      s.seed,
      [...s.mutants].sort(),
      s.keepGoing,
      s.exploration
        ? [s.exploration.preemptionBound, s.exploration.delayBound ?? null, s.exploration.maxExecutions]
        : null,
    ]);
  for (const [i, p] of parts.entries()) {
    if (key(p) !== key(first)) {
      throw new UsageError(
        `${paths[i]} is from another search (scenario, strategy, seed, mutants, --keep-going or exhaustive bounds differ)`,
      );
    }
  }
  const shards = parts.map((p) => p.shard);
  const count = first.shard?.count ?? 1;
  if (shards.some((s) => (s?.count ?? 1) !== count))
    throw new UsageError('the summaries come from different shard counts');
  const seen = new Set(shards.map((s) => s?.index ?? 1));
  if (seen.size !== parts.length) throw new UsageError('the same shard appears twice');
  // Each shard checked every one of its runs below its first finding, so without --keep-going
  // the lowest finding over all shards is the one the unsharded search reports.
  const all = parts.flatMap((p) => p.findings).sort((a, b) => a.run - b.run);
  const findings = first.keepGoing ? all : all.slice(0, 1);
  const missing = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(`${i}/${count}`);
  return {
    ...first,
    shard: missing.length === 0 ? null : first.shard,
    runsRequested: parts.reduce((n, p) => n + p.runsRequested, 0),
    runsDone: parts.reduce((n, p) => n + p.runsDone, 0),
    findings,
    coverage: mergeCoverage(parts.map((p) => p.coverage ?? {})),
    stoppedBy: findings.length > 0 ? 'finding' : parts.every((p) => p.stoppedBy === 'runs') ? 'runs' : 'time',
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    ...(first.exploration ? { exploration: mergeExploration(parts) } : {}),
    ...(first.pctDepths ? { pctDepths: mergePctDepths(parts) } : {}),
    ...(missing.length > 0 ? { missingShards: missing } : {}),
  };
}

export function runMergeCommand(paths: readonly string[], o: { out?: string; json: boolean }, out: Output): number {
  const merged = mergeSummaries(paths);
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (o.out) writeFileAtomic(o.out, text);
  if (o.json || !o.out) out.line(text.trimEnd());
  else {
    const n = merged.findings.length;
    out.line(
      `merged ${paths.length} summaries: ${merged.runsDone} runs, ${n} finding${n === 1 ? '' : 's'} -> ${o.out}`,
    );
    for (const f of merged.findings) {
      const where = typeof f.replayPath === 'string' ? `; replay: gnt-sim replay ${f.replayPath}` : '';
      out.line(`  finding at run ${f.run}${where}`);
    }
  }
  return merged.findings.length > 0 ? 1 : 0;
}

function mergeExploration(parts: readonly ShardSummary[]): NonNullable<ShardSummary['exploration']> {
  const xs = parts.map((p) => p.exploration).filter((x) => x !== undefined);
  const first = xs[0] as NonNullable<ShardSummary['exploration']>;
  return {
    preemptionBound: first.preemptionBound,
    ...(first.delayBound !== undefined ? { delayBound: first.delayBound } : {}),
    maxExecutions: first.maxExecutions,
    runsExhausted: xs.reduce((n, x) => n + x.runsExhausted, 0),
    // A world's first run and the run that finished it each belong to one shard: sums are exact.
    worlds: xs.reduce((n, x) => n + (x.worlds ?? 0), 0),
    worldsExhausted: xs.reduce((n, x) => n + (x.worldsExhausted ?? 0), 0),
    executions: xs.reduce((n, x) => n + x.executions, 0),
    pruned: xs.reduce((n, x) => n + x.pruned, 0),
    catchUpExecutions: xs.reduce((n, x) => n + (x.catchUpExecutions ?? 0), 0),
  };
}

function mergePctDepths(parts: readonly ShardSummary[]): Array<{ depth: number | 'random'; runs: number }> {
  const runs = new Map<number | 'random', number>();
  for (const p of parts) for (const d of p.pctDepths ?? []) runs.set(d.depth, (runs.get(d.depth) ?? 0) + d.runs);
  const order = (d: number | 'random') => (d === 'random' ? Number.POSITIVE_INFINITY : d);
  return [...runs].sort((a, b) => order(a[0]) - order(b[0])).map(([depth, n]) => ({ depth, runs: n }));
}
