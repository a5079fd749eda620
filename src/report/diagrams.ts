/** The lifecycle diagrams of every model in `models/`, as DOT or SVG, one file per model. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS, type ModelEntry } from '../../models/index.js';
import { coverageDot, machineDot } from './machine-dot.js';
import { renderSvg } from './svg.js';

/** The models the diagrams are drawn from; the CLI reaches `models/` only through the report. */
export { MODELS };

export type DiagramFormat = 'dot' | 'svg';
export const DIAGRAM_FORMATS: readonly DiagramFormat[] = ['dot', 'svg'];

/** Model coverage as searches record it: model id -> `from->to` -> count. */
export type CoverageByModel = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** The diagram of one model in `format`; with `coverage`, the coverage overlay instead. */
export async function modelDiagram(
  model: ModelEntry,
  format: DiagramFormat,
  coverage?: CoverageByModel,
): Promise<string> {
  const dot = coverage ? coverageDot(model, coverage[model.id] ?? {}) : machineDot(model);
  return format === 'dot' ? dot : renderSvg(dot);
}

/** Writes `<model id>.<format>` for every model into `dir`; returns the paths in `MODELS` order. */
export async function writeModelDiagrams(
  dir: string,
  format: DiagramFormat,
  models: readonly ModelEntry[] = MODELS,
  coverage?: CoverageByModel,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const m of models) {
    const path = join(dir, `${m.id}.${format}`);
    writeFileSync(path, await modelDiagram(m, format, coverage));
    written.push(path);
  }
  return written;
}
