/** `gnt-sim diagram MODEL | --all`: the state-transition diagrams of the lifecycle models. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../explore/atomic-write.js';
import { ioReason } from '../../explore/io-reason.js';
import { readSummaryFile } from '../../explore/summary-file.js';
import {
  type CoverageByModel,
  DIAGRAM_FORMATS,
  type DiagramFormat,
  MODELS,
  modelDiagram,
  modelDiagrams,
} from '../../report/diagrams.js';
import { type Output, UsageError } from '../output.js';

/** Where `gnt-sim diagram --all` writes when no --out is given. */
export const DEFAULT_DIAGRAM_DIR = 'reports/diagrams';

export interface DiagramCliOptions {
  readonly format: string;
  readonly out?: string;
  readonly all: boolean;
  /** A search's summary.json: draw its coverage over the machine. */
  readonly coverage?: string;
}

function readCoverage(path: string): CoverageByModel {
  return readSummaryFile(path).coverage;
}

/** Writes a file atomically; a path that cannot be written is the user's to fix, in one line. */
function writeOrSay(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${ioReason(e)}`);
  }
}

function formatOf(f: string): DiagramFormat {
  if (!(DIAGRAM_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--format must be one of ${DIAGRAM_FORMATS.join(', ')}, got "${f}"`);
  }
  return f as DiagramFormat;
}

export async function runDiagramCommand(
  modelId: string | undefined,
  o: DiagramCliOptions,
  out: Output,
): Promise<number> {
  const format = formatOf(o.format);
  const known = MODELS.map((m) => m.id).join(', ');
  const coverage = o.coverage === undefined ? undefined : readCoverage(o.coverage);
  if (o.all) {
    if (modelId !== undefined) throw new UsageError(`give a model or --all, not both (models: ${known})`);
    const dir = o.out ?? DEFAULT_DIAGRAM_DIR;
    if (dir.trim() === '') throw new UsageError('--out must name a directory, got the empty string');
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new UsageError(`--out ${dir} is a file, not a directory`);
    for (const d of await modelDiagrams(format, MODELS, coverage)) {
      const path = join(dir, d.file);
      writeOrSay(path, d.text);
      out.line(path);
    }
    return 0;
  }
  if (modelId === undefined) throw new UsageError(`name a model or use --all (models: ${known})`);
  const model = MODELS.find((m) => m.id === modelId);
  if (!model) throw new UsageError(`unknown model "${modelId}" (models: ${known})`);
  const text = await modelDiagram(model, format, coverage);
  if (o.out === undefined) {
    out.write(text);
  } else {
    if (o.out.trim() === '') throw new UsageError('--out must name a file, got the empty string');
    if (existsSync(o.out) && statSync(o.out).isDirectory()) throw new UsageError(`--out ${o.out} is a directory`);
    writeOrSay(o.out, text);
    out.line(o.out);
  }
  return 0;
}
