/**
 * A two-node libvirt cluster (virtlockd + libvirtd per node, images on a shared disk) and a
 * workload thread, for the lock-manager tests. The workload's failures end the run and are
 * rethrown so vitest shows them.
 */

import type { Checker } from '../../../scenarios/scenario.js';
import type { DomainDef } from '../../../src/cluster/hypervisor/domain.js';
import {
  type Hypervisor,
  imagePath,
  type LibvirtCluster,
  startLibvirtCluster,
} from '../../../src/cluster/hypervisor/index.js';
import { isVirError } from '../../../src/lockd/errors.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import type { RunResult } from '../../../src/sim/kernel.js';
import type { Proc } from '../../../src/sim/ports.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

export const SETTLE_US = 50_000;

export interface Harness {
  readonly world: SimWorld;
  readonly cluster: LibvirtCluster;
  hv(node: string): Hypervisor;
}

export interface HarnessOptions {
  readonly mutants?: MutantSet;
  readonly lockManager?: 'nop' | 'lockd' | 'sanlock';
  readonly lockConfig?: string | ((node: string) => string);
  readonly sanlockTiming?: { readonly ioTimeoutUs: number };
  readonly images?: readonly string[];
  readonly seed?: number;
  /** Checkers watching the run; their violations are collected (the run goes on). */
  readonly checkers?: readonly Checker[];
}

export function domainDef(
  name: string,
  disks: ReadonlyArray<{ image: string; shared?: boolean; readonly?: boolean }>,
): DomainDef {
  return {
    name,
    uuid: `uuid-${name}`,
    leases: [],
    disks: disks.map((d, i) => ({
      target: `vd${String.fromCharCode(97 + i)}`,
      source: { path: imagePath(d.image), type: 'file', shared: d.shared ?? false, readonly: d.readonly ?? false },
    })),
  };
}

/** Runs `workload` after the daemons are up; returns the run result and the trace lines. */
export function runLibvirt(
  opts: HarnessOptions,
  workload: (h: Harness) => Proc<void>,
): { result: RunResult; trace: string[]; harness: Harness; violations: string[] } {
  const world = createWorld({ seed: opts.seed ?? 1, sharedDisks: ['san'] });
  const cluster = startLibvirtCluster(world, {
    nodes: ['node1', 'node2'],
    sharedDisk: 'san',
    images: opts.images ?? ['d1.img', 'd2.img', 'd3.img'],
    lockManager: opts.lockManager ?? 'lockd',
    mutants: opts.mutants ?? MutantSet.none,
    ...(opts.lockConfig !== undefined ? { lockConfig: opts.lockConfig } : {}),
    ...(opts.sanlockTiming !== undefined ? { sanlockTiming: opts.sanlockTiming } : {}),
  });
  const h: Harness = {
    world,
    cluster,
    hv: (node) => {
      const hv = cluster.hypervisors.get(node);
      if (!hv) throw new Error(`no hypervisor on ${node}`);
      return hv;
    },
  };
  const violations: string[] = [];
  const ctx = { now: () => world.now(), violation: (p: string, m: string) => violations.push(`${p}: ${m}`) };
  world.kernel.trace.observe((r) => {
    for (const c of opts.checkers ?? []) c.onEvent?.(r, ctx);
  });
  let failure: unknown = null;
  world.spawn('workload', function* () {
    yield* world.sleep(SETTLE_US);
    try {
      yield* workload(h);
    } catch (e) {
      failure = e;
    }
  });
  const result = world.run();
  if (failure !== null) throw failure;
  const trace = result.trace.snapshot().map((r) => [r.kind, r.subject, ...r.fields].join(' '));
  for (const c of opts.checkers ?? []) c.atEnd?.(result, ctx);
  return { result, trace, harness: h, violations };
}

/** Runs `p` and returns the libvirt error code it failed with, or 0 when it succeeded. */
export function* errorCode(p: Proc<unknown>): Proc<number> {
  try {
    yield* p;
    return 0;
  } catch (e) {
    if (isVirError(e)) return e.code;
    throw e;
  }
}
