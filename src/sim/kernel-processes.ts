/**
 * The process table: processes on nodes, their threads, restarts, and the verbs that end them
 * (crash, signal, a node's crash).
 *
 * Fault model: a crash drops the process's threads at their current yield point — their
 * `finally` blocks never run, exactly as a killed process would not run them — and then runs
 * the process's exit hooks (file locks dropped, connections closed) synchronously. A process
 * also dies, normally, when its last thread ends. Restarting runs the process's original main
 * again, as a new incarnation (`node/name#2`) with a new PID.
 *
 * Invariants: a dead process has no live thread.
 */
import type { ReportBroken } from './kernel-invariants.js';
import type { SimThread, ThreadProcess } from './kernel-threads.js';
import type {
  Proc,
  ProcessMain,
  ProcessOptions,
  ProcessRef,
  Signal,
  SpawnOptions,
  ThreadRef,
  TraceEvents,
} from './ports.js';

/** What the process table needs from the rest of the kernel. */
export interface ProcessHost {
  spawn(name: string, body: () => Proc<unknown>, opts: SpawnOptions): ThreadRef;
  /** Drops a thread at its current yield point (it never runs again; its `finally` never runs). */
  dropThread(t: SimThread): void;
  /** Traces a kernel event. */
  record<K extends 'proc.start' | 'proc.crash' | 'proc.signal' | 'proc.exit' | 'node.crash'>(
    kind: K,
    subject: string,
    ...fields: TraceEvents[K]
  ): void;
  readonly broken: ReportBroken;
}

class ProcImpl implements ThreadProcess {
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

export class Processes {
  private nextProcId = 1;
  private nextPid = 1000;
  private readonly procs: ProcImpl[] = [];
  private readonly factories = new Map<string, { main: ProcessMain; opts: ProcessOptions; incarnation: number }>();
  private readonly nodeCrashHooks: Array<(node: string) => void> = [];

  constructor(private readonly host: ProcessHost) {}

  /** This table's own record of `proc`, or null for a process of another kernel. */
  own(proc: ProcessRef): ThreadProcess | null {
    const p = this.procs[proc.id - 1];
    return p !== undefined && p === proc ? p : null;
  }

  start(node: string, name: string, main: ProcessMain, opts: ProcessOptions = {}): ProcessRef {
    const key = `${node}/${name}`;
    if (this.find(node, name)) throw new Error(`startProcess: ${key} is already running`);
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
    this.host.record('proc.start', p.label, p.pid);
    this.host.spawn(`${p.label}:main`, () => main(p), { process: p });
    return p;
  }

  restart(node: string, name: string): ProcessRef {
    const f = this.factories.get(`${node}/${name}`);
    if (!f) throw new Error(`restartProcess: no process ${node}/${name} was ever started`);
    return this.start(node, name, f.main, f.opts);
  }

  find(node: string, name: string): ProcessRef | null {
    return this.procs.find((p) => p.alive && p.node === node && p.name === name) ?? null;
  }

  wasStarted(node: string, name: string): boolean {
    return this.factories.has(`${node}/${name}`);
  }

  live(): readonly ProcessRef[] {
    return this.procs.filter((p) => p.alive);
  }

  crash(proc: ProcessRef, reason: string): void {
    const p = this.procs[proc.id - 1];
    if (!p || p !== proc || !p.alive) return;
    this.host.record('proc.crash', p.label, reason);
    for (const t of p.threads) this.host.dropThread(t);
    this.exit(p);
  }

  signal(proc: ProcessRef, sig: Signal): void {
    const p = this.procs[proc.id - 1];
    if (!p?.alive) return;
    this.host.record('proc.signal', p.label, sig);
    if (sig === 'SIGTERM' && p.sigterm) {
      const handler = p.sigterm;
      p.sigterm = null;
      handler();
    } else {
      this.crash(p, sig);
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

  onNodeCrash(hook: (node: string) => void): void {
    this.nodeCrashHooks.push(hook);
  }

  crashNode(node: string): void {
    this.host.record('node.crash', node);
    for (const p of this.procs) if (p.alive && p.node === node) this.crash(p, 'node crash');
    for (const hook of this.nodeCrashHooks) hook(node);
  }

  /** `t` ended or was dropped: it leaves its process, which dies with its last thread. */
  threadGone(t: SimThread): void {
    const p = t.process as ProcImpl | null;
    if (!p) return;
    p.threads.delete(t);
    if (p.alive && p.threads.size === 0) this.exit(p);
  }

  /** The process dies: its exit hooks run, once. */
  private exit(p: ProcImpl): void {
    if (!p.alive) return;
    if (p.threads.size > 0) {
      const names = [...p.threads].map((t) => t.name).join(', ');
      throw this.host.broken('dead-process-has-threads', `${p.label} dies with live threads: ${names}`);
    }
    p.alive = false;
    this.host.record('proc.exit', p.label);
    const hooks = p.exitHooks.splice(0);
    for (const h of hooks) h();
  }
}
