/**
 * A scenario's content hash: a hash of the source of the module that defines it. A replay file
 * recorded against other scenario code is reported as such instead of silently diverging.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../../scenarios/scenario.js';
import { Hash64 } from '../sim/hash.js';

const cache = new Map<string, string>();

export function scenarioHash(s: Scenario<unknown>): string {
  let h = cache.get(s.source);
  if (h === undefined) {
    const text = readFileSync(s.source.startsWith('file:') ? fileURLToPath(s.source) : s.source, 'utf8');
    const hash = new Hash64();
    hash.word(text.length);
    for (let i = 0; i < text.length; i++) hash.word(text.charCodeAt(i));
    h = hash.hex();
    cache.set(s.source, h);
  }
  return h;
}
