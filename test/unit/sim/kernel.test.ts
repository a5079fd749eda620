import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/sim/outcome.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { renderTrace } from '../../../src/sim/trace.js';

function expectKind<K extends Outcome['kind']>(o: Outcome, kind: K): Extract<Outcome, { kind: K }> {
  expect(o.kind).toBe(kind);
  return o as Extract<Outcome, { kind: K }>;
}

describe('kernel: time and timers', () => {
  it('timers fire in time order, and timers due at the same instant wake threads in creation order', () => {
    const sim = Simulation.create({ seed: 1 });
    const woke: string[] = [];
    const sleeps: Array<[string, number]> = [
      ['a', 300],
      ['b', 100],
      ['c', 200],
      ['d', 100],
      ['e', 200],
    ];
    for (const [name, us] of sleeps) {
      sim.spawn(name, function* () {
        yield* sim.sleep(us);
        woke.push(`${name}@${sim.now()}`);
      });
    }
    expectKind(sim.run().outcome, 'completed');
    expect(woke).toEqual(['b@100', 'd@100', 'c@200', 'e@200', 'a@300']);
  });

  it('a timed wait returns false when it times out on virtual time and true when notified', () => {
    const sim = Simulation.create({ seed: 1 });
    const cond = sim.condition('c');
    const results: Array<[boolean, number]> = [];
    sim.spawn('waiter', function* () {
      results.push([yield* cond.wait(5_000), sim.now()]);
      results.push([yield* cond.wait(5_000), sim.now()]);
    });
    sim.spawn('notifier', function* () {
      yield* sim.sleep(7_000);
      cond.notify();
    });
    expectKind(sim.run().outcome, 'completed');
    expect(results).toEqual([
      [false, 5_000],
      [true, 7_000],
    ]);
  });

  it('notify wakes waiters one at a time in FIFO order; notifyAll wakes all of them', () => {
    const sim = Simulation.create({ seed: 1 });
    const cond = sim.condition('c');
    const order: string[] = [];
    for (const n of ['w1', 'w2', 'w3']) {
      sim.spawn(n, function* () {
        yield* cond.wait();
        order.push(n);
      });
    }
    sim.spawn('main', function* () {
      yield* sim.sleep(1);
      cond.notify();
      yield* sim.sleep(1);
      expect(cond.waiters().map((t) => t.name)).toEqual(['w2', 'w3']);
      cond.notifyAll();
    });
    expectKind(sim.run().outcome, 'completed');
    expect(order).toEqual(['w1', 'w2', 'w3']);
  });
});

describe('kernel: run outcomes', () => {
  it('the classic ABBA program on two conditions is reported as a deadlock naming both threads', () => {
    // Two hand-made locks, each a flag plus a "released" condition. Round-robin preempts at the
    // yield, so each thread holds its first lock when it asks for the second.
    const sim = Simulation.create({ seed: 1, strategy: { kind: 'round-robin' } });
    const held = { A: false, B: false };
    const released = { A: sim.condition('lockA.released'), B: sim.condition('lockB.released') };
    const take = function* (first: 'A' | 'B', second: 'A' | 'B') {
      while (held[first]) yield* released[first].wait();
      held[first] = true;
      yield* sim.yieldNow();
      while (held[second]) yield* released[second].wait();
      held[second] = true;
    };
    sim.spawn('T1', () => take('A', 'B'));
    sim.spawn('T2', () => take('B', 'A'));
    const d = expectKind(sim.run().outcome, 'deadlock');
    expect(d.blocked.map((x) => `${x.name}:${x.waitsOn}`)).toEqual(['T1:lockB.released', 'T2:lockA.released']);
    expect(d.blocked.every((x) => !x.idle)).toBe(true);
  });

  it('threads left waiting only on idle conditions make the run quiescent, not deadlocked', () => {
    const sim = Simulation.create({ seed: 1 });
    const work = sim.condition('pool.work', { idle: true });
    for (const n of ['worker1', 'worker2']) sim.spawn(n, () => work.wait());
    const q = expectKind(sim.run().outcome, 'quiescent');
    expect(q.waiting.map((w) => w.name)).toEqual(['worker1', 'worker2']);
  });

  it('a run completes when only daemon threads remain, even if they wait forever', () => {
    const sim = Simulation.create({ seed: 1 });
    const never = sim.condition('never');
    sim.spawn('daemon', () => never.wait(), { daemon: true });
    sim.spawn('client', () => sim.sleep(10));
    expectKind(sim.run().outcome, 'completed');
  });

  it('a thread that loops forever ends in a step-budget outcome instead of hanging', () => {
    const sim = Simulation.create({ seed: 1, budget: { maxSteps: 5_000 } });
    sim.spawn('spinner', function* () {
      for (;;) yield* sim.yieldNow();
    });
    const r = sim.run();
    expect(expectKind(r.outcome, 'budget').limit).toBe('steps');
    expect(r.steps).toBe(5_000);
  });

  it('a thread that sleeps forever in a loop ends in a virtual-time budget outcome', () => {
    const sim = Simulation.create({ seed: 1, budget: { maxTimeUs: 1_000_000 } });
    sim.spawn('sleeper', function* () {
      for (;;) yield* sim.sleep(300_000);
    });
    const r = sim.run();
    expect(expectKind(r.outcome, 'budget').limit).toBe('time');
    expect(r.timeUs).toBeLessThanOrEqual(1_000_000);
  });

  it('an exception thrown inside a thread is a finding with the thread name and stack, not a harness crash', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('faulty', function* () {
      yield* sim.sleep(5);
      throw new Error('boom');
    });
    const e = expectKind(sim.run().outcome, 'exception');
    expect(e.thread).toBe('faulty');
    expect(e.message).toBe('boom');
    expect(e.stack).toContain('kernel.test.ts');
  });

  it('a violation raised by a system stops the run with the violation as outcome', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('checker', function* () {
      yield* sim.sleep(1);
      sim.violation('mutual-exclusion', 'two holders', ['lock/x']);
      yield* sim.sleep(1);
    });
    const v = expectKind(sim.run().outcome, 'violation');
    expect(v).toMatchObject({ violation: 'mutual-exclusion', message: 'two holders', objects: ['lock/x'] });
  });
});

describe('kernel: determinism guard', () => {
  const forbidden: Array<[string, () => unknown]> = [
    ['Math.random', () => Math.random()],
    ['Date.now', () => Date.now()],
    ['new Date()', () => new Date()],
    ['setTimeout', () => setTimeout(() => {}, 1)],
    ['setInterval', () => setInterval(() => {}, 1)],
    ['setImmediate', () => setImmediate(() => {})],
    ['performance.now', () => performance.now()],
    ['process.hrtime', () => process.hrtime()],
    ['process.hrtime.bigint', () => process.hrtime.bigint()],
  ];
  for (const [api, call] of forbidden) {
    it(`a thread calling ${api} produces a nondeterminism finding naming the api and the caller`, () => {
      const sim = Simulation.create({ seed: 1 });
      sim.spawn('culprit', function* () {
        yield* sim.sleep(1);
        call();
      });
      const n = expectKind(sim.run().outcome, 'nondeterminism');
      expect(n.api).toBe(api);
      expect(n.thread).toBe('culprit');
      expect(n.caller).toContain('kernel.test.ts');
    });
  }

  it('a thread that swallows the trap error is still reported as nondeterministic', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('sneaky', function* () {
      try {
        Math.random();
      } catch {
        // deliberately ignored
      }
      yield* sim.sleep(1);
    });
    expectKind(sim.run().outcome, 'nondeterminism');
  });

  it('the real globals are restored after a run, whatever its outcome', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('x', function* () {
      yield* sim.yieldNow();
      Math.random();
    });
    sim.run();
    expect(typeof Math.random()).toBe('number');
    expect(typeof Date.now()).toBe('number');
    expect(new Date(0).getTime()).toBe(0);
    clearTimeout(setTimeout(() => {}, 1));
  });
});

describe('kernel: processes', () => {
  it('crashing a process drops its threads without running their finally blocks and runs its exit hooks', () => {
    const sim = Simulation.create({ seed: 1 });
    const log: string[] = [];
    const p = sim.startProcess('node1', 'daemon', function* (self) {
      sim.onExit(self, () => log.push('exit-hook'));
      sim.spawn('helper', function* () {
        try {
          yield* sim.sleep(1_000_000);
        } finally {
          log.push('helper-finally');
        }
      });
      try {
        yield* sim.sleep(1_000_000);
      } finally {
        log.push('main-finally');
      }
    });
    sim.spawn('killer', function* () {
      yield* sim.sleep(10);
      sim.crashProcess(p, 'test');
    });
    expectKind(sim.run().outcome, 'completed');
    expect(log).toEqual(['exit-hook']);
    expect(p.isAlive()).toBe(false);
  });

  it('restarting a process runs its main again as a new incarnation with a new pid', () => {
    const sim = Simulation.create({ seed: 1 });
    const starts: string[] = [];
    const p1 = sim.startProcess('n1', 'masterd', function* (self) {
      starts.push(self.label);
      yield* sim.sleep(100);
    });
    sim.spawn('operator', function* () {
      yield* sim.sleep(10);
      sim.crashProcess(p1, 'test');
      const p2 = sim.restartProcess('n1', 'masterd');
      expect(p2.pid).not.toBe(p1.pid);
    });
    expectKind(sim.run().outcome, 'completed');
    expect(starts).toEqual(['n1/masterd#1', 'n1/masterd#2']);
  });

  it('SIGTERM runs the handler a process installed; SIGKILL always crashes it', () => {
    const sim = Simulation.create({ seed: 1 });
    const log: string[] = [];
    const p = sim.startProcess('n1', 'qemu', function* (self) {
      sim.onSignal(self, 'SIGTERM', () => log.push('graceful'));
      yield* sim.sleep(1_000);
    });
    sim.spawn('ops', function* () {
      yield* sim.sleep(1);
      sim.signal(p, 'SIGTERM');
      expect(p.isAlive()).toBe(true);
      sim.signal(p, 'SIGKILL');
      expect(p.isAlive()).toBe(false);
    });
    expectKind(sim.run().outcome, 'completed');
    expect(log).toEqual(['graceful']);
  });
});

describe('kernel: trace', () => {
  it('renders one line per record with aligned columns', () => {
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('t', function* () {
      yield* sim.sleep(1_500_000);
      sim.emit('job.status', 'job/1', 'queued', 'running');
    });
    const r = sim.run();
    const text = renderTrace(r.trace.snapshot(), r.trace.threadNames);
    const lines = text.split('\n');
    expect(lines.some((l) => /job\.status\s+job\/1\s+queued running$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('1.500000'))).toBe(true);
    const kindColumn = lines.map((l) => l.search(/spawn|sleep|wake|job\.status|exit/));
    expect(new Set(kindColumn).size).toBe(1);
  });

  it('system events change the trace hash', () => {
    const hashOf = (detail: string) => {
      const sim = Simulation.create({ seed: 1 });
      sim.spawn('t', function* () {
        sim.emit('test.detail', 'y', detail);
        yield* sim.yieldNow();
      });
      return sim.run().traceHash;
    };
    expect(hashOf('a')).toBe(hashOf('a'));
    expect(hashOf('a')).not.toBe(hashOf('b'));
  });
});
