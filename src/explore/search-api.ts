/**
 * The search as a library call: `search({ scenario })`, with the command's defaults for everything
 * else. A search in this thread needs no module path. Worker threads load the scenario
 * themselves: from `scenarioModule` if given, else from the module that defines it (its `source`,
 * `import.meta.url`), which must export it; otherwise the search refuses with a clear error
 * before starting any worker.
 */
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../../scenarios/scenario.js';
import { MutantSet } from '../mutants/registry.js';
import { isBuiltinScenario } from './builtin-scenarios.js';
import {
  type SearchOptions as CoordinatorOptions,
  search as coordinatorSearch,
  type SearchSummary,
} from './coordinator.js';
import { loadScenarios, ScenarioLoadError } from './scenario-loader.js';

/** Options the library fills in when they are left out. */
type Defaulted = 'scenarioModule' | 'seed' | 'runs' | 'strategy' | 'mutants' | 'outDir' | 'workers' | 'clock';

/**
 * What `search()` takes: a scenario, and optionally everything `gnt-sim search` has a flag for.
 * Defaults: seed 1, 1000 runs, strategy `pct`, no mutants, no replay files (`outDir: null`), one
 * worker (this thread), the wall clock.
 */
export type SearchOptions = Omit<CoordinatorOptions, Defaulted> & Partial<Pick<CoordinatorOptions, Defaulted>>;

export const SEARCH_DEFAULTS = {
  seed: 1,
  runs: 1000,
  strategy: 'pct',
  mutants: MutantSet.none,
  outDir: null,
  workers: 1,
} as const satisfies Partial<CoordinatorOptions>;

// Captured at load: a search's clock reads real time between runs, whatever a run's
// determinism guard does to the global.
const performanceNow = performance.now.bind(performance);

/** Thrown when worker threads are asked for and cannot find the scenario. */
export class ScenarioModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioModuleError';
  }
}

/** Runs a search of `options.scenario` (see `SearchOptions` for the defaults). */
export async function search(options: SearchOptions): Promise<SearchSummary> {
  // An option given as `undefined` means "the default", as when it is left out.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SearchOptions;
  const resolved: CoordinatorOptions = {
    ...SEARCH_DEFAULTS,
    clock: performanceNow,
    ...given,
    scenarioModule: await workerModule(given),
  };
  return coordinatorSearch(resolved);
}

/** The module worker threads load the scenario from ('' when the search runs in this thread). */
async function workerModule(options: SearchOptions): Promise<string> {
  if (options.scenarioModule) return options.scenarioModule;
  if ((options.workers ?? SEARCH_DEFAULTS.workers) <= 1) return '';
  const { id, source } = options.scenario;
  const found = await loadScenarios(source).catch((e: Error) => e);
  if (Array.isArray(found) && found.some((s) => s.id === id)) return source;
  const why = found instanceof ScenarioLoadError ? found.message : `it does not export scenario "${id}"`;
  throw new ScenarioModuleError(
    `search: worker threads load scenario "${id}" from its module (${source}), but ${why}; ` +
      'export it from that module, pass scenarioModule, or use workers: 1',
  );
}

/**
 * The `--scenario-file` that `gnt-sim replay` needs for `scenario` (undefined for a built-in
 * scenario).
 */
export function scenarioFileFor(scenario: Scenario<unknown>, scenarioModule?: string): string | undefined {
  if (!scenarioModule && isBuiltinScenario(scenario)) return undefined;
  const ref = scenarioModule || scenario.source;
  const path = ref.startsWith('file:') ? fileURLToPath(ref) : ref;
  const rel = relative(process.cwd(), path);
  // Below the working directory as `./x.ts`; elsewhere the absolute path reads better.
  return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
}
