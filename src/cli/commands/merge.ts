/**
 * `gnt-sim merge SUMMARY...`: combines the summaries of the shards of one search (the
 * `summary.json` each `gnt-sim search --shard i/n` writes) into the summary of the whole search;
 * `src/explore/summary-file.ts` says what may be merged and how time-bounded shards combine.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { ioReason } from '../../explore/io-reason.js';
import { mergeSummaries, readSummaryFile } from '../../explore/summary-file.js';
import { shellWord } from '../args.js';
import { type Output, UsageError } from '../output.js';

export function runMergeCommand(paths: readonly string[], o: { out?: string; json: boolean }, out: Output): number {
  if (o.out !== undefined) {
    if (o.out.trim() === '') throw new UsageError('--out must name a file, got the empty string');
    if (existsSync(o.out) && statSync(o.out).isDirectory()) throw new UsageError(`--out ${o.out} is a directory`);
    if (paths.includes(o.out)) throw new UsageError(`--out ${o.out} is one of the summaries to merge`);
  }
  const merged = mergeSummaries(paths.map((path) => ({ path, summary: readSummaryFile(path) })));
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (o.out) {
    try {
      writeFileAtomic(o.out, text);
    } catch (e) {
      throw new UsageError(`cannot write ${o.out}: ${ioReason(e)}`);
    }
  }
  if (o.json || !o.out) out.line(text.trimEnd());
  else {
    const n = merged.findings.length;
    out.line(
      `merged ${paths.length} summaries: ${merged.runsDone} runs, ${n} finding${n === 1 ? '' : 's'} -> ${o.out}`,
    );
    for (const f of merged.findings) {
      const where = f.replayPath !== null ? `; replay: gnt-sim replay ${shellWord(f.replayPath)}` : '';
      out.line(`  finding at run ${f.run}${where}`);
    }
    if (merged.note) out.line(`  note: ${merged.note}`);
  }
  return merged.findings.length > 0 ? 1 : 0;
}
