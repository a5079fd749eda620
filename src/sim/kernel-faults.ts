/**
 * The fault verbs of the simulated world itself: what any scenario's plan may use without
 * registering anything. Each delivers one of the world's own fault operations (`world.ts`,
 * `disk.ts`, `net.ts` say what each does to the system); a fault naming something that is not
 * there when it strikes (a process not running, a process never started) is skipped with a
 * reason, since generated plans often name such things and that is no error of the plan.
 */
import { z } from 'zod';
import { type AnyFaultVerb, arg, type FaultVerb } from './fault-verb.js';
import type { ProcessRef } from './ports.js';

const processArgs = z.strictObject({ node: arg.name(), process: arg.name() });
type ProcessArgs = z.infer<typeof processArgs>;
const nodeArgs = z.strictObject({ node: arg.name() });
type NodeArgs = z.infer<typeof nodeArgs>;

const crashProcess: FaultVerb<ProcessArgs> = {
  kind: 'crash-process',
  args: processArgs,
  subject: (a) => `${a.node}/${a.process}`,
  describe: (a) => `crash ${a.process} on ${a.node}`,
  skip: (a, _ctx, world) => (world.processes.findProcess(a.node, a.process) ? null : 'not-running'),
  inject(a, _ctx, world) {
    world.processes.crashProcess(world.processes.findProcess(a.node, a.process) as ProcessRef, 'fault plan');
    return undefined;
  },
};

const restartProcess: FaultVerb<ProcessArgs> = {
  kind: 'restart-process',
  args: processArgs,
  subject: (a) => `${a.node}/${a.process}`,
  describe: (a) => `restart ${a.process} on ${a.node}`,
  skip(a, _ctx, world) {
    if (world.processes.findProcess(a.node, a.process)) return 'running';
    return world.processes.wasStarted(a.node, a.process) ? null : 'never-started';
  },
  inject(a, _ctx, world) {
    world.processes.restartProcess(a.node, a.process);
    return undefined;
  },
};

const signalArgs = z.strictObject({
  node: arg.name(),
  process: arg.name(),
  signal: z.enum(['SIGTERM', 'SIGKILL']),
});
const signal: FaultVerb<z.infer<typeof signalArgs>> = {
  kind: 'signal',
  args: signalArgs,
  subject: (a) => `${a.node}/${a.process}`,
  describe: (a) => `send ${a.signal} to ${a.process} on ${a.node}`,
  skip: (a, _ctx, world) => (world.processes.findProcess(a.node, a.process) ? null : 'not-running'),
  inject(a, _ctx, world) {
    world.processes.signal(world.processes.findProcess(a.node, a.process) as ProcessRef, a.signal);
    return undefined;
  },
};

const crashNode: FaultVerb<NodeArgs> = {
  kind: 'crash-node',
  args: nodeArgs,
  subject: (a) => a.node,
  describe: (a) => `crash node ${a.node}`,
  inject(a, _ctx, world) {
    world.processes.crashNode(a.node);
    return undefined;
  },
};

const restartNode: FaultVerb<NodeArgs> = {
  kind: 'restart-node',
  args: nodeArgs,
  subject: (a) => a.node,
  describe: (a) => `restart node ${a.node}`,
  inject(a, _ctx, world) {
    world.processes.restartNode(a.node);
    return undefined;
  },
};

const partitionArgs = z
  .strictObject({ a: arg.name(), b: arg.name(), oneWay: z.boolean().optional() })
  .refine((p) => p.a !== p.b, { path: ['b'], message: 'Must differ from a' });
const partition: FaultVerb<z.infer<typeof partitionArgs>> = {
  kind: 'partition',
  args: partitionArgs,
  subject: (a) => `${a.a}->${a.b}`,
  describe: (a) => `partition ${a.a} from ${a.b}${a.oneWay ? ' (one way)' : ''}`,
  inject(a, _ctx, world) {
    world.net.partition(a.a, a.b, { oneWay: a.oneWay });
    return undefined;
  },
};

const healArgs = z
  .strictObject({ a: arg.name().optional(), b: arg.name().optional() })
  .refine((h) => h.b === undefined || h.a !== undefined, { path: ['b'], message: 'Needs a' });
const heal: FaultVerb<z.infer<typeof healArgs>> = {
  kind: 'heal',
  args: healArgs,
  subject: (a) => (a.a === undefined ? '*' : a.b === undefined ? a.a : `${a.a}<->${a.b}`),
  describe: (a) => (a.a === undefined ? 'heal the network' : `heal ${a.b === undefined ? a.a : `${a.a}<->${a.b}`}`),
  inject(a, _ctx, world) {
    world.net.heal(a.a, a.b);
    return undefined;
  },
};

const delayArgs = z
  .strictObject({
    from: arg.name(),
    to: arg.name(),
    extraUs: arg.count(),
    count: arg.count(),
    oneWay: z.boolean().optional(),
  })
  .refine((d) => d.from !== d.to, { path: ['to'], message: 'Must differ from from (loopback is never delayed)' });
const delayMessages: FaultVerb<z.infer<typeof delayArgs>> = {
  kind: 'delay-messages',
  args: delayArgs,
  subject: (a) => `${a.from}${a.oneWay ? '->' : '<->'}${a.to}`,
  describe: (a) =>
    `delay the next ${a.count} messages ${a.oneWay ? `from ${a.from} to ${a.to}` : `between ${a.from} and ${a.to}`} ` +
    `by ${a.extraUs} µs`,
  inject(a, _ctx, world) {
    world.net.delayNext(a.from, a.to, a.extraUs, a.count, { oneWay: a.oneWay });
    return undefined;
  },
};

const diskErrorArgs = z.strictObject({ disk: arg.name(), op: z.enum(['write', 'fsync']), count: arg.count() });
const diskError: FaultVerb<z.infer<typeof diskErrorArgs>> = {
  kind: 'disk-error',
  args: diskErrorArgs,
  subject: (a) => a.disk,
  describe: (a) => `fail the next ${a.count} ${a.op}s of disk ${a.disk} with EIO`,
  inject(a, _ctx, world) {
    world.disk(a.disk).failNext(a.op, a.count);
    return undefined;
  },
};

const diskLatencyArgs = z.strictObject({ disk: arg.name(), extraUs: arg.uint(), count: arg.count() });
const diskLatency: FaultVerb<z.infer<typeof diskLatencyArgs>> = {
  kind: 'disk-latency',
  args: diskLatencyArgs,
  subject: (a) => a.disk,
  describe: (a) => `slow the next ${a.count} operations of disk ${a.disk} by ${a.extraUs} µs`,
  inject(a, _ctx, world) {
    world.disk(a.disk).slowNext(a.extraUs, a.count);
    return undefined;
  },
};

const tornWriteArgs = z.strictObject({
  disk: arg.name(),
  path: z.string().regex(/^\/./, 'Must be an absolute file path').optional(),
  prefixChars: arg.uint().optional(),
});
const tornWrite: FaultVerb<z.infer<typeof tornWriteArgs>> = {
  kind: 'torn-write',
  args: tornWriteArgs,
  subject: (a) => a.disk,
  describe: (a) => `tear the last unsynced write${a.path ? ` of ${a.path}` : ''} when disk ${a.disk} next crashes`,
  inject(a, _ctx, world) {
    world.disk(a.disk).tearOnNextCrash({ path: a.path, prefixChars: a.prefixChars });
    return undefined;
  },
};

/**
 * The kernel's verbs by name, typed, for scenarios that draw them (`defineFault({
 * ...kernelVerbs.delayMessages, feature, generate })` in `scenarios/fault-space.ts`).
 */
export const kernelVerbs = {
  crashProcess,
  restartProcess,
  signal,
  crashNode,
  restartNode,
  partition,
  heal,
  delayMessages,
  diskError,
  diskLatency,
  tornWrite,
} as const;

/** The kernel's verbs, in the order `gnt-sim` documents them. */
export const KERNEL_FAULT_VERBS: readonly AnyFaultVerb[] = Object.values(kernelVerbs);
