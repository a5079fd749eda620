/**
 * Helpers for the opcode-processor tests: a small simulated master (config, lock manager,
 * processor) driven without the job queue, and recording callbacks standing in for the queue's
 * `_OpExecCallbacks` as Ganeti's mcpu tests use fakes.
 */
import { ClusterConfig, type ClusterShape } from '../../../src/config/cluster-config.js';
import { CancelJob } from '../../../src/jqueue/errors.js';
import type { OpExecCallbacks, SubmitJobResult } from '../../../src/jqueue/op-executor.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import { LockManager } from '../../../src/locking/index.js';
import type { LuEnv } from '../../../src/mcpu/logical-unit.js';
import { Processor, type ProcessorOptions } from '../../../src/mcpu/processor.js';
import { SimulatedWork, type WorkProfiles } from '../../../src/mcpu/work.js';
import type { MutantSet } from '../../../src/mutants/registry.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation, type StrategySpec } from '../../../src/sim/simulation.js';
import type { TraceRecord } from '../../../src/sim/trace.js';

/** What the fake queue saw from one opcode. */
export class RecordingCallbacks implements OpExecCallbacks {
  started = 0;
  readonly feedbackLog: string[] = [];
  readonly priorityAsked: number[] = [];
  readonly submitted: OpInput[][][] = [];
  /** Thrown from `currentPriority` once set (a cancel noticed before a lock level). */
  cancelled = false;
  private nextId: number;

  constructor(
    public priority = 0,
    firstJobId = 200,
  ) {
    this.nextId = firstJobId;
  }

  // biome-ignore lint/correctness/useYield: the fake queue answers at once.
  *notifyStart(): Proc<void> {
    if (this.cancelled) throw new CancelJob('Job canceled by request');
    this.started++;
  }

  // biome-ignore lint/correctness/useYield: the fake queue answers at once.
  *feedback(_logType: string, message: unknown): Proc<void> {
    this.feedbackLog.push(String(message));
  }

  currentPriority(): number {
    if (this.cancelled) throw new CancelJob('Job canceled by request');
    this.priorityAsked.push(this.priority);
    return this.priority;
  }

  *submitManyJobs(jobs: readonly (readonly OpInput[])[]): Proc<SubmitJobResult[]> {
    this.submitted.push(jobs.map((j) => [...j]));
    return jobs.map((): SubmitJobResult => [true, this.nextId++]);
  }
}

export interface Master {
  readonly sim: Kernel;
  readonly cfg: ClusterConfig;
  readonly glm: LockManager;
  readonly env: LuEnv;
  /** Every trace record of the run so far. */
  readonly records: TraceRecord[];
  processor(jobId: number, opts?: Partial<ProcessorOptions>): Processor;
}

export interface MasterOptions {
  readonly shape?: ClusterShape;
  /** A configuration to use instead of building one from `shape`. */
  readonly config?: ClusterConfig;
  readonly seed?: number;
  readonly strategy?: StrategySpec;
  readonly work?: Partial<WorkProfiles>;
  readonly mutants?: MutantSet;
}

/** A simulation with a cluster configuration, its lock manager and the LU environment. */
export function master(opts: MasterOptions = {}): Master {
  const sim = Simulation.create({ seed: opts.seed ?? 1, strategy: opts.strategy ?? { kind: 'fifo' } });
  const cfg = opts.config ?? ClusterConfig.build(opts.shape ?? { nodes: 3, instances: 2, networks: 1 });
  const glm = LockManager.create(sim, {
    nodes: cfg.getNodeList(),
    nodeGroups: cfg.getNodeGroupList(),
    instances: cfg.getInstanceList(),
    networks: cfg.getNetworkList(),
  });
  const records: TraceRecord[] = [];
  sim.trace.observe((r) => records.push(r));
  const env: LuEnv = { rt: sim, glm, cfg, work: new SimulatedWork(sim, opts.work ?? {}) };
  return {
    sim,
    cfg,
    glm,
    env,
    records,
    processor: (jobId, p = {}) => new Processor({ env, mutants: opts.mutants, ...p }, jobId),
  };
}

/** Runs an opcode in a thread of its own; returns a handle filled in when it ends. */
export interface OpRun {
  result?: unknown;
  error?: unknown;
  done: boolean;
  thread: string;
}

export function spawnOp(
  m: Master,
  name: string,
  op: OpInput,
  opts: { cbs?: RecordingCallbacks | null; timeoutUs?: number | null; startUs?: number; jobId?: number } = {},
): OpRun {
  const run: OpRun = { done: false, thread: name };
  const cbs = opts.cbs === undefined ? new RecordingCallbacks() : opts.cbs;
  m.sim.spawn(name, function* () {
    if (opts.startUs) yield* m.sim.sleep(opts.startUs);
    try {
      run.result = yield* m.processor(opts.jobId ?? 1).execOpCode(op, cbs, opts.timeoutUs ?? null);
    } catch (e) {
      run.error = e;
    }
    run.done = true;
  });
  return run;
}

/** `lock.acquired` / `lock.release` records of one thread, as `acquired node/node1` lines. */
export function lockHistory(m: Master, thread: string): string[] {
  const ids = new Set<number>();
  for (const [id, name] of m.sim.trace.threadNames) if (name === thread) ids.add(id);
  return m.records
    .filter((r) => ids.has(r.thread) && (r.kind === 'lock.acquired' || r.kind === 'lock.release'))
    .map((r) => `${r.kind === 'lock.acquired' ? 'acquired' : 'released'} ${r.subject}`);
}
