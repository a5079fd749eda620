/**
 * The simulated network: request/reply RPC between processes, with latency, loss and partitions.
 *
 * A call travels as two messages, request and reply. Each message is sent at once and arrives
 * after a one-way latency drawn from the dedicated `net` random stream (so changing the latency
 * settings never shifts the fault or schedule streams). At arrival the request is handed to the
 * service registered on the target node, which runs it in a *new thread of the server process*
 * (so requests are served concurrently and die with the server); the reply travels back the same
 * way and wakes the caller, which waits on a kernel condition with its deadline.
 *
 * Fault model. A message is dropped when its direction is partitioned at send *or* at arrival
 * time (a partition also kills messages in flight), when the `rpcLoss` rate (drawn from the
 * `faults` stream) says so, or, for a request, when no live process serves the service on the
 * target node. A message that is not dropped may be delayed on top of its latency: by an armed
 * delay (`delayNext`, the `delay-messages` fault) or by the `rpcDelay` rate, whose spikes (drawn
 * from the `faults` stream, 10 to 200 ms by default) outlast a durable local disk write (about
 * 4 ms), so a reply can arrive after the sender's next write and a later message can overtake
 * an earlier one: requests and replies are reordered. A message between two processes of the
 * same node is loopback: never partitioned, lost or delayed (a local socket). Whatever was dropped, the caller sees `timeout` exactly `timeoutUs` after the call,
 * as an HTTP RPC with a deadline would look to Ganeti's RPC layer; a refused connection (server
 * down on a live node) is deliberately not told apart, because the port's contract says so and it
 * keeps "the server is down" and "the network is down" indistinguishable to the caller, which is
 * the harder case for recovery code. `unreachable` is therefore never produced by `SimNet`. A
 * handler that throws gives `remote-error` with its message; so does a result that is not JSON.
 * A reply arriving after the deadline (or after the caller died) is dropped as `late`; if it
 * arrives in the very microsecond of the deadline, the timeout wins (timers fire in creation
 * order and the deadline was armed first).
 *
 * One-way partitions (`partition(a, b, { oneWay: true })` blocks a->b only) are what make RPC
 * interesting: a call from b to a is *executed* by a, but its reply is lost, so b sees a timeout
 * for work that was done.
 *
 * Trace: `rpc.call`, `rpc.deliver`, `rpc.reply`, `rpc.drop` (with the direction and the reason:
 * `partition`, `loss`, `no-service`, `late`), `rpc.timeout`, `net.partition`, `net.heal`,
 * `fault.loss` for every drawn loss and `fault.delay <call id> <direction> <extra µs>` for every
 * delayed message. Subjects are `caller-label->node/service`; the first
 * field is the call id.
 */
import type { RpcDirection as Direction, RpcDropReason as DropReason } from './events.js';
import { NondeterminismError } from './guard.js';
import type { Kernel } from './kernel.js';
import type { Condition, Net, Proc, ProcessRef, RpcHandler, RpcResult, RpcTarget } from './ports.js';
import { draw, type Rate, type Ratio, toRatio } from './rate.js';

export interface NetOptions {
  /** Smallest one-way latency of a message between two nodes, µs. */
  readonly latencyUsMin: number;
  /** Largest one-way latency of a message between two nodes, µs. */
  readonly latencyUsMax: number;
  /** One-way latency of a loopback message (same node), µs. */
  readonly loopbackUs: number;
}

export const DEFAULT_NET_OPTIONS: NetOptions = { latencyUsMin: 200, latencyUsMax: 2_000, loopbackUs: 20 };

/** Extra one-way delay of a message the `rpcDelay` rate hits, µs. */
export interface DelaySpike {
  /** Smallest extra delay (default 10 000: longer than a durable local write). */
  readonly minUs?: number;
  /** Largest extra delay (default 200 000). */
  readonly maxUs?: number;
}

export const DEFAULT_DELAY_SPIKE = { minUs: 10_000, maxUs: 200_000 } as const;

/** Delays armed for the next messages from one node to another. */
interface ArmedDelay {
  readonly from: string;
  readonly to: string;
  readonly extraUs: number;
  count: number;
}

interface Service {
  readonly proc: ProcessRef;
  readonly handler: RpcHandler;
}

class PendingCall {
  result: RpcResult | null = null;

  constructor(
    readonly id: number,
    readonly caller: ProcessRef,
    readonly target: RpcTarget,
    readonly method: string,
    readonly cond: Condition,
    /** Trace subject: `caller-label->node/service`. */
    readonly subject: string,
  ) {}
}

export class SimNet implements Net {
  readonly options: NetOptions;
  private readonly services = new Map<string, Service>();
  /** Blocked directions, as `from\0to` keys. */
  private readonly blocked = new Set<string>();
  private lossRate: Ratio = toRatio(undefined);
  private delayRate: Ratio = toRatio(undefined);
  private delaySpike: { minUs: number; maxUs: number } = { ...DEFAULT_DELAY_SPIKE };
  private readonly armedDelays: ArmedDelay[] = [];
  private nextCallId = 1;

  constructor(
    private readonly kernel: Kernel,
    opts: Partial<NetOptions> = {},
  ) {
    this.options = resolveNetOptions(opts);
  }

  // -------------------------------------------------------------------------------------------
  // Net port

  serve(service: string, handler: RpcHandler): void {
    const proc = this.callerProcess('serve');
    if (service === '') throw new RangeError('serve: service name must not be empty');
    const key = serviceKey(proc.node, service);
    const existing = this.services.get(key);
    if (existing?.proc.isAlive()) {
      throw new Error(`serve: ${service} on ${proc.node} is already served by ${existing.proc.label}`);
    }
    const entry: Service = { proc, handler };
    this.services.set(key, entry);
    this.kernel.emit('rpc.serve', key, proc.label);
    this.kernel.onExit(proc, () => {
      if (this.services.get(key) === entry) this.services.delete(key);
    });
  }

  *call<T = unknown>(
    target: RpcTarget,
    method: string,
    payload: unknown,
    opts: { timeoutUs: number },
  ): Proc<RpcResult<T>> {
    const caller = this.callerProcess('call');
    if (!Number.isInteger(opts.timeoutUs) || opts.timeoutUs < 0) {
      throw new RangeError(`call: timeoutUs must be a non-negative integer, got ${opts.timeoutUs}`);
    }
    // Copy before anything else: a payload that is not JSON is a bug of the caller, not a fault.
    const request = copyJson(payload);
    const id = this.nextCallId++;
    const call = new PendingCall(
      id,
      caller,
      { node: target.node, service: target.service },
      method,
      this.kernel.condition(`rpc#${id}`),
      `${caller.label}->${target.node}/${target.service}`,
    );
    this.kernel.emit('rpc.call', call.subject, id, method);
    this.send(call, 'request', caller.node, target.node, () => this.deliver(call, request));
    const notified = yield* call.cond.wait(opts.timeoutUs);
    if (notified && call.result !== null) return call.result as RpcResult<T>;
    this.kernel.emit('rpc.timeout', call.subject, id, opts.timeoutUs);
    return {
      ok: false,
      failure: 'timeout',
      message: `rpc ${method} to ${target.node}/${target.service} timed out after ${opts.timeoutUs} us`,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Faults (paired verbs: partition / heal)

  /** Blocks messages from node `a` to node `b`, and from `b` to `a` unless `oneWay`. */
  partition(a: string, b: string, opts: { oneWay?: boolean } = {}): void {
    if (a === b) throw new RangeError(`partition: a node cannot be partitioned from itself (${a})`);
    this.blocked.add(linkKey(a, b));
    if (!opts.oneWay) this.blocked.add(linkKey(b, a));
    this.kernel.emit('net.partition', `${a}->${b}`, opts.oneWay ?? false);
  }

  /**
   * Heals both directions between `a` and `b`; with only `a`, every link of `a`; with neither,
   * the whole network.
   */
  heal(a?: string, b?: string): void {
    if (b !== undefined && a === undefined) throw new RangeError('heal: b given without a');
    for (const key of [...this.blocked]) {
      const [from, to] = key.split('\0') as [string, string];
      const hit =
        a === undefined ||
        (b === undefined ? from === a || to === a : (from === a && to === b) || (from === b && to === a));
      if (hit) this.blocked.delete(key);
    }
    this.kernel.emit('net.heal', a === undefined ? '*' : b === undefined ? a : `${a}<->${b}`);
  }

  isPartitioned(from: string, to: string): boolean {
    return from !== to && this.blocked.has(linkKey(from, to));
  }

  /** Sets the chance that a message between two nodes is lost. */
  setLossRate(rate: Rate): void {
    this.lossRate = toRatio(rate);
  }

  /**
   * Sets the chance that a message between two nodes is delayed by a spike drawn from
   * `spike` (on top of its latency), and the spike's range.
   */
  setDelayRate(rate: Rate, spike: DelaySpike = {}): void {
    const minUs = spike.minUs ?? DEFAULT_DELAY_SPIKE.minUs;
    const maxUs = spike.maxUs ?? DEFAULT_DELAY_SPIKE.maxUs;
    if (!Number.isInteger(minUs) || minUs < 0 || !Number.isInteger(maxUs) || maxUs < minUs) {
      throw new RangeError(`setDelayRate: need integers 0 <= minUs <= maxUs, got ${minUs}..${maxUs}`);
    }
    this.delayRate = toRatio(rate);
    this.delaySpike = { minUs, maxUs };
  }

  /**
   * Delays the next `count` messages from `from` to `to` (and from `to` to `from` unless
   * `oneWay`) by `extraUs` each, on top of their latency. Messages sent meanwhile in the same
   * direction without a delay overtake them.
   */
  delayNext(from: string, to: string, extraUs: number, count: number, opts: { oneWay?: boolean } = {}): void {
    if (from === to) throw new RangeError(`delayNext: loopback messages are never delayed (${from})`);
    if (!Number.isInteger(extraUs) || extraUs < 0) throw new RangeError(`delayNext: extraUs must be >= 0`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`delayNext: count must be >= 0`);
    if (count === 0) return;
    this.armedDelays.push({ from, to, extraUs, count });
    if (!opts.oneWay) this.armedDelays.push({ from: to, to: from, extraUs, count });
  }

  /** Forgets armed delays and stops drawing delays (the end of a fault phase). */
  disarmDelays(): void {
    this.armedDelays.length = 0;
    this.delayRate = toRatio(undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** Sends one message; `arrive` runs from the kernel after the latency unless it is dropped. */
  private send(call: PendingCall, dir: Direction, from: string, to: string, arrive: () => void): void {
    const loopback = from === to;
    if (this.isPartitioned(from, to)) {
      this.drop(call, dir, 'partition');
      return;
    }
    if (!loopback && draw(this.kernel.rng('faults'), this.lossRate)) {
      this.kernel.emit('fault.loss', call.subject, call.id, dir);
      this.drop(call, dir, 'loss');
      return;
    }
    const latency = loopback
      ? this.options.loopbackUs
      : this.kernel.rng('net').between(this.options.latencyUsMin, this.options.latencyUsMax);
    const extra = loopback ? 0 : this.extraDelay(from, to);
    if (extra > 0) this.kernel.emit('fault.delay', call.subject, call.id, dir, extra);
    this.kernel.atTime(this.kernel.now() + latency + extra, () => {
      if (this.isPartitioned(from, to)) this.drop(call, dir, 'partition');
      else arrive();
    });
  }

  /** The armed delay of the direction (first armed first), plus a drawn spike. */
  private extraDelay(from: string, to: string): number {
    let extra = 0;
    const armed = this.armedDelays.findIndex((d) => d.from === from && d.to === to);
    if (armed >= 0) {
      const d = this.armedDelays[armed] as ArmedDelay;
      extra += d.extraUs;
      if (--d.count === 0) this.armedDelays.splice(armed, 1);
    }
    const faults = this.kernel.rng('faults');
    if (draw(faults, this.delayRate)) extra += faults.between(this.delaySpike.minUs, this.delaySpike.maxUs);
    return extra;
  }

  private deliver(call: PendingCall, request: unknown): void {
    const service = this.services.get(serviceKey(call.target.node, call.target.service));
    if (!service?.proc.isAlive()) {
      this.drop(call, 'request', 'no-service');
      return;
    }
    this.kernel.emit('rpc.deliver', call.subject, call.id, service.proc.label);
    this.kernel.spawn(`${call.target.service}.${call.method}#${call.id}`, () => this.handle(service, call, request), {
      process: service.proc,
    });
  }

  /** Body of the server thread of one request. */
  private *handle(service: Service, call: PendingCall, request: unknown): Proc<void> {
    let result: RpcResult;
    try {
      const value = yield* service.handler(call.method, request, call.caller);
      result = { ok: true, value: copyJson(value) };
    } catch (e) {
      // The guard already ended the run; do not let a handler's error path hide that.
      if (e instanceof NondeterminismError) throw e;
      result = { ok: false, failure: 'remote-error', message: e instanceof Error ? e.message : String(e) };
    }
    this.kernel.emit('rpc.reply', call.subject, call.id, result.ok ? 'ok' : result.failure);
    this.send(call, 'reply', service.proc.node, call.caller.node, () => this.complete(call, result));
  }

  private complete(call: PendingCall, result: RpcResult): void {
    // Nobody waits: the deadline passed (or the caller died) before the reply came.
    if (call.cond.waiters().length === 0) {
      this.drop(call, 'reply', 'late');
      return;
    }
    call.result = result;
    call.cond.notify();
  }

  private drop(call: PendingCall, dir: Direction, reason: DropReason): void {
    this.kernel.emit('rpc.drop', call.subject, call.id, dir, reason);
  }

  private callerProcess(op: string): ProcessRef {
    const proc = this.kernel.currentOrNull()?.process ?? null;
    if (proc === null) throw new Error(`${op}: RPC endpoints are processes; call it from a thread of a process`);
    return proc;
  }
}

function serviceKey(node: string, service: string): string {
  return `${node}/${service}`;
}

function linkKey(from: string, to: string): string {
  return `${from}\0${to}`;
}

/** A deep copy through JSON, as a wire would make it; `undefined` stays `undefined`. */
function copyJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  // JSON.stringify gives undefined for functions and symbols: they cannot cross a wire.
  if (text === undefined) throw new TypeError(`rpc: value of type ${typeof value} cannot be sent`);
  return JSON.parse(text);
}

function resolveNetOptions(partial: Partial<NetOptions>): NetOptions {
  const o: NetOptions = { ...DEFAULT_NET_OPTIONS, ...partial };
  for (const [field, value] of Object.entries(o)) {
    if (!(field in DEFAULT_NET_OPTIONS)) throw new RangeError(`net options: unknown field ${field}`);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`net options: ${field} must be a non-negative integer (µs), got ${value}`);
    }
  }
  if (o.latencyUsMax < o.latencyUsMin) {
    throw new RangeError(`net options: latencyUsMax (${o.latencyUsMax}) < latencyUsMin (${o.latencyUsMin})`);
  }
  return o;
}
