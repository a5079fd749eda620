/**
 * A scenario's content hash: a hash of the source of the module that defines it. A replay file
 * recorded against other scenario code is reported as such instead of silently diverging.
 */
import type { Scenario } from '../../scenarios/scenario.js';
import { Hash64 } from '../sim/hash.js';
import { moduleSourceText } from './module-source.js';

const cache = new Map<string, string>();

export function scenarioHash(s: Scenario<unknown>): string {
  let h = cache.get(s.source);
  if (h === undefined) {
    const text = moduleSourceText(s.source);
    const hash = new Hash64();
    hash.word(text.length);
    for (let i = 0; i < text.length; i++) hash.word(text.charCodeAt(i));
    h = hash.hex();
    cache.set(s.source, h);
  }
  return h;
}
