/**
 * Replaying a finding in a worker thread under the watchdog (`worker-pool.ts`): a replay file
 * whose run hangs or exhausts its memory (a recorded `hang`, or a forged file whose parameters
 * make `build` loop) ends as such instead of hanging the command.
 */
import { SearchInputError, workerEnded } from './coordinator.js';
import type { ReplayedRun } from './replay.js';
import type { ReplayFile } from './replay-file.js';
import { ScenarioCodeError } from './user-code.js';
import type { WatchdogLimits, WorkerPool } from './worker-pool.js';
import type { WorkerReply } from './worker-protocol.js';

export type WatchedReplay =
  | { readonly kind: 'replayed'; readonly run: ReplayedRun }
  /** The watchdog stopped the replay: it hung (no execution finished in time) or ran out of memory. */
  | { readonly kind: 'killed'; readonly reason: 'hang' | 'oom' };

export interface WatchedReplayOptions {
  readonly scenarioModule: string;
  readonly limits: WatchdogLimits;
  readonly pool: WorkerPool;
  readonly maxSteps?: number;
  readonly lockMonitor?: boolean;
}

export async function replayWatched(file: ReplayFile, o: WatchedReplayOptions): Promise<WatchedReplay> {
  const w = o.pool.acquire(o.limits.memoryMb);
  let result: ReplayedRun | null = null;
  let problem: Error | null = null;
  const onReply = (m: WorkerReply): boolean => {
    if (m.type === 'replayed') result = m.result;
    else if (m.type === 'scenario-error') problem = ScenarioCodeError.fromData(m.error);
    else if (m.type === 'input-error') problem = new SearchInputError(m.message);
    else if (m.type === 'internal-error') problem = new Error(`replay failed: ${m.message}`);
    else return false;
    return true;
  };
  const end = await w.request(
    {
      type: 'replay',
      request: {
        scenarioModule: o.scenarioModule,
        file,
        ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
        ...(o.lockMonitor ? { lockMonitor: true } : {}),
      },
    },
    onReply,
    o.limits.runTimeoutMs,
  );
  o.pool.release(w);
  if (problem) throw problem;
  if (end.kind === 'hang' || end.kind === 'oom') return { kind: 'killed', reason: end.kind };
  if (end.kind !== 'done' || result === null) throw workerEnded(end, file.scenario.id, null);
  return { kind: 'replayed', run: result };
}
