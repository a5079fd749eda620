/**
 * The simulation kernel: simulated threads (generators), the scheduler loop, conditions, virtual
 * time, processes, budgets and run outcomes. It knows nothing of Ganeti or libvirt.
 *
 * Execution model. Exactly one simulated thread runs at a time; it runs synchronously until it
 * yields inside a kernel helper (`wait`, `sleep`, `yieldNow`). Each resumption is a scheduling
 * step. Helpers update the thread's state *before* yielding, so the yielded value carries no
 * meaning and the hot path allocates nothing. When more than one thread could run next, the
 * strategy chooses (a decision point) and the choice is recorded.
 *
 * Fault model of processes: a crash drops the process's threads at their current yield point —
 * their `finally` blocks never run, exactly as a killed process would not run them — and then
 * runs the process's exit hooks (file locks dropped, connections closed) synchronously.
 */
import { installGuard, NondeterminismError } from './guard.js';
import { MinHeap } from './heap.js';
import { checkDurationUs, checkInstant, checkTimeoutUs } from './kernel-args.js';
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
  TraceField,
} from './ports.js';
import { RngRoot } from './rng.js';
import { type Decision, ScheduleDivergence, type Strategy } from './strategy.js';
import { Trace, type TraceMode } from './trace.js';

const RUNNABLE = 0;
const BLOCKED = 1;
const DONE = 2;
const DEAD = 3;
type ThreadState = typeof RUNNABLE | typeof BLOCKED | typeof DONE | typeof DEAD;

/** What a run may consume before it is stopped with a `budget` outcome. */
export interface Budget {
  /** Scheduling steps (thread resumptions). */
  readonly maxSteps: number;
  /** Virtual time in microseconds. */
  readonly maxTimeUs: number;
}

export const DEFAULT_BUDGET: Budget = { maxSteps: 2_000_000, maxTimeUs: 48 * 3600 * 1_000_000 };

class Timer {
  cancelled = false;
  constructor(
    readonly time: number,
    readonly seq: number,
    readonly thread: SimThread | null,
    readonly action: (() => void) | null,
  ) {}
}

class SimThread implements ThreadRef {
  state: ThreadState = RUNNABLE;
  /** Condition waited on, when blocked on one. */
  cond: CondImpl | null = null;
  timer: Timer | null = null;
  /** Result of the last wait: true when notified, false on timeout. */
  notified = false;
  blockedSince = 0;
  gen: Proc<unknown> | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly process: ProcImpl | null,
    readonly daemon: boolean,
  ) {}
}

class CondImpl implements Condition {
  readonly queue: SimThread[] = [];

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    readonly idle: boolean,
  ) {}

  *wait(timeoutUs?: number | null): Proc<boolean> {
    const t = this.k.block(this, timeoutUs ?? null);
    yield;
    return t.notified;
  }

  notify(): void {
    const t = this.queue.shift();
    if (t) this.k.wake(t, true);
  }

  notifyAll(): void {
    while (this.queue.length > 0) this.notify();
  }

  waiters(): readonly ThreadRef[] {
    return this.queue.slice();
  }
}

class ProcImpl implements ProcessRef {
  alive = true;
  readonly threads = new Set<SimThread>();
  readonly exitHooks: Array<() => void> = [];
  sigterm: (() => void) | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly node: string,
    readonly label: string,
    readonly pid: number,
    readonly daemon: boolean,
  ) {}

  isAlive(): boolean {
    return this.alive;
  }
}

export interface KernelOptions {
  readonly seed: number | string;
  readonly strategy: Strategy | ((rng: RngRoot) => Strategy);
  readonly budget?: Partial<Budget>;
  readonly trace?: TraceMode;
  /** Record what each decision led to (`RunResult.decisions`), for exhaustive exploration. */
  readonly footprints?: boolean;
}

/**
 * What one decision led to: the segment of execution from this decision point to the next,
 * described by the threads that ran and the objects (trace subjects) they touched. Two segments
 * with no thread and no object in common commute; exhaustive exploration prunes on that.
 */
export interface DecisionRecord {
  /** Thread ids of the options, in option order. */
  readonly options: readonly number[];
  /** Whether option 0 was the thread that ran last (other choices preempt it). */
  readonly continuable: boolean;
  readonly threads: Set<number>;
  readonly objects: Set<string>;
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

/** A step-indexed or timed action registered by the fault plan or a test. */
interface StepAction {
  readonly step: number;
  readonly seq: number;
  readonly action: () => void;
}

export class Kernel implements Runtime {
  readonly rngRoot: RngRoot;
  readonly trace: Trace;
  readonly budget: Budget;
  private readonly strategy: Strategy;

  private nowUs = 0;
  private stepNo = 0;
  private seq = 0;
  private nextThreadId = 1;
  private nextProcId = 1;
  private nextPid = 1000;
  private readonly timers = new MinHeap<Timer>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  private readonly stepActions = new MinHeap<StepAction>(
    (a, b) => a.step < b.step || (a.step === b.step && a.seq < b.seq),
  );
  /** Runnable threads other than `last`, longest-waiting first. */
  private readonly ready: SimThread[] = [];
  /** The thread that ran most recently (it may still be runnable). */
  private last: SimThread | null = null;
  /** The thread executing right now (null between steps). */
  private running: SimThread | null = null;
  private readonly threads: SimThread[] = [];
  private liveNonDaemon = 0;
  private readonly procs: ProcImpl[] = [];
  private readonly factories = new Map<string, { main: ProcessMain; opts: ProcessOptions; incarnation: number }>();
  private readonly nodeCrashHooks: Array<(node: string) => void> = [];

  private readonly choices: number[] = [];
  private readonly optionCounts: number[] = [];
  private preemptions = 0;
  private readonly decisions: DecisionRecord[] | null;
  private outcome: Outcome | null = null;
  private started = false;

  constructor(opts: KernelOptions) {
    this.rngRoot = new RngRoot(opts.seed);
    this.strategy = typeof opts.strategy === 'function' ? opts.strategy(this.rngRoot) : opts.strategy;
    this.budget = { ...DEFAULT_BUDGET, ...opts.budget };
    this.trace = new Trace(opts.trace ?? 'full');
    this.decisions = opts.footprints ? [] : null;
    if (this.decisions) {
      const d = this.decisions;
      this.trace.observe((r) => {
        const last = d[d.length - 1];
        if (last && r.subject !== '') last.objects.add(r.subject);
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Runtime port

  now(): number {
    return this.nowUs;
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
    const proc = (opts.process === undefined ? this.running?.process : opts.process) as ProcImpl | null | undefined;
    if (proc && !proc.alive) throw new Error(`spawn(${name}): process ${proc.label} is dead`);
    const daemon = opts.daemon ?? proc?.daemon ?? false;
    const t = new SimThread(this.nextThreadId++, name, proc ?? null, daemon);
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
    const d = checkDurationUs('sleep', us);
    this.record('sleep', '', d);
    t.state = BLOCKED;
    t.cond = null;
    t.blockedSince = this.nowUs;
    t.timer = this.addTimer(this.nowUs + d, t, null);
    yield;
  }

  *yieldNow(): Proc<void> {
    this.mustRun('yieldNow');
    this.record('yield', '');
    yield;
  }

  condition(name: string, opts: ConditionOptions = {}): Condition {
    return new CondImpl(this, name, opts.idle ?? false);
  }

  rng(stream: RngStreamName): Rng {
    return this.rngRoot.stream(stream);
  }

  emit(kind: string, subject: string, ...fields: TraceField[]): void {
    this.trace.append(this.stepNo, this.nowUs, this.running?.id ?? 0, kind, subject, fields);
  }

  violation(kind: string, message: string, objects: readonly string[] = []): void {
    this.record('violation', kind, message);
    this.finish({ kind: 'violation', violation: kind, message, objects });
  }

  // -------------------------------------------------------------------------------------------
  // Kernel services for the simulated world (disk, net, faults) and for tests

  /** Runs `action` from the kernel (not from a thread) at virtual time `timeUs`. */
  atTime(timeUs: number, action: () => void): void {
    this.addTimer(Math.max(checkInstant('atTime', timeUs), this.nowUs), null, action);
  }

  /** Runs `action` from the kernel just before scheduling step `step` executes. */
  atStep(step: number, action: () => void): void {
    this.stepActions.push({ step: checkInstant('atStep', step), seq: this.seq++, action });
  }

  onNodeCrash(hook: (node: string) => void): void {
    this.nodeCrashHooks.push(hook);
  }

  /** Blocks the running thread on `cond`; the caller must yield right after. */
  block(cond: CondImpl, timeoutArg: number | null): SimThread {
    const t = this.mustRun(`${cond.name}.wait`);
    const timeoutUs = checkTimeoutUs(`${cond.name}.wait`, timeoutArg);
    this.record('wait', cond.name, timeoutUs === null ? -1 : timeoutUs);
    t.state = BLOCKED;
    t.cond = cond;
    t.notified = false;
    t.blockedSince = this.nowUs;
    cond.queue.push(t);
    t.timer = timeoutUs === null ? null : this.addTimer(this.nowUs + timeoutUs, t, null);
    return t;
  }

  /** Makes a blocked thread runnable; `notified` is what its wait returns. */
  wake(t: SimThread, notified: boolean): void {
    if (t.state !== BLOCKED) return;
    this.record(notified ? 'notify' : t.cond ? 'timeout' : 'wake', t.cond?.name ?? 'sleep', t.id);
    t.notified = notified;
    t.state = RUNNABLE;
    t.cond = null;
    if (t.timer) {
      t.timer.cancelled = true;
      t.timer = null;
    }
    this.ready.push(t);
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  startProcess(node: string, name: string, main: ProcessMain, opts: ProcessOptions = {}): ProcessRef {
    const key = `${node}/${name}`;
    if (this.findProcess(node, name)) throw new Error(`startProcess: ${key} is already running`);
    const prev = this.factories.get(key);
    const incarnation = (prev?.incarnation ?? 0) + 1;
    this.factories.set(key, { main, opts, incarnation });
    const p = new ProcImpl(
      this.nextProcId++,
      name,
      node,
      `${key}#${incarnation}`,
      this.nextPid++,
      opts.daemon ?? false,
    );
    this.procs.push(p);
    this.record('proc.start', p.label, p.pid);
    this.spawn(`${p.label}:main`, () => main(p), { process: p });
    return p;
  }

  restartProcess(node: string, name: string): ProcessRef {
    const f = this.factories.get(`${node}/${name}`);
    if (!f) throw new Error(`restartProcess: no process ${node}/${name} was ever started`);
    return this.startProcess(node, name, f.main, f.opts);
  }

  findProcess(node: string, name: string): ProcessRef | null {
    return this.procs.find((p) => p.alive && p.node === node && p.name === name) ?? null;
  }

  /** Whether a process `name` was ever started on `node`, i.e. whether `restartProcess` can start it. */
  wasStarted(node: string, name: string): boolean {
    return this.factories.has(`${node}/${name}`);
  }

  liveProcesses(): readonly ProcessRef[] {
    return this.procs.filter((p) => p.alive);
  }

  crashProcess(proc: ProcessRef, reason: string): void {
    const p = this.procs[proc.id - 1];
    if (!p || p !== proc || !p.alive) return;
    this.record('proc.crash', p.label, reason);
    for (const t of p.threads) this.dropThread(t);
    this.exitProcess(p);
  }

  signal(proc: ProcessRef, sig: Signal): void {
    const p = this.procs[proc.id - 1];
    if (!p?.alive) return;
    this.record('proc.signal', p.label, sig);
    if (sig === 'SIGTERM' && p.sigterm) {
      const handler = p.sigterm;
      p.sigterm = null;
      handler();
    } else {
      this.crashProcess(p, sig);
    }
  }

  onSignal(proc: ProcessRef, _sig: 'SIGTERM', handler: () => void): void {
    (proc as ProcImpl).sigterm = handler;
  }

  onExit(proc: ProcessRef, hook: () => void): void {
    const p = proc as ProcImpl;
    if (!p.alive) {
      hook();
      return;
    }
    p.exitHooks.push(hook);
  }

  crashNode(node: string): void {
    this.record('node.crash', node);
    for (const p of this.procs) if (p.alive && p.node === node) this.crashProcess(p, 'node crash');
    for (const hook of this.nodeCrashHooks) hook(node);
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
    } finally {
      restore();
    }
    return {
      outcome: this.outcome ?? { kind: 'completed' },
      steps: this.stepNo,
      timeUs: this.nowUs,
      choices: this.choices,
      optionCounts: this.optionCounts,
      preemptions: this.preemptions,
      ...(this.decisions ? { decisions: this.decisions } : {}),
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
      this.runStepActions();
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
      this.last = only;
      return only;
    }
    const options: SimThread[] = lastRunnable ? [last as SimThread, ...ready] : ready.slice();
    const decision: Decision = {
      options,
      currentCanContinue: lastRunnable,
      index: this.choices.length,
      timeUs: this.nowUs,
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
    this.decisions?.push({
      options: options.map((o) => o.id),
      continuable: lastRunnable,
      threads: new Set(),
      objects: new Set(),
    });
    const chosen = options[c] as SimThread;
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
    this.running = t;
    if (this.decisions) this.decisions[this.decisions.length - 1]?.threads.add(t.id);
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
    this.trace.append(this.stepNo, this.nowUs, t.id, 'exit', t.name, []);
    this.retire(t);
  }

  private dropThread(t: SimThread): void {
    if (t.state === DONE || t.state === DEAD) return;
    if (t.state === RUNNABLE) {
      const i = this.ready.indexOf(t);
      if (i >= 0) this.ready.splice(i, 1);
    } else if (t.cond) {
      const q = t.cond.queue;
      const i = q.indexOf(t);
      if (i >= 0) q.splice(i, 1);
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
    if (!t.daemon) this.liveNonDaemon--;
    const p = t.process;
    if (p) {
      p.threads.delete(t);
      if (p.alive && p.threads.size === 0) this.exitProcess(p);
    }
    if (this.liveNonDaemon === 0 && this.outcome === null) this.finish({ kind: 'completed' });
  }

  private exitProcess(p: ProcImpl): void {
    if (!p.alive) return;
    p.alive = false;
    this.record('proc.exit', p.label);
    const hooks = p.exitHooks.splice(0);
    for (const h of hooks) h();
  }

  /** Fires every timer due at the earliest pending instant; false when the run is over. */
  private advanceTime(): boolean {
    let next = this.timers.peek();
    while (next?.cancelled) {
      this.timers.pop();
      next = this.timers.peek();
    }
    if (!next) {
      this.finishStuck();
      return false;
    }
    if (next.time > this.budget.maxTimeUs) {
      this.finish({ kind: 'budget', limit: 'time', value: this.budget.maxTimeUs });
      return false;
    }
    this.nowUs = next.time;
    while (next && next.time === this.nowUs) {
      this.timers.pop();
      if (!next.cancelled) this.fire(next);
      if (this.outcome !== null) return false;
      next = this.timers.peek();
    }
    return true;
  }

  private fire(timer: Timer): void {
    const t = timer.thread;
    if (t) {
      t.timer = null;
      if (t.cond) {
        const q = t.cond.queue;
        const i = q.indexOf(t);
        if (i >= 0) q.splice(i, 1);
      }
      this.wake(t, false);
    } else if (timer.action) {
      timer.action();
    }
  }

  private runStepActions(): void {
    let a = this.stepActions.peek();
    while (a && a.step <= this.stepNo + 1) {
      this.stepActions.pop();
      a.action();
      a = this.stepActions.peek();
    }
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

  private addTimer(time: number, thread: SimThread | null, action: (() => void) | null): Timer {
    const timer = new Timer(time, this.seq++, thread, action);
    this.timers.push(timer);
    return timer;
  }

  private mustRun(op: string): SimThread {
    const t = this.running;
    if (!t) throw new Error(`${op}: must be called from a simulated thread`);
    return t;
  }

  private record(kind: string, subject: string, ...fields: TraceField[]): void {
    this.trace.append(this.stepNo, this.nowUs, this.running?.id ?? 0, kind, subject, fields);
  }
}
