/**
 * `npm run samples`: regenerates the committed sample diagrams in reports/samples/ (the job and
 * opcode status machines). Deterministic: no timestamps, same bytes on every run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSamples, SAMPLES_DIR } from '../src/report/samples.js';

mkdirSync(SAMPLES_DIR, { recursive: true });
for (const [name, content] of await generateSamples()) {
  writeFileSync(join(SAMPLES_DIR, name), content);
  process.stdout.write(`${join(SAMPLES_DIR, name)}\n`);
}
