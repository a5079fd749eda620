/**
 * A lockfile for a throwaway project that depends on gnt-sim's tarball and vitest, cut out of
 * this repository's package-lock.json: the same versions this repository is tested with, and
 * every package's integrity, so `npm ci --offline` installs it from the npm cache that this
 * repository's own `npm ci` filled (that cache holds tarballs, not the registry documents a plain
 * `npm install` would need to resolve version ranges).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly [field: string]: unknown;
}

interface Lock {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** Where Node finds `dep` for the package installed at `from` ('' for the project itself). */
function resolveIn(lock: Lock, from: string, dep: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** The names an installed package needs: its dependencies, optional ones and required peers. */
function needs(entry: LockEntry): string[] {
  const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => !entry.peerDependenciesMeta?.[p]?.optional);
  return [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers];
}

export interface ConsumerLockInput {
  /** This repository's package-lock.json. */
  readonly repositoryLock: string;
  /** gnt-sim's package.json (its name, version and dependencies). */
  readonly packageJson: string;
  /** The packed tarball, and how the project's package.json names it (`file:gnt-sim-0.1.0.tgz`). */
  readonly tarball: string;
  readonly tarballSpec: string;
  /** Other packages of the project, each at the version this repository's lock has. */
  readonly alsoInstall: readonly string[];
}

/** The project's package.json dependencies and its package-lock.json. */
export function consumerLock(input: ConsumerLockInput): { dependencies: Record<string, string>; lock: unknown } {
  const lock = JSON.parse(readFileSync(input.repositoryLock, 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(input.packageJson, 'utf8')) as LockEntry & { name: string; version: string };
  const keep = new Set<string>();
  const visit = (from: string, dep: string) => {
    const at = resolveIn(lock, from, dep);
    if (at === null || keep.has(at)) return;
    keep.add(at);
    for (const d of needs(lock.packages[at] as LockEntry)) visit(at, d);
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit('', dep);
  for (const name of input.alsoInstall) visit('', name);

  const dependencies: Record<string, string> = { [pkg.name]: input.tarballSpec };
  for (const name of input.alsoInstall) {
    dependencies[name] = lock.packages[`node_modules/${name}`]?.version ?? 'missing-from-lock';
  }
  const packages: Record<string, unknown> = {
    '': { name: 'separate-project', dependencies },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: input.tarballSpec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(input.tarball)).digest('base64')}`,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  for (const path of [...keep].sort()) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[path] as LockEntry;
    packages[path] = entry;
  }
  return { dependencies, lock: { name: 'separate-project', lockfileVersion: 3, requires: true, packages } };
}
