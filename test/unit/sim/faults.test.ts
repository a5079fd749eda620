import { describe, expect, it } from 'vitest';
import { applyFaultPlan, type FaultPlan, FaultPlanError, validateFaultPlan } from '../../../src/sim/faults.js';
import type { Proc } from '../../../src/sim/ports.js';
import type { StrategySpec } from '../../../src/sim/simulation.js';
import type { TraceRecord } from '../../../src/sim/trace.js';
import type { SimWorld } from '../../../src/sim/world.js';
import { makeWorld, records, runClean, strikes } from './world-support.js';

/**
 * A small cluster: a daemon on n1 that counts its starts on disk (its "recovery"), a noded on n2
 * that serves RPCs, and a master that keeps writing to disk and calling n2.
 */
function cluster(w: SimWorld): { starts: string[] } {
  const starts: string[] = [];
  const d1 = w.disk('n1');
  w.processes.startProcess('n1', 'masterd', function* (self) {
    starts.push(self.label);
    try {
      const prev = (yield* d1.exists('/starts')) ? Number(yield* d1.readFile('/starts')) : 0;
      yield* d1.writeFile('/starts', String(prev + 1));
      yield* d1.fsync('/starts');
      yield* d1.fsyncDir('/');
    } catch {
      w.emit('test.write-failed', '/starts');
    }
    for (let i = 0; i < 40; i++) {
      yield* writeQuietly(w, `/q/job-${i}`, `job ${i} of ${self.label}`);
      yield* w.net.call({ node: 'n2', service: 'noded' }, 'update', i, { timeoutUs: 5_000 });
    }
  });
  w.processes.startProcess('n2', 'noded', function* () {
    w.net.serve('noded', function* (_m, payload): Proc<unknown> {
      yield* w.disk('n2').writeFile('/q/last', String(payload));
      return payload;
    });
    yield* w.sleep(10_000_000);
  });
  return { starts };
}

/** Writes and syncs a file, ignoring disk errors (the fault plan may inject them). */
function* writeQuietly(w: SimWorld, path: string, data: string): Proc<void> {
  const d = w.disk('n1');
  try {
    yield* d.writeFile(path, data);
    yield* d.fsync(path);
  } catch {
    w.emit('test.write-failed', path);
  }
}

function faultEvents(w: SimWorld): TraceRecord[] {
  return w.kernel.trace.snapshot().filter((r) => r.kind.startsWith('fault.'));
}

function runPlan(
  seed: number,
  plan: FaultPlan,
  strategy: StrategySpec = { kind: 'fifo' },
): { w: SimWorld; hash: string; starts: string[] } {
  const w = makeWorld({ seed, strategy, net: { latencyUsMin: 100, latencyUsMax: 900, loopbackUs: 20 } });
  const { starts } = cluster(w);
  applyFaultPlan(w, plan);
  const r = runClean(w);
  return { w, hash: r.traceHash, starts };
}

describe('explicit faults', () => {
  it('crash-process at a step fires just before that step, the same way on every run', () => {
    const plan: FaultPlan = { faults: [{ at: { step: 25 }, kind: 'crash-process', node: 'n1', process: 'masterd' }] };
    const a = runPlan(1, plan);
    const b = runPlan(1, plan);
    expect(a.hash).toBe(b.hash);
    const [fault] = strikes(a.w, 'crash-process');
    expect(fault?.subject).toBe('n1/masterd');
    expect(fault?.step).toBe(24); // recorded by the kernel before step 25 runs
    const crash = records(a.w, 'proc.crash')[0];
    expect(crash?.step).toBe(24);
    expect(records(a.w, 'disk.write').filter((r) => r.step >= 25 && r.fields[1] === 'n1/masterd#1')).toEqual([]);
  });

  it('crash-node and restart-node at times: the node’s processes restart and recover from what survived', () => {
    const plan: FaultPlan = {
      faults: [
        { at: { timeUs: 30_000 }, kind: 'crash-node', node: 'n1' },
        { at: { timeUs: 80_000 }, kind: 'restart-node', node: 'n1' },
      ],
    };
    const a = runPlan(3, plan);
    expect(a.starts).toEqual(['n1/masterd#1', 'n1/masterd#2']);
    expect(strikes(a.w, 'crash-node')[0]?.time).toBe(30_000);
    expect(strikes(a.w, 'restart-node')[0]?.time).toBe(80_000);
    expect(a.w.disk('n1').peek('/starts')).toBe('2');
    expect(runPlan(3, plan).hash).toBe(a.hash);
  });

  it('partition and heal at times block and then restore the calls', () => {
    const good: FaultPlan = {
      faults: [
        { at: { timeUs: 10_000 }, kind: 'partition', a: 'n1', b: 'n2' },
        { at: { timeUs: 60_000 }, kind: 'heal' },
      ],
    };
    const a = runPlan(1, good);
    const timeouts = records(a.w, 'rpc.timeout');
    expect(timeouts.length).toBeGreaterThan(0);
    expect(timeouts.every((r) => r.time > 10_000 && r.time <= 60_000 + 5_000)).toBe(true);
    expect(records(a.w, 'rpc.reply').some((r) => r.time > 60_000)).toBe(true);
  });

  it('disk-error fails the next writes of that disk, disk-latency slows the next operations', () => {
    const a = runPlan(1, {
      faults: [
        // After masterd's start-up, so only its (error-tolerant) job writes are hit.
        { at: { timeUs: 10_000 }, kind: 'disk-error', disk: 'n1', op: 'write', count: 3 },
        { at: { step: 1 }, kind: 'disk-latency', disk: 'n2', extraUs: 7_000, count: 1 },
      ],
    });
    expect(records(a.w, 'fault.eio')).toHaveLength(3);
    expect(records(a.w, 'test.write-failed')).toHaveLength(3);
    expect(records(a.w, 'fault.slow').map((r) => r.fields)).toEqual([['n2', 7_000]]);
  });

  it('torn-write arms the next crash of the disk', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    w.spawn('writer', function* () {
      yield* d.writeFile('/f', 'old');
      yield* d.fsync('/f');
      yield* d.fsyncDir('/');
      yield* d.writeFile('/f', 'brand-new');
      yield* w.sleep(2_000_000); // the run ends with its last thread: stay for the crash
    });
    applyFaultPlan(w, {
      faults: [
        { at: { timeUs: 1 }, kind: 'torn-write', disk: 'n1', path: '/f', prefixChars: 5 },
        { at: { timeUs: 1_000_000 }, kind: 'crash-node', node: 'n1' },
      ],
    });
    runClean(w);
    expect(d.peek('/f')).toBe('brand');
  });

  it('a fault naming a process that is not running is skipped with a trace event', () => {
    const w = makeWorld();
    w.processes.startProcess('n1', 'p', function* () {
      yield* w.sleep(10);
    });
    w.spawn('keep-alive', () => w.sleep(1_000));
    applyFaultPlan(w, {
      faults: [
        { at: { timeUs: 5 }, kind: 'restart-process', node: 'n1', process: 'p' },
        { at: { timeUs: 100 }, kind: 'crash-process', node: 'n1', process: 'p' },
        { at: { timeUs: 100 }, kind: 'restart-process', node: 'n9', process: 'ghost' },
        { at: { timeUs: 100 }, kind: 'signal', node: 'n1', process: 'p', signal: 'SIGTERM' },
      ],
    });
    runClean(w);
    expect(faultEvents(w).map((r) => [r.kind, ...r.fields])).toEqual([
      ['fault.restart-process', 'skipped', 'running'],
      ['fault.crash-process', 'skipped', 'not-running'],
      ['fault.restart-process', 'skipped', 'never-started'],
      ['fault.signal', 'skipped', 'not-running'],
    ]);
  });
});

describe('probabilistic faults', () => {
  const rates: FaultPlan = {
    rates: { diskEioWrite: 150, diskEioFsync: { num: 1, den: 10 }, diskLatencySpike: 100, rpcLoss: 200 },
  };

  it('are the same for the same seed: same trace hash, same faults', () => {
    const a = runPlan(11, rates);
    const b = runPlan(11, rates);
    expect(a.hash).toBe(b.hash);
    expect(faultEvents(a.w)).toEqual(faultEvents(b.w));
    const kinds = new Set(faultEvents(a.w).map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['fault.eio', 'fault.loss', 'fault.rates', 'fault.slow']);
  });

  it('stay the same for the same seed under a random schedule, with explicit faults mixed in', () => {
    const plan: FaultPlan = {
      ...rates,
      faults: [
        { at: { timeUs: 20_000 }, kind: 'crash-node', node: 'n1' },
        { at: { timeUs: 20_000 }, kind: 'torn-write', disk: 'n1' },
        { at: { timeUs: 40_000 }, kind: 'restart-node', node: 'n1' },
        { at: { step: 60 }, kind: 'partition', a: 'n2', b: 'n1', oneWay: true },
      ],
    };
    const runs = [1, 2].map(() => runPlan(21, plan, { kind: 'random' }));
    expect(runs[0]?.hash).toBe(runs[1]?.hash);
    expect(runs[0]?.starts).toEqual(['n1/masterd#1', 'n1/masterd#2']);
  });

  it('differ across seeds', () => {
    const signature = (seed: number) =>
      faultEvents(runPlan(seed, rates).w)
        .map((r) => `${r.kind}@${r.subject}`)
        .join(',');
    const seen = new Set([1, 2, 3, 4].map(signature));
    expect(seen.size).toBe(4);
  });

  it('draw nothing when every rate is zero: the trace equals a run without a plan, save the rates record', () => {
    const plain = runPlan(5, {});
    const zero = runPlan(5, { rates: { diskEioWrite: 0, rpcLoss: { num: 0, den: 3 } } });
    const strip = (w: SimWorld) => w.kernel.trace.snapshot().filter((r) => r.kind !== 'fault.rates');
    expect(strip(zero.w)).toEqual(strip(plain.w));
  });
});

describe('fault plan validation', () => {
  const at = { step: 1 };
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 42, 'plan'],
    ['unknown top-level field', { fault: [] }, 'fault'],
    ['faults not an array', { faults: {} }, 'faults'],
    ['unknown kind', { faults: [{ at, kind: 'explode', node: 'n1' }] }, 'faults[0].kind'],
    ['missing at', { faults: [{ kind: 'crash-node', node: 'n1' }] }, 'faults[0].at'],
    ['negative step', { faults: [{ at: { step: -1 }, kind: 'crash-node', node: 'n1' }] }, 'faults[0].at.step'],
    ['fractional time', { faults: [{ at: { timeUs: 1.5 }, kind: 'crash-node', node: 'n1' }] }, 'faults[0].at.timeUs'],
    [
      'both step and time',
      { faults: [{ at: { step: 1, timeUs: 2 }, kind: 'crash-node', node: 'n1' }] },
      'faults[0].at',
    ],
    [
      'missing node',
      {
        faults: [
          { at, kind: 'crash-node', node: 'n1' },
          { at, kind: 'crash-node' },
        ],
      },
      'faults[1].node',
    ],
    ['empty process', { faults: [{ at, kind: 'crash-process', node: 'n1', process: '' }] }, 'faults[0].process'],
    ['unknown field', { faults: [{ at, kind: 'crash-node', node: 'n1', nod: 'x' }] }, 'faults[0].nod'],
    ['bad signal', { faults: [{ at, kind: 'signal', node: 'n', process: 'p', signal: 'SIGHUP' }] }, 'faults[0].signal'],
    ['self partition', { faults: [{ at, kind: 'partition', a: 'n1', b: 'n1' }] }, 'faults[0].b'],
    ['oneWay not boolean', { faults: [{ at, kind: 'partition', a: 'n1', b: 'n2', oneWay: 1 }] }, 'faults[0].oneWay'],
    ['heal b without a', { faults: [{ at, kind: 'heal', b: 'n2' }] }, 'faults[0].b'],
    ['zero count', { faults: [{ at, kind: 'disk-error', disk: 'n1', op: 'write', count: 0 }] }, 'faults[0].count'],
    ['bad op', { faults: [{ at, kind: 'disk-error', disk: 'n1', op: 'read', count: 1 }] }, 'faults[0].op'],
    ['relative tear path', { faults: [{ at, kind: 'torn-write', disk: 'n1', path: 'f' }] }, 'faults[0].path'],
    ['per mille over 1000', { rates: { rpcLoss: 1500 } }, 'rates.rpcLoss'],
    ['ratio num over den', { rates: { diskEioWrite: { num: 3, den: 2 } } }, 'rates.diskEioWrite.num'],
    ['ratio zero den', { rates: { diskEioWrite: { num: 0, den: 0 } } }, 'rates.diskEioWrite.den'],
    ['unknown rate', { rates: { diskEio: 5 } }, 'rates.diskEio'],
    [
      'spike range inverted',
      { rates: { diskLatencySpikeUsMin: 10, diskLatencySpikeUsMax: 5 } },
      'rates.diskLatencySpikeUsMax',
    ],
    ['message delay range inverted', { rates: { rpcDelayUsMin: 300_000 } }, 'rates.rpcDelayUsMax'],
    [
      'loopback delay',
      { faults: [{ at, kind: 'delay-messages', from: 'n1', to: 'n1', extraUs: 5, count: 1 }] },
      'faults[0].to',
    ],
  ];

  it.each(cases)('rejects a plan with %s, naming the field', (_what, plan, field) => {
    let error: unknown;
    try {
      validateFaultPlan(plan);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaultPlanError);
    expect((error as FaultPlanError).field).toBe(field);
    expect((error as FaultPlanError).message).toContain(`${field}:`);
  });

  it('accepts a plan that uses every fault kind and every rate, and it survives a JSON round trip', () => {
    const plan: FaultPlan = {
      faults: [
        { at: { step: 3 }, kind: 'crash-process', node: 'n1', process: 'p' },
        { at: { step: 4 }, kind: 'restart-process', node: 'n1', process: 'p' },
        { at: { step: 5 }, kind: 'signal', node: 'n1', process: 'p', signal: 'SIGKILL' },
        { at: { timeUs: 6 }, kind: 'crash-node', node: 'n1' },
        { at: { timeUs: 7 }, kind: 'restart-node', node: 'n1' },
        { at: { timeUs: 8 }, kind: 'partition', a: 'n1', b: 'n2', oneWay: true },
        { at: { timeUs: 9 }, kind: 'heal', a: 'n1' },
        { at: { timeUs: 9 }, kind: 'disk-error', disk: 'n1', op: 'fsync', count: 2 },
        { at: { timeUs: 9 }, kind: 'disk-latency', disk: 'san', extraUs: 0, count: 1 },
        { at: { timeUs: 9 }, kind: 'torn-write', disk: 'n1' },
        { at: { event: 'rpc.call', nth: 1 }, kind: 'delay-messages', from: 'n1', to: 'n2', extraUs: 9, count: 2 },
      ],
      rates: {
        diskEioWrite: 1,
        diskEioFsync: { num: 1, den: 3 },
        diskLatencySpike: 0,
        diskLatencySpikeUsMin: 1,
        diskLatencySpikeUsMax: 2,
        tornWriteOnCrash: 1000,
        rpcLoss: 10,
        rpcDelay: { num: 1, den: 2 },
        rpcDelayUsMin: 5_000,
        rpcDelayUsMax: 5_000,
      },
    };
    expect(validateFaultPlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });
});
