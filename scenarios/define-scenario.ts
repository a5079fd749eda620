/**
 * `defineScenario`: a scenario object checked against the `Scenario` interface, with its
 * parameter type inferred from `params()`, so that `build` and `size` see typed parameters
 * without a type annotation on the object.
 */
import type { Scenario } from './scenario.js';

/** Returns `scenario` unchanged; its only job is the type. */
export function defineScenario<P>(scenario: Scenario<P>): Scenario<P> {
  return scenario;
}
