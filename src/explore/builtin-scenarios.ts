/** The built-in scenarios as the library hands them out, by id. */
import { scenarios } from '../../scenarios/index.js';
import type { Scenario } from '../../scenarios/scenario.js';

/** gnt-sim's built-in scenarios, in the order `gnt-sim scenarios` lists them. */
export const builtinScenarios = scenarios as readonly Scenario<unknown>[];

/** The built-in scenario `id` (see `gnt-sim scenarios`); throws naming the known ids otherwise. */
export function builtinScenario(id: string): Scenario<unknown> {
  const found = builtinScenarios.find((s) => s.id === id);
  if (!found)
    throw new Error(`unknown built-in scenario "${id}"; known: ${builtinScenarios.map((s) => s.id).join(', ')}`);
  return found;
}

/** Whether `scenario` is a built-in one (replayed without `--scenario-file`). */
export function isBuiltinScenario(scenario: Scenario<unknown>): boolean {
  return builtinScenarios.some((s) => s === scenario || (s.id === scenario.id && s.source === scenario.source));
}
