/** The lifecycle diagrams of every model in `models/`, as DOT or SVG, one file per model. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS, type ModelEntry } from '../../models/index.js';
import { machineDot } from './machine-dot.js';
import { renderSvg } from './svg.js';

export type DiagramFormat = 'dot' | 'svg';
export const DIAGRAM_FORMATS: readonly DiagramFormat[] = ['dot', 'svg'];

/** The diagram of one model in `format`. */
export async function modelDiagram(model: ModelEntry, format: DiagramFormat): Promise<string> {
  const dot = machineDot(model);
  return format === 'dot' ? dot : renderSvg(dot);
}

/** Writes `<model id>.<format>` for every model into `dir`; returns the paths in `MODELS` order. */
export async function writeModelDiagrams(
  dir: string,
  format: DiagramFormat,
  models: readonly ModelEntry[] = MODELS,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const m of models) {
    const path = join(dir, `${m.id}.${format}`);
    writeFileSync(path, await modelDiagram(m, format));
    written.push(path);
  }
  return written;
}
