/**
 * A scenario's content hash is the hash of its TypeScript source whichever form runs: the compiled
 * module's source map carries the original text, so replay files recorded by the compiled command
 * replay from the sources and back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale } from '../../../scripts/build.mjs';
import { builtinScenario } from '../../../src/explore/builtin-scenarios.js';
import { moduleSourceText } from '../../../src/explore/module-source.js';
import { scenarioHash } from '../../../src/explore/scenario-hash.js';

const root = new URL('../../../', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'gnt-sim-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  buildIfStale(fileURLToPath(root));
}, 120_000);

describe('module source text', () => {
  it('a compiled built-in scenario hashes like its TypeScript source', () => {
    const scenario = builtinScenario('lockset-add-remove');
    const compiled = new URL('dist/scenarios/lockset-add-remove.js', root).href;
    expect(moduleSourceText(compiled)).toBe(readFileSync(new URL('scenarios/lockset-add-remove.ts', root), 'utf8'));
    expect(scenarioHash({ ...scenario, source: compiled })).toBe(scenarioHash(scenario));
  });

  it('a JavaScript module without a source map is its own source', () => {
    const file = join(dir, 'plain.mjs');
    writeFileSync(file, 'export const scenarios = [];\n');
    expect(moduleSourceText(file)).toBe('export const scenarios = [];\n');
  });
});
