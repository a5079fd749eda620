/**
 * A simulated Ganeti cluster with a durable job queue: a node daemon on every node, the master
 * daemon on the master node, and the watcher (`ganeti-watcher`) that restarts dead daemons on
 * nodes that are up. Master failover (`gnt-cluster master-failover` run on a master candidate)
 * makes that candidate the master: its master daemon starts from the candidate's own replica of
 * the queue, serial included, and continues.
 *
 * Who is master lives here, as Ganeti's ssconf files and master IP do; the processes read it,
 * never share anything else.
 *
 * Fault model: any process or node may crash (the fault plan does it); the watcher brings back
 * the daemons of nodes that are up within `watcherIntervalUs`; nodes that are down stay down
 * until someone restarts them or fails the master over (the scenario plays that operator).
 *
 * Trace: `cluster.failover <new master> <old master>`, `cluster.watcher-restart <node> <daemon>`.
 */
import type { TimeoutStrategyFactory } from '../jqueue/op-exec-context.js';
import type { OpExecutorFactory } from '../jqueue/op-executor.js';
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, ProcessMain, World } from '../sim/ports.js';
import { masterDaemonMain, type QueueClusterLayout } from './masterd.js';
import { nodeDaemonMain } from './noded.js';

export const NODED = 'noded';
export const MASTERD = 'masterd';

export interface DurableClusterOptions {
  /** Every node; the first is the initial master. */
  readonly nodes: readonly string[];
  /** How many nodes (the first ones, the master included) are master candidates. */
  readonly masterCandidates: number;
  readonly mutants: MutantSet;
  readonly executorFactory: (world: World) => OpExecutorFactory;
  readonly timeoutStrategyFactory: TimeoutStrategyFactory;
  /** Whether a node is up (not crashed); the watcher only acts on nodes that are up. */
  readonly isNodeUp: (node: string) => boolean;
  readonly workers?: number;
  readonly rpcTimeoutUs?: number;
  /** How often the watcher looks, µs (default 1 s). */
  readonly watcherIntervalUs?: number;
}

export class DurableCluster {
  private master: string;
  readonly candidates: readonly string[];
  private readonly masterMain: ProcessMain;

  constructor(
    readonly world: World,
    private readonly opts: DurableClusterOptions,
  ) {
    const first = opts.nodes[0];
    if (first === undefined) throw new RangeError('DurableCluster: at least one node');
    if (opts.masterCandidates < 1 || opts.masterCandidates > opts.nodes.length) {
      throw new RangeError('DurableCluster: masterCandidates must be between 1 and the number of nodes');
    }
    this.master = first;
    this.candidates = opts.nodes.slice(0, opts.masterCandidates);
    this.masterMain = masterDaemonMain({
      world,
      layout: () => this.layout(),
      executorFactory: opts.executorFactory,
      timeoutStrategyFactory: opts.timeoutStrategyFactory,
      mutants: opts.mutants,
      workers: opts.workers,
      rpcTimeoutUs: opts.rpcTimeoutUs,
    });
  }

  get masterNode(): string {
    return this.master;
  }

  /** Every node of the cluster, the initial master first. */
  get nodes(): readonly string[] {
    return this.opts.nodes;
  }

  layout(): QueueClusterLayout {
    return { masterNode: this.master, masterCandidates: this.candidates };
  }

  /** Starts every node daemon, the master daemon and the watcher. */
  start(): void {
    for (const node of this.opts.nodes) this.startNoded(node);
    this.world.processes.startProcess(this.master, MASTERD, this.masterMain, { daemon: true });
    this.world.spawn('watcher', () => this.watch(), { process: null, daemon: true });
  }

  /**
   * `master-failover` onto `node`, a master candidate that is up; the old master must be down.
   * The new master daemon starts at once from `node`'s replica.
   */
  failover(node: string): void {
    if (!this.candidates.includes(node)) throw new Error(`failover: ${node} is not a master candidate`);
    if (node === this.master) throw new Error(`failover: ${node} is already the master`);
    if (this.world.processes.findProcess(this.master, MASTERD)) {
      throw new Error(`failover: the master daemon on ${this.master} is still running`);
    }
    this.world.emit('cluster.failover', node, this.master);
    this.master = node;
    if (!this.world.processes.findProcess(node, MASTERD)) {
      this.world.processes.startProcess(node, MASTERD, this.masterMain, { daemon: true });
    }
  }

  private startNoded(node: string): void {
    const main = nodeDaemonMain({
      runtime: this.world,
      net: this.world.net,
      disk: this.world.disk(node),
      mutants: this.opts.mutants,
    });
    this.world.processes.startProcess(node, NODED, main, { daemon: true });
  }

  /** `ganeti-watcher`: restarts the node daemon of every node that is up, and the master daemon. */
  private *watch(): Proc<void> {
    const interval = this.opts.watcherIntervalUs ?? 1_000_000;
    const p = this.world.processes;
    for (;;) {
      yield* this.world.sleep(interval);
      for (const node of this.opts.nodes) {
        if (!this.opts.isNodeUp(node)) continue;
        if (!p.findProcess(node, NODED)) {
          this.world.emit('cluster.watcher-restart', node, NODED);
          p.restartProcess(node, NODED);
        }
        if (node === this.master && !p.findProcess(node, MASTERD)) {
          this.world.emit('cluster.watcher-restart', node, MASTERD);
          if (p.findProcess(node, MASTERD) === null) p.startProcess(node, MASTERD, this.masterMain, { daemon: true });
        }
      }
    }
  }
}
