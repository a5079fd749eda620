/**
 * The content hash of the code that is running, recorded in replay files: a replay recorded with
 * other code is then reported as "the code changed" instead of as a bare trace-hash difference.
 *
 * It hashes the tree this module was loaded from, whatever it is: in a checkout the TypeScript
 * sources (`src/`, and `scenarios/` and `models/` beside it), in a compiled package the built
 * files in the same layout. `OWN` is the folder holding `explore/` (this file's folder), `ROOT`
 * its parent. Computed once per process, on first use.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const OWN = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(OWN, '..');
const CODE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function codeFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) codeFiles(p, out);
    else if (e.isFile() && CODE_FILE.test(e.name)) out.push(p);
  }
}

let cached: string | null = null;

/** 16 hex digits over the relative path and content of every code file, in path order. */
export function codeHash(): string {
  if (cached !== null) return cached;
  const files: string[] = [];
  for (const dir of [OWN, join(ROOT, 'scenarios'), join(ROOT, 'models')]) {
    if (existsSync(dir)) codeFiles(dir, files);
  }
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) {
    h.update(relative(ROOT, f).split('\\').join('/'));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  cached = h.digest('hex').slice(0, 16);
  return cached;
}
