/**
 * `npm run build`: compiles the TypeScript sources (src/, scenarios/, models/) into dist/ with
 * `tsc -p tsconfig.build.json`, from scratch, and stamps dist/ with the time the build started.
 *
 * `node scripts/build.mjs --if-stale` builds only when dist/ is missing or older than a source
 * (the `prepare` script, bin/gnt-sim.js in a development checkout, the CLI tests). Builds are
 * serialised by a lock, and a build is written beside dist/ and renamed into place, so a
 * gnt-sim already running from dist/ never reads a half-written file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What dist/ is built from: a change to any of these makes it stale. */
const INPUTS = ['src', 'scenarios', 'models', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP = '.build-stamp';
/** A lock older than this belongs to a build that died. */
const STALE_LOCK_MS = 5 * 60_000;

export class BuildError extends Error {}

function newestMtimeMs(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/** Why dist/ under `root` needs a build ('missing', 'stale'), or null when it is up to date. */
export function staleness(root) {
  const stamp = join(root, 'dist', STAMP);
  if (!existsSync(stamp)) return 'missing';
  const builtFromMs = Number(readFileSync(stamp, 'utf8'));
  const newest = Math.max(...INPUTS.map((p) => newestMtimeMs(join(root, p))));
  return Number.isFinite(builtFromMs) && newest <= builtFromMs ? null : 'stale';
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding the build lock of `root` (the directory dist.lock, made atomically). */
function withLock(root, fn) {
  const lock = join(root, 'dist.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else sleepMs(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tscPath(root) {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    throw new BuildError('cannot build dist/: typescript is not installed here (npm ci installs it)');
  }
}

/** Builds dist/ from scratch; tsc's messages go to stderr. */
export function build(root) {
  const startedMs = Date.now();
  const tmp = join(root, `dist.tmp-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [tscPath(root), '-p', 'tsconfig.build.json', '--outDir', tmp], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new BuildError(
      `building dist/ failed: tsc -p tsconfig.build.json exited ${r.status ?? r.signal} (see above)`,
    );
  }
  // Stamped with the start time: a source saved during the build leaves dist/ stale.
  writeFileSync(join(tmp, STAMP), String(Math.floor(startedMs)));
  if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), old);
  renameSync(tmp, join(root, 'dist'));
  rmSync(old, { recursive: true, force: true });
}

/**
 * Builds dist/ if it is missing or stale, telling `say` why first; returns whether it built.
 * Another process's build in progress is waited for, not repeated.
 */
export function buildIfStale(root, say = () => {}) {
  if (staleness(root) === null) return false;
  return withLock(root, () => {
    const why = staleness(root);
    if (why === null) return false;
    say(
      why === 'missing'
        ? 'dist/ is not built yet; building it (npm run build)'
        : 'sources changed since dist/ was built; rebuilding it (npm run build)',
    );
    build(root);
    return true;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    if (process.argv.includes('--if-stale')) buildIfStale(root, (line) => process.stderr.write(`${line}\n`));
    else withLock(root, () => build(root));
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
