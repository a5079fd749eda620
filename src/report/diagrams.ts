/** The lifecycle diagrams of every model in `models/`, as DOT or SVG, one file per model. */
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

/**
 * The diagram of every model, in `MODELS` order, with its file name (`<model id>.<format>`); the
 * caller writes them (atomically, see `src/explore/atomic-write.ts`).
 */
export async function modelDiagrams(
  format: DiagramFormat,
  models: readonly ModelEntry[] = MODELS,
  coverage?: CoverageByModel,
): Promise<Array<{ readonly file: string; readonly text: string }>> {
  const out: Array<{ file: string; text: string }> = [];
  for (const m of models) out.push({ file: `${m.id}.${format}`, text: await modelDiagram(m, format, coverage) });
  return out;
}
