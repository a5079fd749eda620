/**
 * `mcpu.Processor` (spec §8): runs one opcode for the job queue. It looks up the opcode's
 * logical unit, takes the BGL (exclusive for `REQ_BGL` LUs, shared otherwise), lets the LU
 * declare its locks and acquires them level by level in ascending order (instance, node-alloc,
 * nodegroup, node, node-res, network), all under one timeout budget for the whole lock phase and
 * at the opcode's current priority (asked before each level, which is also where a cancel is
 * noticed). When every lock is held it checks the NAL rules, tells the queue the opcode runs,
 * runs the LU and submits the jobs it asks for. Locks are released in descending level order as
 * the recursion unwinds, the BGL last; a timed-out level raises `LockAcquireTimeout` with nothing
 * left held, so no lock is ever kept between attempts.
 *
 * Departures: no hooks (pre/post/config-update) and no config reservations (nothing in the
 * simulation observes them); a lock-rule violation inside an LU (`LockUsageError`) is not turned
 * into `OpExecError` like Ganeti's other assertions, so the harness reports it as what it is.
 *
 * Trace: `mcpu.exec job/<id> <OP_ID>` when the LU starts executing, `mcpu.jobs job/<id> <json>`
 * with the submission result of LU-generated jobs, `mcpu.wait-children job/<id> <ids>` under the
 * `lu-waits-for-children` mutant.
 */
import { ELOG_MESSAGE, JOB_IDS_KEY } from '../jqueue/constants.js';
import {
  AssertionError,
  LockAcquireTimeout,
  OpCodeUnknown,
  OpExecError,
  OpPrereqError,
  OpResultError,
  ProgrammerError,
  pyAssert,
} from '../jqueue/errors.js';
import { pyListRepr } from '../jqueue/json.js';
import type { OpExecCallbacks, OpExecutor, OpExecutorFactory } from '../jqueue/op-executor.js';
import type { OpInput } from '../jqueue/opcode.js';
import {
  BGL,
  isLevel,
  LEVEL_CLUSTER,
  type Level,
  LockError,
  type LockNames,
  RunningTimeout,
} from '../locking/index.js';
import { MutantSet } from '../mutants/registry.js';
import type { Proc } from '../sim/ports.js';
import { ECODE_NOTUNIQUE, LOG_INFO_PREFIX, LOG_WARNING_PREFIX } from './constants.js';
import { DISPATCH_TABLE } from './dispatch.js';
import { NotImplementedError } from './errors.js';
import { type LogicalUnit, type LuClass, type LuEnv, type LuLog, ResultWithJobs } from './logical-unit.js';
import { opDef, validateOpCode } from './opcodes.js';
import { failingSubmitManyJobs, processResult, type SubmitManyJobsFn } from './process-result.js';
import { verifyLocks } from './verify-locks.js';

export interface ProcessorOptions {
  readonly env: LuEnv;
  readonly mutants?: MutantSet;
  /** OP_ID -> LU class; the full catalogue by default. */
  readonly dispatch?: ReadonlyMap<string, LuClass>;
  /**
   * Blocks until the given jobs are finalized. Only the `lu-waits-for-children` mutant uses it:
   * the correct processor never waits for the jobs an LU submits.
   */
  readonly waitForJobs?: (ids: readonly number[]) => Proc<void>;
}

type CalcTimeout = () => number | null;

/** `utils.Truncate`: at most `length` characters, ending in `...` when cut. */
function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 3)}...`;
}

function namesText(names: string | readonly string[]): string {
  return typeof names === 'string' ? names : pyListRepr(names);
}

export class Processor implements OpExecutor, LuLog {
  private cbs: OpExecCallbacks | null = null;
  private readonly mutants: MutantSet;
  private readonly dispatch: ReadonlyMap<string, LuClass>;

  constructor(
    private readonly opts: ProcessorOptions,
    /** The execution context id: the job id (`ec_id`), null for direct execution. */
    readonly ecId: number | null = null,
  ) {
    this.mutants = opts.mutants ?? MutantSet.none;
    this.dispatch = opts.dispatch ?? DISPATCH_TABLE;
  }

  private get subject(): string {
    return this.ecId === null ? 'mcpu' : `job/${this.ecId}`;
  }

  /**
   * `ExecOpCode(op, cbs, timeout)`. `cbs` may be null for direct execution (then the priority is
   * the default, nothing is reported and LU-generated jobs cannot be submitted).
   */
  *execOpCode(op: OpInput, cbs: OpExecCallbacks | null, timeoutUs: number | null): Proc<unknown> {
    if (typeof op !== 'object' || op === null || typeof op.OP_ID !== 'string') {
      throw new ProgrammerError(`Non-opcode instance passed to ExecOpcode (${typeof op})`);
    }
    const luClass = this.dispatch.get(op.OP_ID);
    if (!luClass) throw new OpCodeUnknown('Unknown opcode');
    const { glm, rt } = this.opts.env;
    const running = timeoutUs === null ? null : new RunningTimeout(rt, timeoutUs);
    const calcTimeout: CalcTimeout = () => (running === null ? null : running.remaining());

    let result: unknown;
    this.cbs = cbs;
    try {
      // The BGL exclusively for an LU that must run alone, shared otherwise (so that no exclusive
      // LU runs concurrently).
      yield* this.acquireLocks(LEVEL_CLUSTER, [BGL], !luClass.REQ_BGL, false, calcTimeout());
      try {
        const def = opDef(op.OP_ID);
        const valid = def ? validateOpCode(op, def) : op;
        // The one place an opcode meets its LU's typed view of it: `validateOpCode` checked every
        // parameter of `op.OP_ID` against the catalogue the LU's `ValidOp` type is derived from,
        // and the dispatch table pairs each OP_ID with the LU of that opcode.
        const lu = new luClass(valid as never, this.opts.env, this);
        lu.expandNames();
        pyAssert(lu.neededLocks !== null, 'needed_locks not set by LU');
        result = yield* this.lockAndExecLu(lu, LEVEL_CLUSTER + 1, calcTimeout);
      } finally {
        if (glm.isOwned(LEVEL_CLUSTER)) glm.release(LEVEL_CLUSTER);
      }
    } finally {
      this.cbs = null;
    }

    const check = opDef(op.OP_ID)?.result ?? null;
    if (check !== null && !check(result) && !op.dry_run) {
      throw new OpResultError(
        `Opcode result does not match ${check.desc}: ${truncate(JSON.stringify(result) ?? 'None', 80)}`,
      );
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // LuLog: feedback through the queue (`Processor.Log` and friends)

  *log(message: string): Proc<void> {
    if (this.cbs) yield* this.cbs.feedback(ELOG_MESSAGE, message);
  }

  *logInfo(message: string): Proc<void> {
    yield* this.log(`${LOG_INFO_PREFIX}${message}`);
  }

  *logWarning(message: string): Proc<void> {
    yield* this.log(`${LOG_WARNING_PREFIX}${message}`);
  }

  *logStep(current: number, total: number, message: string): Proc<void> {
    yield* this.log(`STEP ${current}/${total} ${message}`);
  }

  // -------------------------------------------------------------------------------------------
  // Locking

  /** `_AcquireLocks`: at the opcode's current priority; a timeout is `LockAcquireTimeout`. */
  private *acquireLocks(
    level: Level,
    names: LockNames,
    shared: boolean,
    opportunistic: boolean,
    timeoutUs: number | null,
  ): Proc<Set<string>> {
    const priority = this.cbs ? this.cbs.currentPriority() : undefined;
    const acquired = yield* this.opts.env.glm.acquire(level, names, {
      shared,
      timeoutUs,
      priority,
      opportunistic,
    });
    if (acquired === null) throw new LockAcquireTimeout();
    return acquired;
  }

  /**
   * `_LockAndExecLU`: acquires (or adds) the locks of `level` and recurses to the next level;
   * past the last level runs the LU. On the way back, removes the level's `removeLocks` and
   * releases whatever is still held at the level.
   */
  private *lockAndExecLu(lu: LogicalUnit, level: number, calcTimeout: CalcTimeout): Proc<unknown> {
    if (!isLevel(level)) return yield* this.runLu(lu);
    const adding = lu.addLocks.has(level);
    const acquiring = lu.neededLocks?.has(level) ?? false;
    if (adding && acquiring) {
      throw new NotImplementedError("Can't declare locks to acquire when adding others");
    }
    if (!adding && !acquiring) return yield* this.lockAndExecLu(lu, level + 1, calcTimeout);

    const glm = this.opts.env.glm;
    lu.declareLocks(level);
    const share = lu.shareLocks[level];
    const opportunistic = lu.opportunisticLocks[level];
    try {
      if (acquiring) {
        yield* this.acquireLocks(level, lu.needed(level), share, opportunistic, calcTimeout());
      } else {
        const add = lu.addLocks.get(level) as string | string[];
        lu.removeLocks.set(level, add);
        try {
          yield* glm.add(level, add, { acquired: true, shared: share });
        } catch (e) {
          if (!(e instanceof LockError)) throw e;
          throw new OpPrereqError(
            `Couldn't add locks (${namesText(add)}), most likely because of another job who added them first`,
            ECODE_NOTUNIQUE,
          );
        }
      }
      try {
        return yield* this.lockAndExecLu(lu, level + 1, calcTimeout);
      } finally {
        const remove = lu.removeLocks.get(level);
        if (remove !== undefined) yield* glm.remove(level, remove);
      }
    } finally {
      if (glm.isOwned(level)) glm.release(level);
    }
  }

  /** All locks held: NAL rules, `NotifyStart`, then the LU, with assertions made reportable. */
  private *runLu(lu: LogicalUnit): Proc<unknown> {
    verifyLocks(lu, this.opts.env.glm);
    if (this.cbs) yield* this.cbs.notifyStart();
    try {
      return yield* this.execLu(lu);
    } catch (e) {
      if (!(e instanceof AssertionError)) throw e;
      throw new OpExecError(
        `Internal assertion error: please report this as a bug.\nError message: '${e.message}'; location:\n` +
          `  in ${lu.luName}\n`,
      );
    }
  }

  /** `_ExecLU`: prerequisites, dry run, execution, job submission. */
  private *execLu(lu: LogicalUnit): Proc<unknown> {
    yield* lu.checkPrereq();
    if (lu.op.dry_run) {
      yield* this.logInfo('dry-run mode requested, not actually executing the operation');
      return lu.dryRunResult;
    }
    const cbs = this.cbs;
    const submit: SubmitManyJobsFn = cbs ? (jobs) => cbs.submitManyJobs(jobs) : failingSubmitManyJobs;
    this.opts.env.rt.emit('mcpu.exec', this.subject, lu.op.OP_ID);
    const raw = yield* lu.exec();
    const result = yield* processResult(submit, lu.op, raw);
    if (raw instanceof ResultWithJobs) {
      const jobs = (result as Record<string, unknown>)[JOB_IDS_KEY];
      this.opts.env.rt.emit('mcpu.jobs', this.subject, JSON.stringify(jobs) ?? 'null');
      // MUTANT(lu-waits-for-children): the LU waits for the jobs it just submitted while it still
      // holds its locks and its worker thread — the alternative Ganeti's design for LU-generated
      // jobs rejected ("Opcodes waiting for other jobs to finish block one job queue worker
      // thread"; "All locks must be released before starting the waiting process, failure to do
      // so can lead to deadlocks"). The correct processor returns the ids to the client instead.
      if (this.mutants.has('lu-waits-for-children')) yield* this.waitForChildren(jobs);
    }
    return result;
  }

  private *waitForChildren(submission: unknown): Proc<void> {
    const wait = this.opts.waitForJobs;
    if (!wait) throw new ProgrammerError('lu-waits-for-children needs ProcessorOptions.waitForJobs');
    const ids = Array.isArray(submission)
      ? submission.filter((e): e is [true, number] => Array.isArray(e) && e[0] === true).map((e) => e[1])
      : [];
    this.opts.env.rt.emit('mcpu.wait-children', this.subject, ids.join(','));
    yield* wait(ids);
  }
}

/** One `Processor` per job run, with the job id as its execution context id. */
export function processorFactory(opts: ProcessorOptions): OpExecutorFactory {
  return (jobId: number) => new Processor(opts, jobId);
}
