/**
 * `npm run bench -- NAME [NAME...]`: runs scripts/bench/NAME.ts and writes its figures, with a
 * description of the machine, to reports/bench/NAME.json. Wall-clock time is measured here,
 * outside any simulation, and only here: no test asserts it.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(join(here, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const names = process.argv.slice(2).filter((a) => a !== '--');
if (names.length === 0 || names.some((n) => !available.includes(n))) {
  const bad = names.filter((n) => !available.includes(n));
  process.stderr.write(
    `${bad.length ? `unknown benchmark: ${bad.join(', ')}\n` : ''}usage: npm run bench -- NAME...\nbenchmarks: ${available.join(', ')}\n`,
  );
  process.exit(2);
}

const machine = {
  node: process.version,
  platform: `${platform()} ${release()}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};

for (const name of names) {
  const mod = (await import(`./bench/${name}.ts`)) as { run: () => Promise<Record<string, unknown>> };
  const started = new Date().toISOString();
  const figures = await mod.run();
  const out = join(here, '..', 'reports', 'bench', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ benchmark: name, started, machine, figures }, null, 2)}\n`);
  renameSync(tmp, out);
  process.stdout.write(`${name}: ${JSON.stringify(figures, null, 2)}\nwritten ${out}\n`);
}
