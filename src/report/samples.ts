/**
 * The diagrams committed under `reports/samples/` and linked from the README. They are generated
 * (`npm run samples`), never edited, and a test fails when they differ from what the code draws.
 */
import { findModel } from '../../models/index.js';
import { modelDiagram } from './diagrams.js';

/** Models whose diagrams are committed as samples. */
export const SAMPLE_MODELS: readonly string[] = ['job-status', 'opcode-status'];

export const SAMPLES_DIR = 'reports/samples';

/** File name -> content of every sample, in a fixed order. */
export async function generateSamples(): Promise<ReadonlyMap<string, string>> {
  const out = new Map<string, string>();
  for (const id of SAMPLE_MODELS) out.set(`${id}.svg`, await modelDiagram(findModel(id), 'svg'));
  return out;
}
