/**
 * The administrator of the durability cluster, and master failover as Ganeti runs it.
 *
 * The operator reboots nodes that are down (after `REBOOT_AFTER_US`), may fail the master over
 * when its node stays down (policy `failover`), and may re-add master candidates whose replica
 * fell behind (`gnt-node add --readd`, policy `readd`). What it knows of the replicas is what the
 * master's log tells: a candidate is *stale* from a failed replication call to it (or the start
 * of a purge) until a re-add uploaded the live queue to it completely; the old master of a
 * failover is stale from then on (its last writes may have reached nobody).
 *
 * `failOver` is `gnt-cluster master-failover` run on the target (Ganeti 2.10
 * `bootstrap.MasterFailover`): the target must be a master candidate other than the master, and
 * unless `--no-voting` the other nodes are asked who the master is (`GatherMasterVotes`): when
 * most do not answer, Ganeti refuses ("Cluster is inconsistent, most nodes did not respond").
 * Ganeti checks nothing about the target's copy of the job queue: its master daemon starts from
 * whatever serial and job files the target holds. Then the old master daemon is stopped
 * (`node_stop_master`; when the old master cannot be reached Ganeti asks the administrator to
 * stop it by hand, which is taken as done) and the new one starts.
 */
import { type DurableCluster, MASTERD, NODED } from '../../src/cluster/durable-cluster.js';
import { LUXI_SERVICE } from '../../src/cluster/masterd.js';
import { isEvent } from '../../src/sim/events.js';
import type { Proc, ProcessRef } from '../../src/sim/ports.js';
import type { SimWorld } from '../../src/sim/world.js';

const OPERATOR_INTERVAL_US = 1_000_000;
const REBOOT_AFTER_US = 3_000_000;
const READD_INTERVAL_US = 3_000_000;
const FAILOVER_AFTER_US = 2_000_000;

export interface OperatorPolicy {
  /** Fail the master over when its node has been down for 2 s, onto a candidate that is not stale. */
  readonly failover: boolean;
}

/**
 * Why Ganeti's `MasterFailover`, run on `target`, refuses, or null when it goes ahead. The nodes
 * other than the target vote for the master they know (every node knows the current one);
 * a node votes "None" when it cannot be asked: down, its node daemon not running, or the
 * network cut between it and the target either way.
 */
export function failoverRefusal(world: SimWorld, cluster: DurableCluster, target: string): string | null {
  if (target === cluster.masterNode) return 'already-master';
  if (!cluster.candidates.includes(target)) return 'not-a-candidate';
  if (world.processes.downNodes().includes(target)) return 'target-down';
  const down = world.processes.downNodes();
  const votes = new Map<string | null, number>();
  for (const node of cluster.nodes) {
    if (node === target) continue;
    const answers =
      !down.includes(node) &&
      world.processes.findProcess(node, NODED) !== null &&
      !world.net.isPartitioned(target, node) &&
      !world.net.isPartitioned(node, target);
    const vote = answers ? cluster.masterNode : null;
    votes.set(vote, (votes.get(vote) ?? 0) + 1);
  }
  if (votes.size === 0) return null;
  // Most votes first, ties broken by name, descending; Python 2 orders None below any string.
  const [voted] = [...votes].sort(([na, ca], [nb, cb]) => cb - ca || byNameDescending(na, nb))[0] as [
    string | null,
    number,
  ];
  if (voted === null) return 'no-quorum';
  return voted === cluster.masterNode ? null : 'wrong-master';
}

function byNameDescending(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? 1 : -1;
}

/** Stops the old master daemon if it runs, and makes `target` the master (see the module header). */
export function failOver(world: SimWorld, cluster: DurableCluster, target: string): void {
  const old = world.processes.findProcess(cluster.masterNode, MASTERD);
  if (old) world.processes.crashProcess(old, 'master-failover');
  cluster.failover(target);
}

export class Operator {
  private readonly downSince = new Map<string, number>();
  private readonly stale = new Set<string>();

  constructor(
    private readonly world: SimWorld,
    private readonly cluster: DurableCluster,
    private readonly policy: OperatorPolicy,
  ) {
    world.kernel.trace.observe((r) => {
      if (isEvent(r, 'queue.rpc') && r.fields[1] !== 'ok') this.stale.add(r.subject);
      else if (isEvent(r, 'queue.purge-begin')) this.stale.add(r.subject);
      else if (isEvent(r, 'queue.node-added') && r.fields[1]) this.stale.delete(r.subject);
      else if (isEvent(r, 'cluster.failover')) this.stale.add(r.fields[0]);
    });
  }

  /** Whether the master's log tells of a replication `node` missed since it was last in sync. */
  isStale(node: string): boolean {
    return this.stale.has(node);
  }

  *run(): Proc<void> {
    for (;;) {
      yield* this.world.sleep(OPERATOR_INTERVAL_US);
      this.step();
    }
  }

  /**
   * `gnt-node add --readd` for every master candidate whose replica fell behind, once it is up
   * with its node daemon running: the master purges it and uploads the live queue (`AddNode`).
   */
  *readdStaleCandidates(_self: ProcessRef): Proc<void> {
    const p = this.world.processes;
    for (;;) {
      yield* this.world.sleep(READD_INTERVAL_US);
      const master = this.cluster.masterNode;
      const node = this.cluster.candidates.find(
        (c) => c !== master && this.stale.has(c) && p.findProcess(c, NODED) !== null,
      );
      if (node === undefined || p.findProcess(master, MASTERD) === null) continue;
      yield* this.world.net.call(
        { node: master, service: LUXI_SERVICE },
        'AddNode',
        { node },
        { timeoutUs: 60_000_000 },
      );
    }
  }

  private step(): void {
    const p = this.world.processes;
    const now = this.world.now();
    const down = p.downNodes();
    for (const node of [...this.downSince.keys()]) if (!down.includes(node)) this.downSince.delete(node);
    for (const node of down) {
      if (!this.downSince.has(node)) this.downSince.set(node, now);
      const since = this.downSince.get(node) as number;
      if (node === this.cluster.masterNode && this.policy.failover && now - since >= FAILOVER_AFTER_US) {
        const target = this.cluster.candidates.find(
          (c) => !this.stale.has(c) && failoverRefusal(this.world, this.cluster, c) === null,
        );
        if (target !== undefined) {
          failOver(this.world, this.cluster, target);
          continue;
        }
      }
      if (now - since >= REBOOT_AFTER_US) p.restartNode(node);
    }
  }
}
