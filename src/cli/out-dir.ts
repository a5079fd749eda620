/**
 * The output directory of a search, checked before the first run so that no search runs for an
 * hour and then cannot write its result: it must not be the empty string or a file, it must exist
 * or be creatable, and be writable. A directory that already holds results is refused, so that
 * no earlier search is overwritten or mixed in; `--force` empties it, but only of what gnt-sim
 * writes (replay files, summaries, reports): a directory holding other files is never emptied.
 */
import { accessSync, constants, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../explore/atomic-write.js';
import { ioReason } from '../explore/io-reason.js';
import { UsageError } from './output.js';

/** What a search writes into its directory (and the temporary files of atomic writes). */
const OUTPUT_FILE = /^(summary\.json|index\.html|.+\.replay\.json|.+\.html|\..+\.tmp)$/;

function shown(p: string): string {
  return /[\s"'\\]/.test(p) || p === '' ? JSON.stringify(p) : p;
}

/** Makes `dir` ready for a search's output, or says in one line why it cannot be. */
export function prepareOutDir(dir: string, force: boolean): void {
  if (dir.trim() === '') throw new UsageError('--out must name a directory, got the empty string');
  if (dir.includes('\0')) throw new UsageError('--out must not contain a NUL character');
  let isDir = false;
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw new UsageError(`--out ${shown(dir)} is a file, not a directory`);
    isDir = true;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`--out ${shown(dir)} cannot be used: ${ioReason(e)}`);
    }
  }
  if (!isDir) {
    try {
      makeDirs(dir);
    } catch (e) {
      throw new UsageError(`--out ${shown(dir)} cannot be created: ${ioReason(e)}`);
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`--out ${shown(dir)} is not writable`);
  }
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.length === 0) return;
  const foreign = entries.filter((e) => !(e.isFile() && OUTPUT_FILE.test(e.name))).map((e) => e.name);
  if (!force) {
    throw new UsageError(
      `--out ${shown(dir)} already holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} ` +
        `(${entries
          .slice(0, 3)
          .map((e) => e.name)
          .join(', ')}${entries.length > 3 ? ', ...' : ''}); choose another directory, or --force to empty it`,
    );
  }
  if (foreign.length > 0) {
    throw new UsageError(
      `--out ${shown(dir)} holds files gnt-sim did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); --force empties only a search's own output`,
    );
  }
  for (const e of entries) rmSync(join(dir, e.name), { force: true });
}

/** `base`, or `base-2`, `base-3`... whichever does not exist yet (default directories are per second). */
export function freshDir(base: string): string {
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) {
    const d = `${base}-${i}`;
    if (!existsSync(d)) return d;
  }
}
