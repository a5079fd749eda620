import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { generateSamples, SAMPLES_DIR } from '../../src/report/samples.js';

it('the committed sample diagrams are exactly what the code generates (run npm run samples after changing a model)', async () => {
  const samples = await generateSamples();
  const committed = readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.svg'))
    .sort();
  expect(committed).toEqual([...samples.keys()].sort());
  for (const [name, content] of samples) {
    expect(readFileSync(join(SAMPLES_DIR, name), 'utf8'), `${name} is stale: run npm run samples`).toBe(content);
  }
});
