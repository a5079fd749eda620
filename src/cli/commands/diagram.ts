/** `gnt-sim diagram MODEL | --all`: the state-transition diagrams of the lifecycle models. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CoverageByModel,
  DIAGRAM_FORMATS,
  type DiagramFormat,
  MODELS,
  modelDiagram,
  writeModelDiagrams,
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
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read --coverage ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const c = (v as { coverage?: unknown } | null)?.coverage;
  if (typeof c !== 'object' || c === null)
    throw new UsageError(`--coverage ${path} is not a search summary (no coverage)`);
  return c as CoverageByModel;
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
    const written = await writeModelDiagrams(o.out ?? DEFAULT_DIAGRAM_DIR, format, MODELS, coverage);
    for (const p of written) out.line(p);
    return 0;
  }
  if (modelId === undefined) throw new UsageError(`name a model or use --all (models: ${known})`);
  const model = MODELS.find((m) => m.id === modelId);
  if (!model) throw new UsageError(`unknown model "${modelId}" (models: ${known})`);
  const text = await modelDiagram(model, format, coverage);
  if (o.out === undefined) {
    process.stdout.write(text);
  } else {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, text);
    out.line(o.out);
  }
  return 0;
}
