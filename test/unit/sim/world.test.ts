import { describe, expect, it } from 'vitest';
import { fifo } from '../../../src/sim/strategy.js';
import { createWorld } from '../../../src/sim/world.js';
import { makeWorld, records, runClean, runThread } from './world-support.js';

describe('SimWorld', () => {
  it('makes one local disk per node on demand and returns shared disks by name', () => {
    const w = makeWorld({ sharedDisks: ['san'] });
    expect(w.disk('n1')).toBe(w.disk('n1'));
    expect(w.disk('n1')).not.toBe(w.disk('n2'));
    expect(w.disk('n1').mode).toBe('local');
    expect(w.disk('san').mode).toBe('shared');
    expect(w.disks().map((d) => d.name)).toEqual(['san', 'n1', 'n2']);
    expect(() => makeWorld({ sharedDisks: ['san', 'san'] })).toThrow(/declared twice/);
  });

  it('a node crash reaches only that node’s disk', () => {
    const w = makeWorld();
    const { value } = runThread(w, function* () {
      yield* w.disk('n1').writeFile('/f', 'x');
      yield* w.disk('n2').writeFile('/f', 'y');
      w.processes.crashNode('n1');
      return [yield* w.disk('n1').exists('/f'), yield* w.disk('n2').exists('/f')];
    });
    expect(value).toEqual([false, true]);
  });

  it('accepts the strategy as data, as an object or as a factory, and runs the same', () => {
    const hashes = [
      createWorld({ seed: 3, strategy: { kind: 'fifo' } }),
      createWorld({ seed: 3, strategy: fifo() }),
      createWorld({ seed: 3, strategy: () => fifo() }),
    ].map((w) => {
      for (const n of ['a', 'b']) {
        w.spawn(n, function* () {
          yield* w.disk('n1').writeFile(`/${n}`, n);
          yield* w.sleep(5);
        });
      }
      return runClean(w).traceHash;
    });
    expect(new Set(hashes).size).toBe(1);
  });

  it('restartNode restarts exactly the processes that ran on the node when it crashed', () => {
    const w = makeWorld();
    const starts: string[] = [];
    for (const name of ['masterd', 'noded', 'oneshot']) {
      w.processes.startProcess('n1', name, function* (self) {
        starts.push(self.label);
        yield* w.sleep(name === 'oneshot' ? 10 : 100_000);
      });
    }
    w.processes.startProcess('n2', 'noded', function* () {
      yield* w.sleep(100_000);
    });
    runThread(w, function* () {
      yield* w.sleep(1_000);
      w.processes.crashNode('n1');
      expect(w.processes.downNodes()).toEqual(['n1']);
      const restarted = w.processes.restartNode('n1');
      expect(restarted.map((p) => p.label)).toEqual(['n1/masterd#2', 'n1/noded#2']);
      expect(w.processes.downNodes()).toEqual([]);
      expect(w.processes.restartNode('n1')).toEqual([]);
    });
    expect(starts).toEqual(['n1/masterd#1', 'n1/noded#1', 'n1/oneshot#1', 'n1/masterd#2', 'n1/noded#2']);
  });

  it('calm stops probabilistic faults, disarms armed disk faults and heals the network', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    w.setDiskFaultRates({ eioWrite: 1000 });
    d.failNext('fsync', 5);
    w.net.setLossRate(1000);
    w.net.partition('n1', 'n2');
    w.calm();
    expect(w.net.isPartitioned('n1', 'n2')).toBe(false);
    w.processes.startProcess('n2', 'svc', function* () {
      // biome-ignore lint/correctness/useYield: the handler never blocks
      w.net.serve('svc', function* () {
        return 'pong';
      });
      yield* w.sleep(100_000);
    });
    let reply: unknown;
    w.processes.startProcess('n1', 'client', function* () {
      yield* d.writeFile('/f', 'x');
      yield* d.fsync('/f');
      yield* w.sleep(1_000);
      reply = yield* w.net.call({ node: 'n2', service: 'svc' }, 'ping', null, { timeoutUs: 50_000 });
    });
    runClean(w);
    expect(reply).toEqual({ ok: true, value: 'pong' });
    expect(records(w, 'fault.eio')).toEqual([]);
    expect(records(w, 'fault.loss')).toEqual([]);
  });
});
