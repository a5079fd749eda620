/**
 * `npm run bench -- NAME [NAME...] [--option value...]`: runs scripts/bench/NAME.ts and writes its
 * figures, with a description of the machine, to reports/bench/NAME.json. Options are handed to
 * every named bench's `run(options)` as strings (e.g. `differential --programs 10000`); benches
 * that take none ignore them. Wall-clock time is measured here, outside any simulation, and only
 * here: no test asserts it.
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

const names: string[] = [];
const options: Record<string, string> = {};
const args = process.argv.slice(2).filter((a) => a !== '--');
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a.startsWith('--')) {
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) {
      process.stderr.write(`option ${a} needs a value\n`);
      process.exit(2);
    }
    options[a.slice(2)] = value;
    i++;
  } else {
    names.push(a);
  }
}
if (names.length === 0 || names.some((n) => !available.includes(n))) {
  const bad = names.filter((n) => !available.includes(n));
  process.stderr.write(
    `${bad.length ? `unknown benchmark: ${bad.join(', ')}\n` : ''}usage: npm run bench -- NAME... [--option value...]\nbenchmarks: ${available.join(', ')}\n`,
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
  const mod = (await import(`./bench/${name}.ts`)) as {
    run: (options: Readonly<Record<string, string>>) => Promise<Record<string, unknown>>;
  };
  const started = new Date().toISOString();
  const figures = await mod.run(options);
  const out = join(here, '..', 'reports', 'bench', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ benchmark: name, started, machine, figures }, null, 2)}\n`);
  renameSync(tmp, out);
  process.stdout.write(`${name}: ${JSON.stringify(figures, null, 2)}\nwritten ${out}\n`);
}
