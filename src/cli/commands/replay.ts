/** `gnt-sim replay FILE` and `gnt-sim locks FILE --step N`. */

import { describeFinding } from '../../check/describe.js';
import { checkCompatible, replayFinding } from '../../explore/replay.js';
import { readReplayFile } from '../../explore/replay-file.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario } from '../../explore/scenario-loader.js';
import { renderTrace } from '../../sim/trace.js';
import { type Output, UsageError } from '../output.js';

export interface ReplayCliOptions {
  readonly scenarioFile?: string;
  readonly force: boolean;
  readonly json: boolean;
  /** Print only the last N trace lines (0: none). */
  readonly tail?: number;
}

async function load(file: string, o: { scenarioFile?: string; force: boolean }) {
  const replay = readReplayFile(file);
  const scenario = await loadScenario(o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE, replay.scenario.id).catch(
    (e: Error) => {
      throw new UsageError(`replay file names scenario "${replay.scenario.id}": ${e.message}`);
    },
  );
  checkCompatible(replay, scenario, o.force);
  return { replay, scenario };
}

export async function runReplayCommand(file: string, o: ReplayCliOptions, out: Output): Promise<number> {
  const { replay, scenario } = await load(file, o);
  const r = replayFinding(replay, scenario);
  const trace = r.report.result.trace;
  if (o.json) {
    out.line(
      JSON.stringify(
        {
          reproduced: r.reproduced,
          differences: r.differences,
          traceHash: r.report.result.traceHash,
          finding: r.report.finding,
          trace: trace.snapshot(),
        },
        null,
        2,
      ),
    );
  } else {
    const records = trace.snapshot();
    const shown = o.tail === undefined ? records : records.slice(Math.max(0, records.length - o.tail));
    if (shown.length > 0) out.line(renderTrace(shown, trace.threadNames));
    out.line('');
    out.line(
      `scenario ${scenario.id}, seed ${replay.seed}, ${replay.choices.length} choices, mutants ${replay.mutants.join(',') || 'none'}`,
    );
    if (r.report.finding) out.line(describeFinding(r.report.finding));
    if (r.reproduced) out.line(`reproduced: trace hash ${r.report.result.traceHash}`);
    else for (const d of r.differences) out.error(`replay differs: ${d}`);
  }
  if (!r.reproduced) return 2;
  return r.report.finding ? 1 : 0;
}

export async function runLocksCommand(
  file: string,
  o: { step: number; scenarioFile?: string; force: boolean },
  out: Output,
): Promise<number> {
  const { replay, scenario } = await load(file, o);
  const r = replayFinding(replay, scenario, { maxSteps: o.step });
  const monitor = r.report.instance.lockMonitor;
  if (!monitor) throw new UsageError(`scenario ${scenario.id} has no lock monitor`);
  out.line(`lock monitor of ${scenario.id} at step ${r.report.result.steps}, t=${r.report.result.timeUs} us`);
  out.line(monitor());
  return 0;
}
