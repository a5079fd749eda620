/**
 * The simulation kernel: the run loop and the strategy it consults, with the parts it wires
 * together, one job each. It knows nothing of Ganeti or libvirt.
 *
 * - `kernel-timers.ts`: the virtual clock, timers and step actions;
 * - `kernel-conditions.ts`: blocking and waking (conditions, timed waits, sleeps);
 * - `kernel-processes.ts`: the process table, with its crash and signal verbs;
 * - `kernel-footprints.ts`: what each decision led to, for exhaustive exploration;
 * - this file: the runtime port, the threads' lifecycle and the run loop.
 *
 * Execution model. Exactly one simulated thread runs at a time; it runs synchronously until it
 * yields inside a kernel helper (`wait`, `sleep`, `yieldNow`). Each resumption is a scheduling
 * step. Helpers update the thread's state *before* yielding, so the yielded value carries no
 * meaning and the hot path allocates nothing. When more than one thread could run next, the
 * strategy chooses (a decision point) and the choice is recorded.
 *
 * Every part asserts its own invariants (`kernel-invariants.ts`); a broken one ends the run with
 * a `harness` outcome naming the rule. The run loop's own: a thread in the ready list is
 * runnable, a thread that runs belongs to a live process, and no more non-daemon threads end
 * than were started.
 */
import type { FaultStrikeFields } from './events.js';
import { installGuard, NondeterminismError } from './guard.js';
import { checkDurationUs, checkInstant } from './kernel-args.js';
import { type ConditionHost, Conditions } from './kernel-conditions.js';
import { type DecisionRecord, Footprints } from './kernel-footprints.js';
import { type InvariantRule, KernelInvariantError } from './kernel-invariants.js';
import { Processes, type ProcessHost } from './kernel-processes.js';
import { BLOCKED, DEAD, DONE, RUNNABLE, SimThread, stateName } from './kernel-threads.js';
import { Timers } from './kernel-timers.js';
import type { BlockedThread, Outcome } from './outcome.js';
import type {
  Condition,
  ConditionOptions,
  Proc,
  ProcessMain,
  ProcessOptions,
  ProcessRef,
  Rng,
  RngStreamName,
  Runtime,
  Signal,
  SpawnOptions,
  ThreadRef,
  TraceEvents,
  TraceField,
  TraceKind,
} from './ports.js';
import { RngRoot } from './rng.js';
import { type Decision, ScheduleDivergence, type Strategy } from './strategy.js';
import { Trace, type TraceMode } from './trace.js';

export type { DecisionRecord } from './kernel-footprints.js';
export { type InvariantRule, KernelInvariantError } from './kernel-invariants.js';

/** What a run may consume before it is stopped with a `budget` outcome. */
export interface Budget {
  /** Scheduling steps (thread resumptions). */
  readonly maxSteps: number;
  /** Virtual time in microseconds. */
  readonly maxTimeUs: number;
}

export const DEFAULT_BUDGET: Budget = { maxSteps: 2_000_000, maxTimeUs: 48 * 3600 * 1_000_000 };

export interface KernelOptions {
  readonly seed: number | string;
  readonly strategy: Strategy | ((rng: RngRoot) => Strategy);
  readonly budget?: Partial<Budget>;
  readonly trace?: TraceMode;
  /** Record what each decision led to (`RunResult.decisions`), for exhaustive exploration. */
  readonly footprints?: boolean;
}

export interface RunResult {
  readonly outcome: Outcome;
  readonly steps: number;
  readonly timeUs: number;
  /** The choice taken at every decision point: replaying them reproduces the run. */
  readonly choices: readonly number[];
  /** How many threads were runnable at each decision point (for exhaustive exploration). */
  readonly optionCounts: readonly number[];
  /** Decision points at which the running thread could continue but another was chosen. */
  readonly preemptions: number;
  /** Per decision, what it led to; only with `footprints: true`. */
  readonly decisions?: readonly DecisionRecord[];
  readonly traceHash: string;
  readonly trace: Trace;
}

export class Kernel implements Runtime, ConditionHost, ProcessHost {
  readonly rngRoot: RngRoot;
  readonly trace: Trace;
  readonly budget: Budget;
  private readonly strategy: Strategy;

  private stepNo = 0;
  private nextThreadId = 1;
  /** Runnable threads other than `last`, longest-waiting first. */
  private readonly ready: SimThread[] = [];
  /** The thread that ran most recently (it may still be runnable). */
  private last: SimThread | null = null;
  /** The thread executing right now (null between steps). */
  private running: SimThread | null = null;
  private readonly threads: SimThread[] = [];
  private liveNonDaemon = 0;

  private readonly choices: number[] = [];
  private readonly optionCounts: number[] = [];
  private preemptions = 0;
  private outcome: Outcome | null = null;
  private started = false;

  private readonly timers: Timers<SimThread>;
  private readonly conditions: Conditions;
  private readonly processes: Processes;
  private readonly footprints: Footprints | null;

  constructor(opts: KernelOptions) {
    this.rngRoot = new RngRoot(opts.seed);
    this.strategy = typeof opts.strategy === 'function' ? opts.strategy(this.rngRoot) : opts.strategy;
    this.budget = { ...DEFAULT_BUDGET, ...opts.budget };
    this.trace = new Trace(opts.trace ?? 'full');
    this.footprints = opts.footprints ? new Footprints(this.trace, this.broken) : null;
    this.timers = new Timers(this.broken);
    this.conditions = new Conditions(this, this.timers, this.ready);
    this.processes = new Processes(this);
  }

  // -------------------------------------------------------------------------------------------
  // Runtime port

  now(): number {
    return this.timers.nowUs;
  }

  get step(): number {
    return this.stepNo;
  }

  current(): ThreadRef {
    if (!this.running) throw new Error('current(): not inside a simulated thread');
    return this.running;
  }

  /** The running thread, or null when called from the kernel (timers, faults) or a test. */
  currentOrNull(): ThreadRef | null {
    return this.running;
  }

  spawn(name: string, body: () => Proc<unknown>, opts: SpawnOptions = {}): ThreadRef {
    const given = opts.process === undefined ? this.running?.process : opts.process;
    const proc = given ? this.processes.own(given) : null;
    if (given && !proc) throw new Error(`spawn(${name}): process ${given.label} is not of this simulation`);
    if (proc && !proc.alive) throw new Error(`spawn(${name}): process ${proc.label} is dead`);
    const daemon = opts.daemon ?? proc?.daemon ?? false;
    const t = new SimThread(this.nextThreadId++, name, proc, daemon);
    // The body is called lazily by the generator protocol: nothing runs before the first step.
    t.gen = body();
    this.threads.push(t);
    proc?.threads.add(t);
    if (!daemon) this.liveNonDaemon++;
    this.trace.threadNames.set(t.id, name);
    this.record('spawn', name, proc ? proc.label : null, t.id);
    this.strategy.onSpawn?.(t);
    this.ready.push(t);
    return t;
  }

  *sleep(us: number): Proc<void> {
    const t = this.mustRun('sleep');
    this.conditions.sleep(t, checkDurationUs('sleep', us));
    yield;
  }

  *yieldNow(): Proc<void> {
    this.mustRun('yieldNow');
    this.record('yield', '');
    yield;
  }

  condition(name: string, opts: ConditionOptions = {}): Condition {
    return this.conditions.create(name, opts.idle ?? false);
  }

  rng(stream: RngStreamName): Rng {
    return this.rngRoot.stream(stream);
  }

  emit<K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]): void {
    this.trace.append(this.stepNo, this.timers.nowUs, this.running?.id ?? 0, kind, subject, fields);
  }

  /**
   * Traces the strike of a fault of `verb` as `fault.<verb>`: the one family of kinds that is not
   * declared in `TraceEvents`, since scenarios register verbs at run time (`events.ts`).
   */
  emitFaultStrike(verb: string, subject: string, ...fields: FaultStrikeFields): void {
    this.trace.append(this.stepNo, this.timers.nowUs, this.running?.id ?? 0, `fault.${verb}`, subject, fields);
  }

  /**
   * Appends an event whose fields a typed wrapper of the kernel has assembled (a disk prepends
   * its name and the calling process): the wrapper's signature is what the compiler checks.
   */
  appendEvent(kind: TraceKind, subject: string, fields: readonly TraceField[]): void {
    this.trace.append(this.stepNo, this.timers.nowUs, this.running?.id ?? 0, kind, subject, fields);
  }

  violation(kind: string, message: string, objects: readonly string[] = []): void {
    this.record('violation', kind, message);
    this.finish({ kind: 'violation', violation: kind, message, objects });
  }

  // -------------------------------------------------------------------------------------------
  // Kernel services for the simulated world (disk, net, faults) and for tests

  /** Runs `action` from the kernel (not from a thread) at virtual time `timeUs`. */
  atTime(timeUs: number, action: () => void): void {
    this.timers.add(Math.max(checkInstant('atTime', timeUs), this.timers.nowUs), null, action);
  }

  /** Runs `action` from the kernel just before scheduling step `step` executes. */
  atStep(step: number, action: () => void): void {
    this.timers.atStep(checkInstant('atStep', step), action);
  }

  onNodeCrash(hook: (node: string) => void): void {
    this.processes.onNodeCrash(hook);
  }

  // -------------------------------------------------------------------------------------------
  // Processes (`kernel-processes.ts`)

  startProcess(node: string, name: string, main: ProcessMain, opts: ProcessOptions = {}): ProcessRef {
    return this.processes.start(node, name, main, opts);
  }

  restartProcess(node: string, name: string): ProcessRef {
    return this.processes.restart(node, name);
  }

  findProcess(node: string, name: string): ProcessRef | null {
    return this.processes.find(node, name);
  }

  /** Whether a process `name` was ever started on `node`, i.e. whether `restartProcess` can start it. */
  wasStarted(node: string, name: string): boolean {
    return this.processes.wasStarted(node, name);
  }

  liveProcesses(): readonly ProcessRef[] {
    return this.processes.live();
  }

  crashProcess(proc: ProcessRef, reason: string): void {
    this.processes.crash(proc, reason);
  }

  signal(proc: ProcessRef, sig: Signal): void {
    this.processes.signal(proc, sig);
  }

  onSignal(proc: ProcessRef, sig: 'SIGTERM', handler: () => void): void {
    this.processes.onSignal(proc, sig, handler);
  }

  onExit(proc: ProcessRef, hook: () => void): void {
    this.processes.onExit(proc, hook);
  }

  crashNode(node: string): void {
    this.processes.crashNode(node);
  }

  // -------------------------------------------------------------------------------------------
  // The run loop

  run(): RunResult {
    if (this.started) throw new Error('Kernel.run: a kernel runs once');
    this.started = true;
    const restore = installGuard((api, caller) => {
      this.finish({ kind: 'nondeterminism', api, thread: this.running?.name ?? 'kernel', caller });
    });
    try {
      this.loop();
    } catch (e) {
      // Recorded as the run's outcome when it was thrown (`broken`); anything else is the
      // kernel's caller's to see.
      if (!(e instanceof KernelInvariantError)) throw e;
    } finally {
      restore();
    }
    return {
      outcome: this.outcome ?? { kind: 'completed' },
      steps: this.stepNo,
      timeUs: this.timers.nowUs,
      choices: this.choices,
      optionCounts: this.optionCounts,
      preemptions: this.preemptions,
      ...(this.footprints ? { decisions: this.footprints.decisions } : {}),
      traceHash: this.trace.hashHex(),
      trace: this.trace,
    };
  }

  private loop(): void {
    while (this.outcome === null) {
      const t = this.pickNext();
      if (t === null) {
        if (this.outcome !== null) return;
        if (!this.advanceTime()) return;
        continue;
      }
      this.timers.runStepActions(this.stepNo + 1);
      if (this.outcome !== null) return;
      if (t.state !== RUNNABLE) continue; // a step action crashed its process
      if (this.stepNo >= this.budget.maxSteps) {
        this.finish({ kind: 'budget', limit: 'steps', value: this.budget.maxSteps });
        return;
      }
      this.stepNo++;
      this.execute(t);
    }
  }

  /** The next thread to run, consulting the strategy at decision points. */
  private pickNext(): SimThread | null {
    const last = this.last;
    const lastRunnable = last !== null && last.state === RUNNABLE;
    const ready = this.ready;
    if (ready.length === 0) return lastRunnable ? last : null;
    if (!lastRunnable && ready.length === 1) {
      const only = ready.pop() as SimThread;
      if (only.state !== RUNNABLE) throw this.brokenThread('ready-not-runnable', only, 'is in the ready list');
      this.last = only;
      return only;
    }
    const options: SimThread[] = lastRunnable ? [last as SimThread, ...ready] : ready.slice();
    const decision: Decision = {
      options,
      currentCanContinue: lastRunnable,
      index: this.choices.length,
      timeUs: this.timers.nowUs,
    };
    let c: number;
    try {
      c = this.strategy.choose(decision);
    } catch (e) {
      if (e instanceof ScheduleDivergence) {
        this.finish({ kind: 'divergence', message: e.message });
        return null;
      }
      throw e;
    }
    if (!Number.isInteger(c) || c < 0 || c >= options.length) {
      throw new Error(`strategy ${this.strategy.name} chose ${c} of ${options.length} options`);
    }
    this.choices.push(c);
    this.optionCounts.push(options.length);
    const chosen = options[c] as SimThread;
    // Checked for the chosen thread only, so that a decision stays as cheap as its strategy.
    if (chosen.state !== RUNNABLE) throw this.brokenThread('ready-not-runnable', chosen, 'was chosen to run');
    this.footprints?.decided(options, chosen, lastRunnable);
    if (lastRunnable) {
      if (c === 0) return chosen;
      this.preemptions++;
      ready.splice(c - 1, 1);
      ready.push(last as SimThread);
    } else {
      ready.splice(c, 1);
    }
    this.last = chosen;
    return chosen;
  }

  private execute(t: SimThread): void {
    const p = t.process;
    if (p !== null && !p.alive) throw this.brokenThread('thread-of-dead-process', t, `runs in dead ${p.label}`);
    this.running = t;
    this.footprints?.ran(t);
    let r: IteratorResult<unknown, unknown>;
    try {
      r = (t.gen as Proc<unknown>).next();
    } catch (e) {
      this.running = null;
      this.threadThrew(t, e);
      return;
    }
    this.running = null;
    if (r.done && t.state !== DEAD) this.exitThread(t);
    // A thread that blocked re-enters `ready` when woken; it must not also count as "last".
    if (t.state !== RUNNABLE && this.last === t) this.last = null;
  }

  private threadThrew(t: SimThread, e: unknown): void {
    // A broken kernel invariant was recorded as the outcome when it was thrown; simulated code
    // may have passed it on, but it is never the thread's own exception.
    if (e instanceof KernelInvariantError) return;
    if (this.outcome !== null) return; // the guard already recorded why
    if (e instanceof NondeterminismError) {
      this.finish({ kind: 'nondeterminism', api: e.api, thread: t.name, caller: e.caller });
      return;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    this.record('exception', t.name, err.message);
    this.finish({
      kind: 'exception',
      thread: t.name,
      errorName: err.name,
      message: err.message,
      stack: err.stack ?? err.message,
    });
  }

  private exitThread(t: SimThread): void {
    t.state = DONE;
    t.gen = null;
    this.trace.append(this.stepNo, this.timers.nowUs, t.id, 'exit', t.name, []);
    this.retire(t);
  }

  /** For the process table: drops a thread at its current yield point (a crash of its process). */
  dropThread(t: SimThread): void {
    if (t.state === DONE || t.state === DEAD) return;
    if (t.state === RUNNABLE) {
      const i = this.ready.indexOf(t);
      if (i >= 0) this.ready.splice(i, 1);
    } else {
      this.conditions.unlink(t);
    }
    if (t.timer) t.timer.cancelled = true;
    t.state = DEAD;
    if (this.last === t) this.last = null;
    t.gen = null;
    t.cond = null;
    t.timer = null;
    this.retire(t);
  }

  private retire(t: SimThread): void {
    if (!t.daemon && --this.liveNonDaemon < 0) {
      throw this.broken('live-count-negative', `${t.name} (thread ${t.id}) ended after every non-daemon thread did`);
    }
    this.processes.threadGone(t);
    if (this.liveNonDaemon === 0 && this.outcome === null) this.finish({ kind: 'completed' });
  }

  /** Fires every timer due at the earliest pending instant; false when the run is over. */
  private advanceTime(): boolean {
    const next = this.timers.earliest();
    if (!next) {
      this.finishStuck();
      return false;
    }
    if (next.time > this.budget.maxTimeUs) {
      this.finish({ kind: 'budget', limit: 'time', value: this.budget.maxTimeUs });
      return false;
    }
    this.timers.advanceTo(next.time);
    for (let due = this.timers.takeDue(); due !== undefined; due = this.timers.takeDue()) {
      if (!due.cancelled) {
        if (due.thread) this.conditions.timedOut(due, due.thread);
        else due.action?.();
      }
      if (this.outcome !== null) return false;
    }
    return true;
  }

  /** Every thread blocked right now, with what it waits on (for deadlock reports and checkers). */
  blockedThreads(): BlockedThread[] {
    const waiting: BlockedThread[] = [];
    for (const t of this.threads) {
      if (t.state !== BLOCKED) continue;
      waiting.push({
        thread: t.id,
        name: t.name,
        process: t.process?.label ?? null,
        waitsOn: t.cond?.name ?? 'sleep',
        idle: t.cond?.idle ?? false,
        since: t.blockedSince,
      });
    }
    return waiting;
  }

  /** Nothing runnable and no timer: completed, quiescent or deadlock. */
  private finishStuck(): void {
    const waiting = this.blockedThreads();
    if (this.liveNonDaemon === 0) this.finish({ kind: 'completed' });
    else if (waiting.every((w) => w.idle)) this.finish({ kind: 'quiescent', waiting });
    else this.finish({ kind: 'deadlock', blocked: waiting });
  }

  private finish(o: Outcome): void {
    if (this.outcome === null) this.outcome = o;
  }

  /**
   * A part of the kernel found `rule` broken: the run ends with a `harness` outcome (it replaces
   * whatever the run was ending with, since nothing it saw can be trusted), and the part throws
   * the error returned.
   */
  readonly broken = (rule: InvariantRule, detail: string): KernelInvariantError => {
    const e = new KernelInvariantError(rule, detail);
    if (this.outcome?.kind !== 'harness') {
      this.outcome = { kind: 'harness', rule, message: e.message, stack: e.stack ?? e.message };
    }
    return e;
  };

  private brokenThread(rule: InvariantRule, t: SimThread, what: string): KernelInvariantError {
    return this.broken(rule, `${t.name} (thread ${t.id}, ${stateName(t.state)}) ${what}`);
  }

  private mustRun(op: string): SimThread {
    const t = this.running;
    if (!t) throw new Error(`${op}: must be called from a simulated thread`);
    return t;
  }

  /** Traces a kernel event (for the kernel's parts too). */
  record<K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]): void {
    this.trace.append(this.stepNo, this.timers.nowUs, this.running?.id ?? 0, kind, subject, fields);
  }

  // -------------------------------------------------------------------------------------------
  // For the kernel's parts (`ConditionHost`, `ProcessHost`)

  /** The running thread, or null between steps. */
  runningThread(): SimThread | null {
    return this.running;
  }
}
