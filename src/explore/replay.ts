/**
 * Replaying a finding from its file: the same scenario code and tool version, the same seed,
 * parameters and faults, and the recorded choices replayed strictly. The outcome is either the
 * same trace hash (reproduced) or a precise statement of what differs.
 *
 * A `hang` or `oom` finding has no recorded choices (the watchdog killed its run): it replays the
 * recorded schedule instead, which is deterministic from the kernel seed; the command line runs
 * it under the same watchdog (`replay-watched.ts`), so replaying a hang hangs nothing.
 */
import type { ModelCoverage, Scenario } from '../../scenarios/scenario.js';
import type { Finding } from '../check/finding.js';
import type { WaitForGraph } from '../check/wait-for.js';
import { isMutantName, MutantSet } from '../mutants/registry.js';
import { type FaultPlan, KERNEL_FAULTS } from '../sim/faults.js';
import type { TraceRecord } from '../sim/trace.js';
import { TOOL_VERSION } from '../version.js';
import { codeHash } from './code-hash.js';
import { isKilledRun, type ReplayFile, ReplayFileError } from './replay-file.js';
import { executeRun, type RunReport } from './run.js';
import { scenarioHash } from './scenario-hash.js';
import { callScenario } from './user-code.js';

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
    const unknown = file.mutants.filter((m) => !isMutantName(m));
    throw new ReplayFileError('damaged', `replay file names unknown mutants: ${unknown.join(', ')}`);
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
  const killed = isKilledRun(file.finding);
  const report = executeRun(
    budgeted,
    {
      seed: file.seed,
      params: file.params,
      faults,
      schedule: killed ? file.schedule : { kind: 'choices', choices: file.choices },
    },
    { mutants, trace: 'full', ...(killed ? {} : { replayChoices: file.choices }) },
  );
  if (opts.maxSteps !== undefined) return { report, reproduced: true, differences: [] };
  const differences = compare(file, report.result.traceHash, report.finding);
  if (differences.length > 0 && file.tool.code !== codeHash()) {
    differences.unshift(
      `the code changed since this was recorded (recorded with code ${file.tool.code}, running ${codeHash()})`,
    );
  }
  return { report, reproduced: differences.length === 0, differences };
}

function compare(file: ReplayFile, hash: string, finding: Finding | null): string[] {
  const out: string[] = [];
  const now = finding ? `${finding.kind} (${finding.property})` : 'no finding';
  if (isKilledRun(file.finding)) {
    // Only a kill by the watchdog reproduces these; a run that ends is a difference.
    return [`finding: recorded ${file.finding.kind}, but the run now ends (${now})`];
  }
  if (hash !== file.traceHash) out.push(`trace hash: recorded ${file.traceHash}, replayed ${hash}`);
  const was = `${file.finding.kind} (${file.finding.property})`;
  if (was !== now) out.push(`finding: recorded ${was}, replayed ${now}`);
  else if (finding && finding.message !== file.finding.message) {
    out.push(`finding message: recorded "${file.finding.message}", replayed "${finding.message}"`);
  }
  return out;
}

/** A replay as plain data: what a worker thread sends back, and what commands print and draw. */
export interface ReplayedRun {
  readonly reproduced: boolean;
  readonly differences: readonly string[];
  readonly traceHash: string;
  readonly finding: Finding | null;
  readonly steps: number;
  readonly timeUs: number;
  readonly records: readonly TraceRecord[];
  readonly threadNames: ReadonlyArray<readonly [number, string]>;
  readonly waitFor?: WaitForGraph;
  readonly coverage: readonly ModelCoverage[];
  /** The lock monitor at the end, when asked for; null when the scenario has none. */
  readonly lockMonitor?: string | null;
}

export function replayedRun(
  file: ReplayFile,
  scenario: Scenario<unknown>,
  opts: ReplayOptions & { readonly lockMonitor?: boolean } = {},
): ReplayedRun {
  const r = replayFinding(file, scenario, opts);
  const result = r.report.result;
  const instance = r.report.instance;
  const waitFor = instance.waitFor ? callScenario(scenario.id, 'waitFor', () => instance.waitFor?.()) : undefined;
  return {
    reproduced: r.reproduced,
    differences: r.differences,
    traceHash: result.traceHash,
    finding: r.report.finding,
    steps: result.steps,
    timeUs: result.timeUs,
    records: result.trace.snapshot(),
    threadNames: [...result.trace.threadNames.entries()],
    ...(waitFor ? { waitFor } : {}),
    coverage: r.report.coverage,
    ...(opts.lockMonitor
      ? {
          lockMonitor: instance.lockMonitor
            ? String(callScenario(scenario.id, 'lockMonitor', () => instance.lockMonitor?.()))
            : null,
        }
      : {}),
  };
}
