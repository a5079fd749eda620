/**
 * Model coverage summed over the runs of a search: how often each transition of each lifecycle
 * model was taken. Reports draw it over the machines, so a user sees which lifecycles a search
 * never exercised.
 */
import type { ModelCoverage } from '../../scenarios/scenario.js';

/** model id -> `from->to` -> count; keys kept sorted so the JSON is stable. */
export type CoverageTable = Record<string, Record<string, number>>;

export function addCoverage(into: CoverageTable, runs: readonly ModelCoverage[]): void {
  for (const c of runs) {
    const m = (into[c.model] ??= {});
    for (const [k, n] of Object.entries(c.transitions)) m[k] = (m[k] ?? 0) + n;
  }
}

export function mergeCoverage(tables: readonly CoverageTable[]): CoverageTable {
  const out: CoverageTable = {};
  for (const t of tables) {
    for (const [model, transitions] of Object.entries(t)) addCoverage(out, [{ model, transitions }]);
  }
  return sortedCoverage(out);
}

export function sortedCoverage(t: CoverageTable): CoverageTable {
  const out: CoverageTable = {};
  for (const model of Object.keys(t).sort()) {
    const m = t[model] ?? {};
    out[model] = Object.fromEntries(
      Object.keys(m)
        .sort()
        .map((k) => [k, m[k] ?? 0]),
    );
  }
  return out;
}
