/** Opcode summaries (thread names, reason sources) and the per-job processor mutex. */
import { describe, expect, it } from 'vitest';
import { Mutex } from '../../../src/jqueue/mutex.js';
import { opReasonSource, opSummary, opTinySummary } from '../../../src/jqueue/opcode.js';
import { Simulation } from '../../../src/sim/simulation.js';
import { op } from '../../support/jqueue.js';

describe('opcode summaries', () => {
  it('Summary, TinySummary and the reason source follow Ganeti', () => {
    const o = op('OP_INSTANCE_STARTUP', { instance_name: 'inst1.example.com' });
    expect(opSummary(o)).toBe('INSTANCE_STARTUP');
    expect(opSummary(o, 'instance_name')).toBe('INSTANCE_STARTUP(inst1.example.com)');
    expect(opSummary(op('OP_NODE_EVACUATE', { nodes: ['n1', 'n2'] }), 'nodes')).toBe('NODE_EVACUATE(n1,n2)');
    expect(opTinySummary(o)).toBe('I_STARTUP');
    expect(opTinySummary(op('OP_CLUSTER_VERIFY'))).toBe('C_VERIFY');
    expect(opTinySummary(op('OP_GROUP_ASSIGN_NODES'))).toBe('G_ASSIGN_NODES');
    expect(opTinySummary(op('OP_NODE_ADD'))).toBe('N_ADD');
    expect(opTinySummary(op('OP_NETWORK_CONNECT'))).toBe('NETWORK_CONNECT');
    expect(opReasonSource(o)).toBe('gnt:opcode:op_instance_startup');
    expect(() => opSummary(op('BOGUS'))).toThrow(/invalid OP_ID/);
  });
});

describe('Mutex', () => {
  it('excludes a second thread until released and is not re-entrant', () => {
    const sim = Simulation.create({ seed: 1 });
    const log: string[] = [];
    const m = new Mutex(sim, 'job/1/processor');
    for (const name of ['a', 'b']) {
      sim.spawn(name, function* () {
        yield* m.acquire();
        log.push(`${name}+${sim.now()}`);
        yield* sim.sleep(10);
        log.push(`${name}-${sim.now()}`);
        m.release();
      });
    }
    sim.spawn('c', function* () {
      yield* m.acquire();
      let err = '';
      try {
        yield* m.acquire();
      } catch (e) {
        err = (e as Error).name;
      }
      log.push(`c:${err}`);
      m.release();
    });
    expect(sim.run().outcome.kind).toBe('completed');
    expect(log).toEqual(['a+0', 'a-10', 'b+10', 'b-20', 'c:AssertionError']);
  });
});
