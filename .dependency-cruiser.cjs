/**
 * The import rules of gnt-sim, written once: which folder may import which (DESIGN.md §1).
 * `npm run lint` runs dependency-cruiser with this file and fails on any arrow the table does not
 * allow, on any import cycle, and on fast-check or xstate reaching the kernel or the systems
 * under test.
 *
 * Layers, top to bottom (an arrow may only point down the table, or within a folder):
 *   cli -> explore, report -> scenarios -> check -> cluster -> mcpu -> jqueue -> locking, lockd
 *   -> config -> sim
 * Systems under test (locking, jqueue, mcpu, lockd, config) see the kernel only through
 * `src/sim/ports.ts`. `models/` (the xstate machines) is read by `check` and `report` only.
 * `src/mutants/` (the registry of historical bugs), `src/version.ts` and `src/lib/` (generic data
 * structures such as the one min-heap, shared by the kernel's timers and the job queue's worker
 * pool, which may import only ports from the kernel) are leaves anyone may use.
 */
const SUT = ['src/locking', 'src/jqueue', 'src/mcpu', 'src/lockd', 'src/config'];
const LEAVES = ['src/mutants', 'src/version.ts', 'src/lib'];

/** Folder -> the folders it may import (besides itself and the leaves). */
const MAY_IMPORT = {
  // The package's public API (`exports`): the scenario helpers, the search and the kernel's public
  // face, re-exported from the layers that own them; above every layer, like the CLI.
  'src/index.ts': ['src/explore', 'scenarios', 'src/check', 'src/sim'],
  // `gnt-sim/vitest`: the search as a vitest test.
  'src/vitest.ts': ['src/explore', 'src/check'],
  'src/cli': ['src/explore', 'src/report', 'scenarios', 'src/check', 'src/sim'],
  'src/explore': ['scenarios', 'src/check', 'src/sim'],
  'src/report': ['src/check', 'models', 'src/sim'],
  scenarios: ['src/check', 'src/cluster', ...SUT, 'src/sim'],
  'src/check': ['models', 'src/cluster', ...SUT, 'src/sim'],
  'src/cluster': [...SUT, 'src/sim'],
  'src/mcpu': ['src/jqueue', 'src/locking', 'src/config', 'src/sim/ports.ts'],
  'src/jqueue': ['src/locking', 'src/sim/ports.ts'],
  'src/locking': ['src/sim/ports.ts'],
  'src/lockd': ['src/sim/ports.ts'],
  'src/config': [],
  'src/sim': [],
  models: [],
  'src/mutants': [],
  // Generic data structures: they know nothing of the kernel or of Ganeti.
  'src/lib': [],
};

const escapeDots = (s) => s.replace(/[.]/g, '\\.');
/** `src/sim` matches the folder, `src/sim/ports.ts` the one file. */
const pathRe = (p) => (p.endsWith('.ts') ? `^${escapeDots(p)}$` : `^${escapeDots(p)}/`);

const layerRules = Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
  name: `layer:${from}`,
  comment: `${from} may import only ${[...allowed, ...LEAVES].join(', ') || 'itself'} (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: pathRe(from) },
  to: {
    path: '^(src|scenarios|models)/',
    pathNot: [from, ...allowed, ...LEAVES].map(pathRe).join('|'),
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'public-api-is-the-top',
      comment: 'src/index.ts and src/vitest.ts are what other projects import; nothing inside gnt-sim imports them',
      severity: 'error',
      from: { path: '^(src|scenarios|models)/' },
      to: { path: '^src/(index|vitest)[.]ts$' },
    },
    {
      name: 'no-cycle',
      comment: 'modules must not import each other in a cycle',
      severity: 'error',
      from: { path: '^(src|scenarios|models)/' },
      to: { circular: true },
    },
    {
      name: 'no-search-libraries-below-check',
      comment: 'the kernel and the systems under test know nothing of fast-check or xstate',
      severity: 'error',
      from: { path: `^(src/sim|src/cluster|${SUT.map(escapeDots).join('|')})/` },
      to: { path: 'node_modules/(fast-check|xstate|@xstate)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep node_modules paths as imported, so the rules match them in linked installs too.
    preserveSymlinks: true,
    includeOnly: '^(src|scenarios|models|node_modules)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
