/** Opcode summaries (thread names, reason sources). */
import { describe, expect, it } from 'vitest';
import { opReasonSource, opSummary, opTinySummary } from '../../../src/jqueue/opcode.js';
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
