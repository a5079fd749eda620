/**
 * The master daemon (Ganeti `server/masterd.py` of 2.10): the job queue over the durable store
 * on the master's disk, its worker pool running opcodes through an executor, and the LUXI
 * service clients submit and query jobs through.
 *
 * Start-up: a daemon that is not the master (per the cluster's layout, Ganeti's ssconf) exits at
 * once, as Ganeti's masterd refuses to start on a non-master node; otherwise it opens the queue
 * (taking `queue/lock`, blocking, for its whole life) and runs recovery (§5.11). Every restart
 * runs this again, so a restart re-runs recovery from what the disk kept.
 *
 * Fault model: the daemon can crash at any step (its threads vanish, its file lock goes); a
 * write error it cannot get past makes it stop itself (fail-stop, see the write policy in
 * `src/jqueue/disk-job-store.ts`), and the watcher restarts it. LUXI requests that were in
 * flight time out at the client, which cannot tell whether they were done.
 *
 * Trace: `masterd.ready <node>`, `masterd.not-master <node> <master>`, `masterd.fail-stop
 * <node> <reason>`.
 */
import { DiskJobStore } from '../jqueue/disk-job-store.js';
import { JobQueue } from '../jqueue/job-queue.js';
import type { TimeoutStrategyFactory } from '../jqueue/op-exec-context.js';
import type { OpExecutorFactory } from '../jqueue/op-executor.js';
import type { OpInput } from '../jqueue/opcode.js';
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, ProcessMain, ProcessRef, World } from '../sim/ports.js';

export const LUXI_SERVICE = 'luxi';

/** Who is master and which nodes are master candidates (the master included). */
export interface QueueClusterLayout {
  readonly masterNode: string;
  readonly masterCandidates: readonly string[];
}

export interface MasterDaemonOptions {
  readonly world: World;
  /** Read at every start, so a failover is seen by the next start. */
  readonly layout: () => QueueClusterLayout;
  readonly executorFactory: (world: World) => OpExecutorFactory;
  readonly timeoutStrategyFactory: TimeoutStrategyFactory;
  readonly mutants: MutantSet;
  readonly workers?: number;
  /** Timeout of the replication RPCs, µs. */
  readonly rpcTimeoutUs?: number;
}

/** Stops the calling daemon: it is crashed from outside, the calling thread never resumes. */
export function* failStop(world: World, self: ProcessRef, reason: string): Proc<never> {
  world.emit('masterd.fail-stop', self.node, reason);
  world.spawn(
    'fail-stop',
    // biome-ignore lint/correctness/useYield: a thread body is a generator; this one acts once.
    function* () {
      world.processes.crashProcess(self, reason);
    },
    { process: null, daemon: true },
  );
  yield* world.condition('masterd.fail-stop').wait();
  throw new Error('fail-stop: the process should be dead');
}

export function masterDaemonMain(opts: MasterDaemonOptions): ProcessMain {
  const world = opts.world;
  return function* (self: ProcessRef): Proc<void> {
    const layout = opts.layout();
    if (layout.masterNode !== self.node) {
      world.emit('masterd.not-master', self.node, layout.masterNode);
      return;
    }
    const store = new DiskJobStore({
      runtime: world,
      disk: world.disk(self.node),
      net: world.net,
      replicaNodes: layout.masterCandidates.filter((n) => n !== self.node),
      rpcTimeoutUs: opts.rpcTimeoutUs,
      onFatalWriteError: (message) => failStop(world, self, message),
    });
    const queue = new JobQueue(world, {
      store,
      executorFactory: opts.executorFactory(world),
      timeoutStrategyFactory: opts.timeoutStrategyFactory,
      workers: opts.workers,
      mutants: opts.mutants,
      spawn: { process: self },
    });
    try {
      yield* queue.open();
    } catch (e) {
      yield* failStop(world, self, `cannot open the job queue: ${e instanceof Error ? e.message : String(e)}`);
    }
    world.net.serve(LUXI_SERVICE, (method, payload) => handleLuxi(queue, store, method, payload));
    world.emit('masterd.ready', self.node);
    yield* world.condition('masterd.idle', { idle: true }).wait();
  };
}

/** The LUXI calls the simulated clients use (`luxi.REQ_*`); an error reaches the client as a failure. */
function* handleLuxi(queue: JobQueue, store: DiskJobStore, method: string, payload: unknown): Proc<unknown> {
  const args = (payload ?? {}) as Record<string, unknown>;
  switch (method) {
    case 'SubmitJob':
      return yield* queue.submitJob(args.ops as OpInput[]);
    case 'SubmitManyJobs':
      return yield* queue.submitManyJobs(args.jobs as OpInput[][]);
    case 'QueryJobs':
      return yield* queue.queryJobs(args.job_ids as number[] | null, args.fields as string[]);
    case 'ArchiveJob':
      return yield* queue.archiveJob(args.job_id as number);
    case 'CancelJob':
      return yield* queue.cancelJob(args.job_id as number);
    case 'SetDrainFlag':
      return yield* queue.setDrainFlag(args.drain_flag as boolean);
    case 'AddNode':
      // `JobQueue.AddNode`, as `gnt-node add --readd` triggers it for a master candidate.
      yield* store.addNode(args.node as string, { masterCandidate: args.master_candidate !== false });
      return true;
    default:
      throw new Error(`Invalid LUXI method '${method}'`);
  }
}
