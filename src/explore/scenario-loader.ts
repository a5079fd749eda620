/**
 * Finds a scenario by id in a module that exports `scenarios` (an array) or a default
 * scenario. Built-in scenarios live in `scenarios/index.ts`; users may point at their own file.
 */
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../../scenarios/scenario.js';
import { importUserModule } from './import-module.js';

export class ScenarioLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioLoadError';
  }
}

/** `scenarios/index.ts`, or its compiled `index.js` when gnt-sim runs compiled. */
export const BUILTIN_SCENARIOS_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? '../../scenarios/index.ts' : '../../scenarios/index.js',
  import.meta.url,
).href;

function isScenario(x: unknown): x is Scenario<unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.id === 'string' &&
    typeof s.build === 'function' &&
    typeof s.params === 'function' &&
    typeof s.faults === 'function' &&
    typeof s.size === 'function' &&
    typeof s.source === 'string'
  );
}

/** Every scenario a module exports. */
export async function loadScenarios(moduleRef: string): Promise<Scenario<unknown>[]> {
  const url = /^[a-z]+:/.test(moduleRef) ? moduleRef : pathToFileURL(moduleRef).href;
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(url);
  } catch (e) {
    throw new ScenarioLoadError(`cannot load scenario module ${moduleRef}: ${(e as Error).message.split('\n')[0]}`);
  }
  // Failing `scenarios` and a default export, any named export that is a scenario: a scenario's own
  // module (its `source`, as the built-ins' `export const scenario`) is enough for worker threads.
  const list = Array.isArray(mod.scenarios)
    ? (mod.scenarios as unknown[])
    : mod.default
      ? [mod.default]
      : Object.values(mod);
  const found = list.filter(isScenario);
  if (found.length === 0) {
    throw new ScenarioLoadError(
      `${moduleRef} exports no scenario (expected \`export const scenarios = [...]\` or a default export)`,
    );
  }
  return found;
}

export async function loadScenario(moduleRef: string, id: string): Promise<Scenario<unknown>> {
  const all = await loadScenarios(moduleRef);
  const s = all.find((x) => x.id === id);
  if (!s) throw new ScenarioLoadError(`unknown scenario "${id}"; known: ${all.map((x) => x.id).join(', ')}`);
  return s;
}
