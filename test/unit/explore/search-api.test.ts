/**
 * The library's `search()` (`import { search } from 'gnt-sim'`): the command's defaults for what
 * is left out, no module path for a search in this thread, and worker threads that find the
 * scenario in the module that defines it or refuse before the first run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../../scenarios/define-scenario.js';
import { builtinScenario } from '../../../src/explore/builtin-scenarios.js';
import { ScenarioModuleError, search } from '../../../src/explore/search-api.js';
import { orderedPhilosophers, philosophers } from '../../support/fixture-scenarios.js';
import { lostUpdate } from '../../support/named-export-scenario.js';

describe('search() from the library', () => {
  it('needs only a scenario: seed 1, 1000 runs, pct, no mutants, no replay files, this thread', async () => {
    const s = await search({ scenario: philosophers });
    expect(s).toMatchObject({ seed: 1, runsRequested: 1000, strategy: 'pct', mutants: [], stoppedBy: 'finding' });
    expect(s.findings[0]?.replayPath).toBeNull();
  });

  it('takes an option given as undefined as its default', async () => {
    const s = await search({ scenario: orderedPhilosophers, runs: 20, seed: undefined, strategy: undefined });
    expect(s).toMatchObject({ seed: 1, strategy: 'pct', runsDone: 20, findings: [] });
  });

  it('with workers: 2 and no module path, the workers load a scenario its module exports by name and find what one thread finds', async () => {
    const opts = { scenario: lostUpdate, runs: 40, seed: 3 };
    const one = await search({ ...opts, workers: 1 });
    const two = await search({ ...opts, workers: 2 });
    expect(one.findings).toHaveLength(1);
    expect(two.findings.map((f) => [f.run, f.replay])).toEqual(one.findings.map((f) => [f.run, f.replay]));
  });

  it('with workers: 2, a built-in scenario is loaded from its own module', async () => {
    const scenario = builtinScenario('lockset-add-remove');
    const s = await search({ scenario, runs: 4, workers: 2 });
    expect(s).toMatchObject({ runsDone: 4, findings: [] });
  });

  it('with workers: 2, a scenario its module does not export is refused before any run, saying what to do', async () => {
    const hidden = defineScenario({ ...lostUpdate, id: 'hidden', source: import.meta.url });
    const ran: number[] = [];
    const error = await search({ scenario: hidden, runs: 4, workers: 2, onRun: (run) => ran.push(run) }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(ScenarioModuleError);
    expect((error as Error).message).toMatch(
      /^search: worker threads load scenario "hidden" from its module \(file:.*search-api\.test\.ts\), but .*; export it from that module, pass scenarioModule, or use workers: 1$/,
    );
    expect(ran).toEqual([]);
  });

  it('an unknown built-in scenario id is refused, naming the known ones', () => {
    expect(() => builtinScenario('no-such')).toThrow(/unknown built-in scenario "no-such"; known: ganeti-mixed-ops, /);
  });

  it('defineScenario returns the scenario it is given', () => {
    const s = { ...lostUpdate, params: () => fc.record({ threads: fc.constant(2) }) };
    expect(defineScenario(s)).toBe(s);
  });
});
