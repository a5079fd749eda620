/** `gnt-sim scenarios` and `gnt-sim mutants`. */
import { BUILTIN_SCENARIOS_MODULE, loadScenarios } from '../../explore/scenario-loader.js';
import { MUTANT_NAMES, MUTANTS } from '../../mutants/registry.js';
import type { Output } from '../output.js';

export async function runScenariosCommand(o: { scenarioFile?: string; json: boolean }, out: Output): Promise<number> {
  const all = await loadScenarios(o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE);
  if (o.json) {
    const rows = all.map((s) => ({
      id: s.id,
      title: s.title,
      description: s.description,
      seeds: s.seeds,
      mutants: s.mutants,
      features: s.features,
    }));
    out.line(JSON.stringify(rows, null, 2));
    return 0;
  }
  for (const s of all) {
    out.line(out.bold(s.id));
    out.line(`  ${s.title}: ${s.description}`);
    out.line(`  seeds ${s.seeds.join(', ') || '-'}; finds ${s.mutants.join(', ') || '-'}`);
  }
  return 0;
}

export async function runMutantsCommand(o: { json: boolean }, out: Output): Promise<number> {
  const all = await loadScenarios(BUILTIN_SCENARIOS_MODULE);
  const rows = MUTANT_NAMES.map((name) => ({
    name,
    ...MUTANTS[name],
    scenarios: all.filter((s) => s.mutants.includes(name)).map((s) => s.id),
  }));
  if (o.json) {
    out.line(JSON.stringify(rows, null, 2));
    return 0;
  }
  for (const r of rows) {
    out.line(out.bold(r.name));
    out.line(`  ${r.does} (${r.origin})`);
    out.line(`  expect ${r.finding}; scenario ${r.scenarios.join(', ') || 'none yet'}`);
  }
  return 0;
}
