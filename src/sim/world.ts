/**
 * The simulated world a cluster runs in: the kernel's runtime plus processes, node-local and
 * shared disks, and the network. It owns the wiring between them (a node crash reaches that
 * node's disk) and the fault verbs that need world-wide state (`restartNode`).
 *
 * Fault model: a node crash (`processes.crashNode`) kills every process on the node without
 * running their `finally` blocks, drops the node's disk cache (unsynced data, with possibly torn
 * last writes; see `disk.ts`) and the file locks of its processes everywhere. Shared disks keep
 * their data. The network is untouched: messages to the dead processes find no service and the
 * callers time out (see `net.ts`). `restartNode` starts again the processes that were running on
 * the node when it crashed, so their start-up (recovery) runs against what survived on disk.
 */
import { type DiskCosts, type DiskFaultRates, SimDisk } from './disk.js';
import { type Budget, Kernel, type RunResult } from './kernel.js';
import { type NetOptions, SimNet } from './net.js';
import type {
  Condition,
  ConditionOptions,
  Proc,
  ProcessControl,
  ProcessMain,
  ProcessOptions,
  ProcessRef,
  Rng,
  RngStreamName,
  Signal,
  SpawnOptions,
  ThreadRef,
  TraceEvents,
  TraceKind,
  World,
} from './ports.js';
import type { RngRoot } from './rng.js';
import { type StrategySpec, strategyFromSpec } from './simulation.js';
import type { Strategy } from './strategy.js';
import type { TraceMode } from './trace.js';

export interface SharedDiskSpec {
  readonly name: string;
  /** Overrides of the world's `diskCosts` for this disk. */
  readonly costs?: Partial<DiskCosts>;
}

export interface WorldOptions {
  /** Shared disks by name (or with their own costs); a name must not also be a node name. */
  readonly sharedDisks?: readonly (string | SharedDiskSpec)[];
  /** Costs of every disk unless overridden. */
  readonly diskCosts?: Partial<DiskCosts>;
  /** Costs of the local disk of particular nodes, by node name. */
  readonly nodeDiskCosts?: Readonly<Record<string, Partial<DiskCosts>>>;
  readonly net?: Partial<NetOptions>;
}

/**
 * Process control as the world offers it: the kernel's, plus a memory of what ran on each
 * crashed node so that `restartNode` can bring it back.
 */
export class WorldProcesses implements ProcessControl {
  /** Names of the processes that were alive on each node when it last crashed, in start order. */
  private readonly crashed = new Map<string, readonly string[]>();

  constructor(
    private readonly kernel: Kernel,
    /** Names that are shared disks, so cannot be nodes (`world.disk(name)` must be unambiguous). */
    private readonly isSharedDisk: (name: string) => boolean,
  ) {}

  startProcess(node: string, name: string, main: ProcessMain, opts?: ProcessOptions): ProcessRef {
    if (this.isSharedDisk(node)) throw new RangeError(`startProcess: node ${node} has the name of a shared disk`);
    return this.kernel.startProcess(node, name, main, opts);
  }

  crashProcess(proc: ProcessRef, reason: string): void {
    this.kernel.crashProcess(proc, reason);
  }

  restartProcess(node: string, name: string): ProcessRef {
    return this.kernel.restartProcess(node, name);
  }

  signal(proc: ProcessRef, sig: Signal): void {
    this.kernel.signal(proc, sig);
  }

  onSignal(proc: ProcessRef, sig: 'SIGTERM', handler: () => void): void {
    this.kernel.onSignal(proc, sig, handler);
  }

  onExit(proc: ProcessRef, hook: () => void): void {
    this.kernel.onExit(proc, hook);
  }

  crashNode(node: string): void {
    const names = this.kernel
      .liveProcesses()
      .filter((p) => p.node === node)
      .map((p) => p.name);
    // A second crash of a node that is still down must not forget what ran before the first.
    if (names.length > 0 || !this.crashed.has(node)) this.crashed.set(node, names);
    this.kernel.crashNode(node);
  }

  /**
   * Restarts the processes that ran on `node` when it last crashed (those not running already);
   * returns them. A node that never crashed through this object restarts nothing.
   */
  restartNode(node: string): ProcessRef[] {
    const names = this.crashed.get(node) ?? [];
    this.crashed.delete(node);
    this.kernel.emit('node.restart', node, names.length);
    const started: ProcessRef[] = [];
    for (const name of names) {
      if (this.kernel.findProcess(node, name)) continue;
      started.push(this.kernel.restartProcess(node, name));
    }
    return started;
  }

  findProcess(node: string, name: string): ProcessRef | null {
    return this.kernel.findProcess(node, name);
  }

  /** Nodes crashed through `crashNode` and not restarted through `restartNode` since, in crash order. */
  downNodes(): string[] {
    return [...this.crashed.keys()];
  }

  /** Whether `restartProcess(node, name)` has a process to start. */
  wasStarted(node: string, name: string): boolean {
    return this.kernel.wasStarted(node, name);
  }
}

export class SimWorld implements World {
  readonly processes: WorldProcesses;
  readonly net: SimNet;
  private readonly shared = new Map<string, SimDisk>();
  private readonly local = new Map<string, SimDisk>();
  private diskRates: DiskFaultRates = {};
  private calmed = false;

  constructor(
    readonly kernel: Kernel,
    private readonly opts: WorldOptions = {},
  ) {
    this.processes = new WorldProcesses(kernel, (name) => this.shared.has(name));
    this.net = new SimNet(kernel, opts.net);
    for (const spec of opts.sharedDisks ?? []) {
      const { name, costs } = typeof spec === 'string' ? { name: spec, costs: undefined } : spec;
      if (this.shared.has(name)) throw new RangeError(`world: shared disk ${name} declared twice`);
      this.shared.set(name, new SimDisk(kernel, { name, mode: 'shared', costs: { ...opts.diskCosts, ...costs } }));
    }
    kernel.onNodeCrash((node) => this.local.get(node)?.crash());
  }

  // -------------------------------------------------------------------------------------------
  // Runtime, delegated to the kernel

  now(): number {
    return this.kernel.now();
  }

  current(): ThreadRef {
    return this.kernel.current();
  }

  spawn(name: string, body: () => Proc<unknown>, opts?: SpawnOptions): ThreadRef {
    return this.kernel.spawn(name, body, opts);
  }

  sleep(us: number): Proc<void> {
    return this.kernel.sleep(us);
  }

  yieldNow(): Proc<void> {
    return this.kernel.yieldNow();
  }

  condition(name: string, opts?: ConditionOptions): Condition {
    return this.kernel.condition(name, opts);
  }

  rng(stream: RngStreamName): Rng {
    return this.kernel.rng(stream);
  }

  emit<K extends TraceKind>(kind: K, subject: string, ...fields: TraceEvents[K]): void {
    this.kernel.emit(kind, subject, ...fields);
  }

  violation(kind: string, message: string, objects?: readonly string[]): void {
    this.kernel.violation(kind, message, objects);
  }

  // -------------------------------------------------------------------------------------------
  // The world

  /** A shared disk by name, or else the local disk of the node of that name (made on first use). */
  disk(nameOrNode: string): SimDisk {
    const shared = this.shared.get(nameOrNode);
    if (shared) return shared;
    let disk = this.local.get(nameOrNode);
    if (!disk) {
      if (nameOrNode === '') throw new RangeError('world.disk: name must not be empty');
      const costs = { ...this.opts.diskCosts, ...this.opts.nodeDiskCosts?.[nameOrNode] };
      disk = new SimDisk(this.kernel, { name: nameOrNode, costs, faultRates: this.diskRates });
      this.local.set(nameOrNode, disk);
    }
    return disk;
  }

  /** Every disk made so far: shared ones in declaration order, then local ones in creation order. */
  disks(): SimDisk[] {
    return [...this.shared.values(), ...this.local.values()];
  }

  /** Probabilistic disk faults for every disk, present and future. */
  setDiskFaultRates(rates: DiskFaultRates): void {
    this.diskRates = rates;
    for (const disk of this.disks()) disk.setFaultRates(rates);
  }

  /**
   * Ends a fault phase (the start of a liveness phase): probabilistic faults stop, armed disk
   * faults and message delays are disarmed and the network is healed. Crashed nodes stay down; `downNodes()` lists
   * them for the scenario to restart.
   */
  calm(): void {
    this.calmed = true;
    this.kernel.emit('fault.calm', 'world');
    this.setDiskFaultRates({});
    for (const disk of this.disks()) disk.disarm();
    this.net.setLossRate(0);
    this.net.disarmDelays();
    this.net.heal();
  }

  /** Whether the fault phase is over (`calm` was called): explicit faults due later are skipped. */
  isCalm(): boolean {
    return this.calmed;
  }

  /** Runs the simulation to its outcome (once). */
  run(): RunResult {
    return this.kernel.run();
  }
}

export interface CreateWorldOptions extends WorldOptions {
  readonly seed: number | string;
  /** As data (for replay files), as a ready strategy, or as a factory given the run's random root. */
  readonly strategy?: StrategySpec | Strategy | ((rng: RngRoot) => Strategy);
  readonly budget?: Partial<Budget>;
  /** `full` keeps every trace record (replays, reports); `hash` keeps the hash and a tail (searches). */
  readonly trace?: TraceMode;
  /** Record decision footprints (exhaustive exploration). */
  readonly footprints?: boolean;
}

/** A fresh kernel (like `Simulation.create`) wrapped in a simulated world; `world.run()` runs it. */
export function createWorld(opts: CreateWorldOptions): SimWorld {
  const spec = opts.strategy ?? { kind: 'fifo' };
  const kernel = new Kernel({
    seed: opts.seed,
    strategy: typeof spec === 'function' || 'choose' in spec ? spec : (rng) => strategyFromSpec(spec, rng),
    budget: opts.budget,
    trace: opts.trace,
    footprints: opts.footprints,
  });
  return new SimWorld(kernel, opts);
}
