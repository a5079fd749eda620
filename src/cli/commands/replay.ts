/**
 * `gnt-sim replay FILE` and `gnt-sim locks FILE --step N`. The replay runs in a worker thread
 * under the watchdog, so a file whose run hangs (a recorded `hang`, or a forged one) ends with a
 * line instead of hanging the command.
 */
import type { Scenario } from '../../../scenarios/scenario.js';
import { describeFinding } from '../../check/describe.js';
import { checkCompatible, type ReplayedRun } from '../../explore/replay.js';
import { type ReplayFile, readReplayFile } from '../../explore/replay-file.js';
import { replayWatched, type WatchedReplay } from '../../explore/replay-watched.js';
import { BUILTIN_SCENARIOS_MODULE, loadScenario } from '../../explore/scenario-loader.js';
import { renderTrace } from '../../sim/trace.js';
import { UsageError } from '../output.js';
import type { CommandContext } from './search.js';

export interface ReplayCliOptions {
  readonly scenarioFile?: string;
  readonly force: boolean;
  readonly json: boolean;
  /** Print only the last N trace lines (0: none). */
  readonly tail?: number;
}

/** Reads, loads and checks a replay file against its scenario (exit 2 on any mismatch). */
export async function loadReplay(
  file: string,
  o: { scenarioFile?: string; force: boolean },
): Promise<{ replay: ReplayFile; scenario: Scenario<unknown>; module: string }> {
  const replay = readReplayFile(file);
  const module = o.scenarioFile ?? BUILTIN_SCENARIOS_MODULE;
  const scenario = await loadScenario(module, replay.scenario.id).catch((e: Error) => {
    throw new UsageError(`replay file names scenario "${replay.scenario.id}": ${e.message}`);
  });
  checkCompatible(replay, scenario, o.force);
  return { replay, scenario, module };
}

/** What a killed replay means for the recorded finding. */
function killedText(replay: ReplayFile, reason: 'hang' | 'oom', ctx: CommandContext): string {
  const what =
    reason === 'hang'
      ? `the run did not yield for ${ctx.limits.runTimeoutMs / 1000} s (--run-timeout)`
      : `the run exhausted its heap of ${ctx.limits.memoryMb} MB (--run-memory)`;
  if (replay.finding.kind === reason) return `reproduced: ${what} again`;
  return `recorded ${replay.finding.kind} (${replay.finding.property}), but now ${what}`;
}

export async function runReplayCommand(file: string, o: ReplayCliOptions, ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const { replay, scenario, module } = await loadReplay(file, o);
  const r = await replayWatched(replay, { scenarioModule: module, limits: ctx.limits, pool: ctx.pool });
  const header = `scenario ${scenario.id}, seed ${replay.seed}, ${replay.choices.length} choices, mutants ${replay.mutants.join(',') || 'none'}`;
  if (r.kind === 'killed') {
    const reproduced = replay.finding.kind === r.reason;
    if (o.json) {
      out.line(JSON.stringify({ reproduced, killed: r.reason, finding: replay.finding }, null, 2));
    } else {
      out.line(header);
      out.line(describeFinding(replay.finding));
      if (reproduced) out.line(killedText(replay, r.reason, ctx));
    }
    if (!reproduced) throw new UsageError(`replay differs: ${killedText(replay, r.reason, ctx)}`);
    return 1;
  }
  const run = r.run;
  const threadNames = new Map(run.threadNames);
  if (o.json) {
    out.line(
      JSON.stringify(
        {
          reproduced: run.reproduced,
          differences: run.differences,
          traceHash: run.traceHash,
          finding: run.finding,
          trace: run.records,
        },
        null,
        2,
      ),
    );
  } else {
    const shown = o.tail === undefined ? run.records : run.records.slice(Math.max(0, run.records.length - o.tail));
    if (shown.length > 0) out.line(renderTrace(shown, threadNames));
    out.line('');
    out.line(header);
    if (run.finding) out.line(describeFinding(run.finding));
    if (run.reproduced) out.line(`reproduced: trace hash ${run.traceHash}`);
  }
  if (!run.reproduced) throw new UsageError(`replay differs: ${run.differences.join('; ')}`);
  return run.finding ? 1 : 0;
}

export async function runLocksCommand(
  file: string,
  o: { step: number; scenarioFile?: string; force: boolean },
  ctx: CommandContext,
): Promise<number> {
  const { replay, scenario, module } = await loadReplay(file, o);
  const r: WatchedReplay = await replayWatched(replay, {
    scenarioModule: module,
    limits: ctx.limits,
    pool: ctx.pool,
    maxSteps: o.step,
    lockMonitor: true,
  });
  if (r.kind === 'killed') {
    throw new UsageError(`the replay was stopped before step ${o.step}: ${killedText(replay, r.reason, ctx)}`);
  }
  const run: ReplayedRun = r.run;
  if (run.lockMonitor === null || run.lockMonitor === undefined) {
    throw new UsageError(`scenario ${scenario.id} has no lock monitor`);
  }
  ctx.out.line(`lock monitor of ${scenario.id} at step ${run.steps}, t=${run.timeUs} us`);
  ctx.out.line(run.lockMonitor);
  return 0;
}
