/**
 * Replaying a finding from its file: the same scenario code and tool version, the same seed,
 * parameters and faults, and the recorded choices replayed strictly. The outcome is either the
 * same trace hash (reproduced) or a precise statement of what differs.
 */
import type { Scenario } from '../../scenarios/scenario.js';
import type { Finding } from '../check/finding.js';
import { isMutantName, MutantSet } from '../mutants/registry.js';
import { type FaultPlan, KERNEL_FAULTS } from '../sim/faults.js';
import { TOOL_VERSION } from '../version.js';
import { type ReplayFile, ReplayFileError } from './replay-file.js';
import { executeRun, type RunReport } from './run.js';
import { scenarioHash } from './scenario-hash.js';

export interface ReplayOutcome {
  readonly report: RunReport;
  readonly reproduced: boolean;
  /** What differs when not reproduced. */
  readonly differences: readonly string[];
}

/** Refuses a replay whose recording does not match this tool and scenario (unless forced). */
export function checkCompatible(file: ReplayFile, scenario: Scenario<unknown>, force: boolean): void {
  if (force) return;
  if (file.tool.version !== TOOL_VERSION) {
    throw new ReplayFileError(
      'tool-version',
      `replay file was recorded with gnt-sim ${file.tool.version}, this is ${TOOL_VERSION} (use --force to try anyway)`,
    );
  }
  const hash = scenarioHash(scenario);
  if (file.scenario.hash !== hash) {
    throw new ReplayFileError(
      'scenario-changed',
      `scenario ${scenario.id} changed since the replay file was recorded (hash ${file.scenario.hash}, now ${hash}; use --force to try anyway)`,
    );
  }
}

export interface ReplayOptions {
  /** Stop after this many scheduling steps (to look at the state at that step). */
  readonly maxSteps?: number;
}

export function replayFinding(file: ReplayFile, scenario: Scenario<unknown>, opts: ReplayOptions = {}): ReplayOutcome {
  const mutants = new MutantSet(file.mutants.filter(isMutantName));
  if (mutants.list().length !== file.mutants.length) {
    throw new ReplayFileError('damaged', `replay file names unknown mutants: ${file.mutants.join(', ')}`);
  }
  let faults: FaultPlan;
  try {
    faults = (scenario.faultVocabulary ?? KERNEL_FAULTS).validate(file.faults);
  } catch (e) {
    throw new ReplayFileError('damaged', `replay file has a malformed fault plan: ${(e as Error).message}`);
  }
  const budgeted: Scenario<unknown> =
    opts.maxSteps === undefined
      ? scenario
      : { ...scenario, budget: { ...scenario.budget, maxSteps: Math.min(scenario.budget.maxSteps, opts.maxSteps) } };
  const report = executeRun(
    budgeted,
    { seed: file.seed, params: file.params, faults, schedule: { kind: 'choices', choices: file.choices } },
    { mutants, trace: 'full', replayChoices: file.choices },
  );
  if (opts.maxSteps !== undefined) return { report, reproduced: true, differences: [] };
  const differences = compare(file, report.result.traceHash, report.finding);
  return { report, reproduced: differences.length === 0, differences };
}

function compare(file: ReplayFile, hash: string, finding: Finding | null): string[] {
  const out: string[] = [];
  if (hash !== file.traceHash) out.push(`trace hash: recorded ${file.traceHash}, replayed ${hash}`);
  const was = `${file.finding.kind} (${file.finding.property})`;
  const now = finding ? `${finding.kind} (${finding.property})` : 'no finding';
  if (was !== now) out.push(`finding: recorded ${was}, replayed ${now}`);
  else if (finding && finding.message !== file.finding.message) {
    out.push(`finding message: recorded "${file.finding.message}", replayed "${finding.message}"`);
  }
  return out;
}
