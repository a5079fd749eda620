import { describe, expect, it } from 'vitest';
import type { Proc, RpcHandler, RpcResult } from '../../../src/sim/ports.js';
import type { SimWorld } from '../../../src/sim/world.js';
import { makeWorld, records, runClean } from './world-support.js';

const NET = { latencyUsMin: 100, latencyUsMax: 900, loopbackUs: 20 };

/** A server process on `node` serving `service` with `handler`, alive for `aliveUs`. */
function server(w: SimWorld, node: string, service: string, handler: RpcHandler, aliveUs = 10_000_000): void {
  w.processes.startProcess(node, `${service}d`, function* () {
    w.net.serve(service, handler);
    yield* w.sleep(aliveUs);
  });
}

/** A client process on `node` that waits `delayUs`, calls, and records the result and its duration. */
function client(
  w: SimWorld,
  node: string,
  call: () => Proc<RpcResult>,
  delayUs = 1_000,
): { result?: RpcResult; tookUs?: number } {
  const out: { result?: RpcResult; tookUs?: number } = {};
  w.processes.startProcess(node, 'client', function* () {
    yield* w.sleep(delayUs);
    const t0 = w.now();
    out.result = yield* call();
    out.tookUs = w.now() - t0;
  });
  return out;
}

/** A handler that does its work without blocking (a Proc may finish at its first step). */
function instant(f: (method: string, payload: unknown) => unknown): RpcHandler {
  // biome-ignore lint/correctness/useYield: the handler never blocks
  return function* (method, payload) {
    return f(method, payload);
  };
}

const echo = instant((method, payload) => ({ method, payload }));

describe('SimNet RPC', () => {
  it('delivers a call to the serving process and returns its result after two one-way latencies', () => {
    const w = makeWorld({ net: NET });
    server(w, 'n2', 'noded', echo, 5_000);
    const out = client(w, 'n1', () =>
      w.net.call({ node: 'n2', service: 'noded' }, 'ping', { x: 1 }, { timeoutUs: 1e6 }),
    );
    runClean(w);
    expect(out.result).toEqual({ ok: true, value: { method: 'ping', payload: { x: 1 } } });
    expect(out.tookUs).toBeGreaterThanOrEqual(2 * NET.latencyUsMin);
    expect(out.tookUs).toBeLessThanOrEqual(2 * NET.latencyUsMax);
    expect(records(w, 'rpc.call').map((r) => r.subject)).toEqual(['n1/client#1->n2/noded']);
    expect(records(w, 'rpc.deliver')[0]?.fields).toEqual([1, 'n2/nodedd#1']);
    expect(records(w, 'rpc.reply')[0]?.fields).toEqual([1, 'ok']);
  });

  it('copies payload and result through JSON, so the processes share no memory', () => {
    const w = makeWorld({ net: NET });
    let serverSaw: unknown;
    const shared = { list: [1, 2] };
    server(
      w,
      'n2',
      'svc',
      instant((_m, payload) => {
        serverSaw = payload;
        (payload as { list: number[] }).list.push(99);
        return shared;
      }),
    );
    const sent = { list: [1, 2], when: new Date(0) };
    const out = client(w, 'n1', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', sent, { timeoutUs: 1e6 }));
    runClean(w);
    expect(sent.list).toEqual([1, 2]);
    expect(serverSaw).toEqual({ list: [1, 2, 99], when: '1970-01-01T00:00:00.000Z' });
    expect(out.result?.ok && out.result.value).not.toBe(shared);
    expect(out.result).toEqual({ ok: true, value: { list: [1, 2] } });
  });

  it('runs concurrent requests in separate threads of the server process', () => {
    const w = makeWorld({ net: NET });
    let active = 0;
    let maxActive = 0;
    server(w, 'n2', 'svc', function* () {
      active++;
      maxActive = Math.max(maxActive, active);
      yield* w.sleep(10_000);
      active--;
      return null;
    });
    for (const node of ['n1', 'n3']) {
      w.processes.startProcess(node, 'client', function* () {
        yield* w.sleep(1_000);
        yield* w.net.call({ node: 'n2', service: 'svc' }, 'slow', null, { timeoutUs: 1e6 });
      });
    }
    runClean(w);
    expect(maxActive).toBe(2);
  });

  it('gives remote-error with the message when the handler throws', () => {
    const w = makeWorld({ net: NET });
    // biome-ignore lint/correctness/useYield: a handler that fails before its first yield point
    server(w, 'n2', 'svc', function* () {
      throw new Error('instance not found');
    });
    const out = client(w, 'n1', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', null, { timeoutUs: 1e6 }));
    runClean(w);
    expect(out.result).toEqual({ ok: false, failure: 'remote-error', message: 'instance not found' });
  });

  it('times out on virtual time, exactly timeoutUs after the call, and drops the late reply', () => {
    const w = makeWorld({ net: NET });
    server(w, 'n2', 'svc', function* () {
      yield* w.sleep(50_000);
      return 'done';
    });
    const out = client(w, 'n1', () => w.net.call({ node: 'n2', service: 'svc' }, 'slow', null, { timeoutUs: 20_000 }));
    runClean(w);
    expect(out.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(out.tookUs).toBe(20_000);
    expect(records(w, 'rpc.drop').map((r) => r.fields.slice(1))).toEqual([['reply', 'late']]);
  });

  it('times out when no process serves the service, or the server dies while handling the call', () => {
    const w = makeWorld({ net: NET });
    const noService = client(w, 'n1', () =>
      w.net.call({ node: 'n2', service: 'none' }, 'm', null, { timeoutUs: 5_000 }),
    );
    server(w, 'n3', 'svc', function* () {
      yield* w.sleep(1_000_000);
      return 'never';
    });
    w.kernel.atTime(3_000, () => {
      const p = w.processes.findProcess('n3', 'svcd');
      if (p) w.processes.crashProcess(p, 'test');
    });
    const w2 = client(w, 'n4', () => w.net.call({ node: 'n3', service: 'svc' }, 'm', null, { timeoutUs: 7_000 }));
    runClean(w);
    expect(noService.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(noService.tookUs).toBe(5_000);
    expect(w2.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(records(w, 'rpc.drop').map((r) => r.fields.slice(1))).toEqual([['request', 'no-service']]);
  });

  it('unregisters a service when its process dies, and its restart serves again', () => {
    const w = makeWorld({ net: NET });
    w.processes.startProcess('n2', 'noded', function* () {
      w.net.serve('noded', echo);
      yield* w.sleep(10_000);
    });
    w.kernel.atTime(5_000, () => {
      const p = w.processes.findProcess('n2', 'noded');
      if (p) w.processes.crashProcess(p, 'test');
      w.processes.restartProcess('n2', 'noded');
    });
    const out = client(
      w,
      'n1',
      () => w.net.call({ node: 'n2', service: 'noded' }, 'ping', 1, { timeoutUs: 1e6 }),
      8_000,
    );
    runClean(w);
    expect(out.result).toEqual({ ok: true, value: { method: 'ping', payload: 1 } });
    expect(records(w, 'rpc.deliver')[0]?.fields[1]).toBe('n2/noded#2');
  });

  it('drops every message when the rpcLoss rate is 1000 per mille, and loopback is never lost', () => {
    const w = makeWorld({ net: NET });
    w.net.setLossRate(1000);
    server(w, 'n2', 'svc', echo);
    const remote = client(w, 'n1', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', null, { timeoutUs: 5_000 }));
    const local = client(w, 'n2', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', null, { timeoutUs: 5_000 }));
    runClean(w);
    expect(remote.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(local.result).toMatchObject({ ok: true });
    expect(records(w, 'fault.loss')).toHaveLength(1);
    expect(records(w, 'rpc.drop').map((r) => r.fields.slice(1))).toEqual([['request', 'loss']]);
  });
});

describe('SimNet message delays', () => {
  /** n1 sends `calls` one-way calls to n2's recorder, 1 µs apart; returns the order they arrived in. */
  function arrivals(w: SimWorld, calls: number): number[] {
    const seen: number[] = [];
    server(
      w,
      'n2',
      'rec',
      instant((_m, payload) => {
        seen.push(payload as number);
        return null;
      }),
    );
    w.processes.startProcess('n1', 'sender', function* () {
      yield* w.sleep(1_000);
      for (let i = 1; i <= calls; i++) {
        w.spawn(`send${i}`, () => w.net.call({ node: 'n2', service: 'rec' }, 'm', i, { timeoutUs: 1e6 }));
        yield* w.sleep(1);
      }
    });
    runClean(w);
    return seen;
  }

  it('an armed delay holds back the next messages of its direction, so later ones overtake them', () => {
    const w = makeWorld({ net: { latencyUsMin: 100, latencyUsMax: 100, loopbackUs: 20 } });
    w.net.delayNext('n1', 'n2', 50_000, 1, { oneWay: true });
    expect(arrivals(w, 3)).toEqual([2, 3, 1]);
    expect(records(w, 'fault.delay').map((r) => r.fields)).toEqual([[1, 'request', 50_000]]);
  });

  it('the rpcDelay rate delays messages by spikes longer than a durable disk write, reordering them', () => {
    const w = makeWorld({ net: { latencyUsMin: 100, latencyUsMax: 100, loopbackUs: 20 } });
    w.net.setDelayRate(500);
    const order = arrivals(w, 12);
    const delays = records(w, 'fault.delay').map((r) => r.fields[2] as number);
    expect(delays.length).toBeGreaterThan(0);
    // A durable local write (write, fsync, rename, directory fsync) costs about 4.2 ms.
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(10_000);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('never delays loopback messages, and disarming stops every delay', () => {
    const w = makeWorld({ net: { latencyUsMin: 100, latencyUsMax: 100, loopbackUs: 20 } });
    w.net.setDelayRate(1000);
    const local = client(w, 'n2', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', null, { timeoutUs: 5_000 }));
    server(w, 'n2', 'svc', echo);
    const w2 = makeWorld({ net: { latencyUsMin: 100, latencyUsMax: 100, loopbackUs: 20 } });
    w2.net.setDelayRate(1000);
    w2.net.delayNext('n1', 'n2', 9_000, 5);
    w2.net.disarmDelays();
    expect(arrivals(w2, 3)).toEqual([1, 2, 3]);
    runClean(w);
    expect(local.tookUs).toBe(40);
    expect(records(w, 'fault.delay')).toEqual([]);
    expect(records(w2, 'fault.delay')).toEqual([]);
  });
});

describe('SimNet partitions', () => {
  /** n1 calls n2 and n2 calls n1, each recording whether its handler ran. */
  function crossCalls(w: SimWorld) {
    const ran = { n1: 0, n2: 0 };
    for (const node of ['n1', 'n2'] as const) {
      server(
        w,
        node,
        'svc',
        instant(() => {
          ran[node]++;
          return node;
        }),
      );
    }
    const fromN1 = client(w, 'n1', () => w.net.call({ node: 'n2', service: 'svc' }, 'm', null, { timeoutUs: 10_000 }));
    const fromN2 = client(w, 'n2', () => w.net.call({ node: 'n1', service: 'svc' }, 'm', null, { timeoutUs: 10_000 }));
    return { ran, fromN1, fromN2 };
  }

  it('a symmetric partition drops calls in both directions', () => {
    const w = makeWorld({ net: NET });
    w.net.partition('n1', 'n2');
    const { ran, fromN1, fromN2 } = crossCalls(w);
    runClean(w);
    expect(fromN1.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(fromN2.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(ran).toEqual({ n1: 0, n2: 0 });
    expect(records(w, 'rpc.drop').map((r) => r.fields.slice(1))).toEqual([
      ['request', 'partition'],
      ['request', 'partition'],
    ]);
  });

  it('a one-way partition a->b drops only messages from a to b: b’s call runs on a but its reply is lost', () => {
    const w = makeWorld({ net: NET });
    w.net.partition('n1', 'n2', { oneWay: true });
    const { ran, fromN1, fromN2 } = crossCalls(w);
    runClean(w);
    expect(fromN1.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(fromN2.result).toMatchObject({ ok: false, failure: 'timeout' });
    // n1 received and ran n2's call (the work was done); n2 received nothing.
    expect(ran).toEqual({ n1: 1, n2: 0 });
    const drops = records(w, 'rpc.drop').map((r) => [r.subject, ...r.fields.slice(1)]);
    expect(drops).toEqual([
      ['n1/client#1->n2/svc', 'request', 'partition'],
      ['n2/client#1->n1/svc', 'reply', 'partition'],
    ]);
  });

  it('heal restores both directions', () => {
    const w = makeWorld({ net: NET });
    w.net.partition('n1', 'n2');
    w.net.partition('n1', 'n3', { oneWay: true });
    w.net.heal('n1', 'n2');
    expect(w.net.isPartitioned('n1', 'n2')).toBe(false);
    expect(w.net.isPartitioned('n1', 'n3')).toBe(true);
    w.net.heal();
    expect(w.net.isPartitioned('n1', 'n3')).toBe(false);
    const { ran, fromN1, fromN2 } = crossCalls(w);
    runClean(w);
    expect(fromN1.result).toEqual({ ok: true, value: 'n2' });
    expect(fromN2.result).toEqual({ ok: true, value: 'n1' });
    expect(ran).toEqual({ n1: 1, n2: 1 });
  });

  it('a partition that starts while a message is in flight drops it', () => {
    const w = makeWorld({ net: { latencyUsMin: 1_000, latencyUsMax: 1_000, loopbackUs: 20 } });
    const { ran, fromN1 } = crossCalls(w);
    w.kernel.atTime(1_500, () => w.net.partition('n1', 'n2'));
    runClean(w);
    expect(fromN1.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(ran).toEqual({ n1: 0, n2: 0 });
  });
});
