/**
 * The TypeScript source of a module, whichever form of it runs. gnt-sim's compiled build keeps
 * each module's original source inside its source map (`inlineSources`), so a scenario defined in
 * `scenarios/x.ts` has the same text, and so the same content hash in replay files, whether it
 * runs from the sources (vitest, tsx) or compiled (`dist/scenarios/x.js`, an installed package).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface SourceMap {
  readonly sources?: readonly string[];
  readonly sourcesContent?: readonly (string | null)[];
}

/** The source text of the module at `ref` (a `file:` URL or a path). */
export function moduleSourceText(ref: string): string {
  const path = ref.startsWith('file:') ? fileURLToPath(ref) : ref;
  if (path.endsWith('.js') && existsSync(`${path}.map`)) {
    const map = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as SourceMap;
    const original = map.sources?.length === 1 ? map.sourcesContent?.[0] : undefined;
    if (typeof original === 'string') return original;
  }
  return readFileSync(path, 'utf8');
}
