/**
 * The cluster configuration the logical units read and change (Ganeti's `config.ConfigWriter`,
 * reduced to what the simulated LUs need): nodes, node groups, master candidates, instances with
 * primary and secondary nodes and disks, networks and their group connections.
 *
 * Plain data on purpose: `ClusterConfigData` is JSON (the durability work writes it to the
 * simulated disks as Ganeti writes `config.data`), every map is a plain object, and every listing
 * is sorted by name, so no result depends on insertion order. Identities: a node's, group's and
 * network's UUID is its name (lock names at the node, node-res, nodegroup and network levels are
 * these UUIDs, as in Ganeti); instances are locked by name.
 *
 * The configuration does no locking of its own: Ganeti's `ConfigWriter` serialises writers with
 * an internal lock while the LUs' cluster locks decide who may change what; under the kernel
 * every method here runs without a scheduling point, which gives the same atomicity.
 */

export type DiskTemplate = 'drbd' | 'plain' | 'sharedfile';

/** Templates whose disks live outside the nodes (`DTS_EXT_MIRROR`): any node can take over. */
export const DTS_EXT_MIRROR: ReadonlySet<DiskTemplate> = new Set<DiskTemplate>(['sharedfile']);
/** Templates with a secondary node (`DTS_INT_MIRROR`). */
export const DTS_INT_MIRROR: ReadonlySet<DiskTemplate> = new Set<DiskTemplate>(['drbd']);

export type AdminState = 'up' | 'down';

export interface NodeData {
  readonly name: string;
  group: string;
  masterCandidate: boolean;
  offline: boolean;
  drained: boolean;
}

export interface NodeGroupData {
  readonly name: string;
  /** Network name -> connection parameters (`mode`, `link`). */
  networks: Record<string, { mode: string; link: string }>;
}

export interface DiskData {
  /** MiB. */
  size: number;
}

export interface InstanceData {
  readonly name: string;
  primaryNode: string;
  secondaryNodes: string[];
  diskTemplate: DiskTemplate;
  disks: DiskData[];
  adminState: AdminState;
  /** Networks the instance's NICs are connected to (null: none). */
  nics: { network: string | null }[];
}

export interface NetworkData {
  readonly name: string;
  /** e.g. `192.0.2.0/24`. */
  subnet: string;
}

export interface ClusterConfigData {
  clusterName: string;
  masterNode: string;
  /** Bumped on every change (`serial_no`). */
  serial: number;
  nodes: Record<string, NodeData>;
  nodeGroups: Record<string, NodeGroupData>;
  instances: Record<string, InstanceData>;
  networks: Record<string, NetworkData>;
}

/** How to build a small cluster: `nodes` nodes in `groups` groups, `instances` DRBD instances. */
export interface ClusterShape {
  readonly nodes: number;
  readonly groups?: number;
  readonly instances?: number;
  readonly networks?: number;
  /** Master candidates besides the master (`candidate_pool_size - 1`); default 2. */
  readonly extraCandidates?: number;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedValues<T extends { readonly name: string }>(rec: Record<string, T>): T[] {
  return Object.keys(rec)
    .sort(byName)
    .map((k) => rec[k] as T);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export class ClusterConfig {
  private constructor(private readonly data: ClusterConfigData) {}

  /** Wraps (a copy of) serialised configuration data. */
  static fromData(data: ClusterConfigData): ClusterConfig {
    return new ClusterConfig(JSON.parse(JSON.stringify(data)) as ClusterConfigData);
  }

  /**
   * A cluster of `node1..nodeN` in groups `group1..groupG` (nodes dealt round-robin), the master
   * `node1`, networks `net1..`, and DRBD instances `inst1..` whose primary and secondary are
   * neighbouring nodes of the same group (plain instances when a group has a single node).
   */
  static build(shape: ClusterShape): ClusterConfig {
    if (shape.nodes < 1) throw new RangeError('ClusterConfig.build: at least one node');
    const groups = Math.max(1, Math.min(shape.groups ?? 1, shape.nodes));
    const data: ClusterConfigData = {
      clusterName: 'cluster.example.com',
      masterNode: 'node1',
      serial: 1,
      nodes: {},
      nodeGroups: {},
      instances: {},
      networks: {},
    };
    for (let g = 1; g <= groups; g++) data.nodeGroups[`group${g}`] = { name: `group${g}`, networks: {} };
    const extra = shape.extraCandidates ?? 2;
    for (let n = 1; n <= shape.nodes; n++) {
      const name = `node${n}`;
      data.nodes[name] = {
        name,
        group: `group${((n - 1) % groups) + 1}`,
        masterCandidate: n <= 1 + extra,
        offline: false,
        drained: false,
      };
    }
    for (let i = 1; i <= (shape.networks ?? 0); i++) {
      data.networks[`net${i}`] = { name: `net${i}`, subnet: `192.0.${i}.0/24` };
    }
    const cfg = new ClusterConfig(data);
    const groupNodes = sortedValues(data.nodeGroups).map((g) => cfg.groupNodes(g.name));
    for (let i = 1; i <= (shape.instances ?? 0); i++) {
      const members = groupNodes[(i - 1) % groupNodes.length] as string[];
      const k = Math.floor((i - 1) / groupNodes.length);
      const primary = members[k % members.length] as string;
      const secondary = members.length > 1 ? (members[(k + 1) % members.length] as string) : null;
      data.instances[`inst${i}`] = {
        name: `inst${i}`,
        primaryNode: primary,
        secondaryNodes: secondary ? [secondary] : [],
        diskTemplate: secondary ? 'drbd' : 'plain',
        disks: [{ size: 1024 }],
        adminState: 'up',
        nics: [{ network: null }],
      };
    }
    return cfg;
  }

  /** A deep copy of the configuration data (what would be written to `config.data`). */
  toData(): ClusterConfigData {
    return JSON.parse(JSON.stringify(this.data)) as ClusterConfigData;
  }

  get serial(): number {
    return this.data.serial;
  }

  get clusterName(): string {
    return this.data.clusterName;
  }

  getMasterNode(): string {
    return this.data.masterNode;
  }

  // -------------------------------------------------------------------------------------------
  // Reads. Lists are sorted by name.

  getNodeList(): string[] {
    return Object.keys(this.data.nodes).sort(byName);
  }

  getNodeInfo(name: string): Readonly<NodeData> | null {
    return this.data.nodes[name] ?? null;
  }

  getNodeGroupList(): string[] {
    return Object.keys(this.data.nodeGroups).sort(byName);
  }

  getNodeGroup(name: string): Readonly<NodeGroupData> | null {
    return this.data.nodeGroups[name] ?? null;
  }

  getInstanceList(): string[] {
    return Object.keys(this.data.instances).sort(byName);
  }

  getInstanceInfo(name: string): Readonly<InstanceData> | null {
    return this.data.instances[name] ?? null;
  }

  getNetworkList(): string[] {
    return Object.keys(this.data.networks).sort(byName);
  }

  getNetwork(name: string): Readonly<NetworkData> | null {
    return this.data.networks[name] ?? null;
  }

  getMasterCandidates(): string[] {
    return this.getNodeList().filter((n) => this.data.nodes[n]?.masterCandidate);
  }

  /** Nodes of a group, sorted. */
  groupNodes(group: string): string[] {
    return this.getNodeList().filter((n) => this.data.nodes[n]?.group === group);
  }

  /** `GetNodeGroupsFromNodes`: the groups of the given (existing) nodes, sorted. */
  groupsOfNodes(nodes: Iterable<string>): string[] {
    const groups = new Set<string>();
    for (const n of nodes) {
      const node = this.data.nodes[n];
      if (node) groups.add(node.group);
    }
    return [...groups].sort(byName);
  }

  /** `GetNodeGroupMembersByNodes`: every node sharing a group with one of `nodes`, sorted. */
  groupMembersOfNodes(nodes: Iterable<string>): string[] {
    const groups = new Set(this.groupsOfNodes(nodes));
    return this.getNodeList().filter((n) => groups.has(this.data.nodes[n]?.group ?? ''));
  }

  /** Every node an instance uses, primary first. */
  instanceNodes(name: string): string[] {
    const inst = this.data.instances[name];
    return inst ? [inst.primaryNode, ...inst.secondaryNodes] : [];
  }

  /** Instances whose primary node is `node`, sorted. */
  primaryInstances(node: string): string[] {
    return this.getInstanceList().filter((i) => this.data.instances[i]?.primaryNode === node);
  }

  /** Instances with `node` as a secondary, sorted. */
  secondaryInstances(node: string): string[] {
    return this.getInstanceList().filter((i) => this.data.instances[i]?.secondaryNodes.includes(node));
  }

  /** Instances using `node` in any role, sorted. */
  nodeInstances(node: string): string[] {
    return this.getInstanceList().filter((i) => this.instanceNodes(i).includes(node));
  }

  /** Instances with a node in `group`, sorted (`GetNodeGroupInstances`). */
  groupInstances(group: string): string[] {
    const members = new Set(this.groupNodes(group));
    return this.getInstanceList().filter((i) => this.instanceNodes(i).some((n) => members.has(n)));
  }

  // -------------------------------------------------------------------------------------------
  // Writes. Each bumps the serial.

  addNode(node: NodeData): void {
    if (this.data.nodes[node.name]) throw new ConfigError(`Node '${node.name}' already exists`);
    if (!this.data.nodeGroups[node.group]) throw new ConfigError(`Unknown node group '${node.group}'`);
    this.data.nodes[node.name] = { ...node };
    this.touch();
  }

  removeNode(name: string): void {
    if (!this.data.nodes[name]) throw new ConfigError(`Unknown node '${name}'`);
    delete this.data.nodes[name];
    this.touch();
  }

  addInstance(inst: InstanceData): void {
    if (this.data.instances[inst.name]) throw new ConfigError(`Instance '${inst.name}' already exists`);
    for (const n of [inst.primaryNode, ...inst.secondaryNodes]) {
      if (!this.data.nodes[n]) throw new ConfigError(`Instance '${inst.name}' uses unknown node '${n}'`);
    }
    this.data.instances[inst.name] = JSON.parse(JSON.stringify(inst)) as InstanceData;
    this.touch();
  }

  removeInstance(name: string): void {
    if (!this.data.instances[name]) throw new ConfigError(`Unknown instance '${name}'`);
    delete this.data.instances[name];
    this.touch();
  }

  /** Appends a disk to the instance; returns its index. */
  addInstanceDisk(name: string, disk: DiskData): number {
    const inst = this.instance(name);
    inst.disks.push({ ...disk });
    this.touch();
    return inst.disks.length - 1;
  }

  /** Removes the instance's disk at `index`. */
  removeInstanceDisk(name: string, index: number): void {
    const inst = this.instance(name);
    if (index < 0 || index >= inst.disks.length) throw new ConfigError(`Instance '${name}' has no disk ${index}`);
    inst.disks.splice(index, 1);
    this.touch();
  }

  setInstanceAdminState(name: string, state: AdminState): void {
    this.instance(name).adminState = state;
    this.touch();
  }

  /** Moves the instance to `primary` (failover, migration); the old primary becomes the secondary for DRBD. */
  setInstancePrimary(name: string, primary: string): void {
    const inst = this.instance(name);
    if (!this.data.nodes[primary]) throw new ConfigError(`Unknown node '${primary}'`);
    const old = inst.primaryNode;
    if (DTS_INT_MIRROR.has(inst.diskTemplate)) {
      inst.secondaryNodes = inst.secondaryNodes.map((n) => (n === primary ? old : n));
    }
    inst.primaryNode = primary;
    this.touch();
  }

  /** `AssignGroupNodes`: moves nodes to another group. */
  assignGroupNodes(moves: readonly (readonly [node: string, group: string])[]): void {
    for (const [node, group] of moves) {
      if (!this.data.nodeGroups[group]) throw new ConfigError(`Unknown node group '${group}'`);
      const n = this.data.nodes[node];
      if (!n) throw new ConfigError(`Unknown node '${node}'`);
      n.group = group;
    }
    this.touch();
  }

  connectNetwork(group: string, network: string, params: { mode: string; link: string }): void {
    const g = this.data.nodeGroups[group];
    if (!g) throw new ConfigError(`Unknown node group '${group}'`);
    if (!this.data.networks[network]) throw new ConfigError(`Unknown network '${network}'`);
    g.networks[network] = { ...params };
    this.touch();
  }

  private instance(name: string): InstanceData {
    const inst = this.data.instances[name];
    if (!inst) throw new ConfigError(`Unknown instance '${name}'`);
    return inst;
  }

  private touch(): void {
    this.data.serial++;
  }
}
