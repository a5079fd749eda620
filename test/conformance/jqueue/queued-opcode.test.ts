/** Ganeti `test/py/ganeti.jqueue_unittest.py` TestQueuedOpCode (v2.10.8), spec §9.2. */
import { describe, expect, it } from 'vitest';
import { OP_PRIO_DEFAULT, OP_PRIO_HIGH, OP_STATUS_QUEUED } from '../../../src/jqueue/constants.js';
import { QueuedOpCode } from '../../../src/jqueue/queued-opcode.js';
import { op } from '../../support/jqueue.js';

describe('TestQueuedOpCode', () => {
  it('TestQueuedOpCode.testDefaults: a new opcode is queued with default priority, no log, no timestamps, no result; restore(serialize) round-trips', () => {
    const check = (q: QueuedOpCode) => {
      expect(q.input.dry_run).toBeFalsy();
      expect(q.priority).toBe(OP_PRIO_DEFAULT);
      expect(q.log).toEqual([]);
      expect(q.startTimestamp).toBeNull();
      expect(q.execTimestamp).toBeNull();
      expect(q.endTimestamp).toBeNull();
      expect(q.result).toBeNull();
      expect(q.status).toBe(OP_STATUS_QUEUED);
    };
    const op1 = new QueuedOpCode(op('OP_TEST_DELAY'));
    check(op1);
    const op2 = QueuedOpCode.restore(op1.serialize());
    check(op2);
    expect(op2.serialize()).toEqual(op1.serialize());
  });

  it('TestQueuedOpCode.testPriority: the priority comes from the opcode input and survives serialization', () => {
    expect(OP_PRIO_DEFAULT).not.toBe(OP_PRIO_HIGH);
    const check = (q: QueuedOpCode) => {
      expect(q.priority).toBe(OP_PRIO_HIGH);
      expect(q.status).toBe(OP_STATUS_QUEUED);
    };
    const op1 = new QueuedOpCode(op('OP_TAGS_GET', { priority: OP_PRIO_HIGH }));
    check(op1);
    const op2 = QueuedOpCode.restore(op1.serialize());
    check(op2);
    expect(op2.serialize()).toEqual(op1.serialize());
  });
});
