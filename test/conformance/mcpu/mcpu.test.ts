/**
 * Ganeti `test/py/ganeti.mcpu_unittest.py` (v2.10.8), spec §9.3: TestDispatchTable,
 * TestProcessResult and TestVerifyLocks. (TestLockAttemptTimeoutStrategy is in
 * `lock-timeout.test.ts`.)
 */
import { describe, expect, it } from 'vitest';
import { JOB_IDS_KEY, OP_PRIO_HIGH, OP_PRIO_LOW } from '../../../src/jqueue/constants.js';
import { AssertionError } from '../../../src/jqueue/errors.js';
import type { OpInput } from '../../../src/jqueue/opcode.js';
import {
  ALL_SET,
  type AllSet,
  LEVEL_NODE,
  LEVEL_NODE_ALLOC,
  LEVEL_NODE_RES,
  type Level,
} from '../../../src/locking/index.js';
import { DISPATCH_TABLE, REQ_BGL_WHITELIST } from '../../../src/mcpu/dispatch.js';
import { ResultWithJobs } from '../../../src/mcpu/logical-unit.js';
import { OPCODES } from '../../../src/mcpu/opcodes.js';
import { processResult } from '../../../src/mcpu/process-result.js';
import { type LockDeclarations, type LuClassSet, verifyLocks } from '../../../src/mcpu/verify-locks.js';
import type { Proc } from '../../../src/sim/ports.js';

describe('TestDispatchTable', () => {
  it('TestDispatchTable.test: every opcode with an LU has a handler, and exactly the whitelisted LUs take the BGL exclusively', () => {
    const withLu = OPCODES.filter((d) => d.withLu);
    expect(withLu.length).toBeGreaterThan(10);
    for (const d of withLu) {
      const lu = DISPATCH_TABLE.get(d.OP_ID);
      expect(lu, `${d.OP_ID} missing handler class`).toBeDefined();
      if (!lu) continue;
      // Ganeti's naming: Op<X> is handled by LU<X> (OP_GROUP_ASSIGN_NODES -> LUGroupAssignNodes).
      const camel = d.OP_ID.slice(3)
        .split('_')
        .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
        .join('');
      expect(lu.name).toBe(`LU${camel}`);
      if (lu.REQ_BGL) expect(REQ_BGL_WHITELIST.has(d.OP_ID), `${d.OP_ID} not whitelisted for REQ_BGL`).toBe(true);
      else
        expect(REQ_BGL_WHITELIST.has(d.OP_ID), `${d.OP_ID} whitelisted for REQ_BGL, but has REQ_BGL=False`).toBe(false);
    }
    // Opcodes without an LU (OpTestDummy) have no handler, and every handler has an opcode.
    for (const d of OPCODES.filter((x) => !x.withLu)) expect(DISPATCH_TABLE.has(d.OP_ID)).toBe(false);
    for (const opId of DISPATCH_TABLE.keys()) expect(OPCODES.some((d) => d.OP_ID === opId)).toBe(true);
  });
});

/** Drives a generator that never blocks (the fake submit function answers at once). */
function runSync<T>(gen: Proc<T>): T {
  const r = gen.next();
  if (!r.done) throw new Error('unexpected blocking operation');
  return r.value;
}

class Submitter {
  readonly submitted: [number, OpInput[]][] = [];
  private count = 200;

  *submit(jobs: OpInput[][]): Proc<unknown> {
    const ids = jobs.map(() => this.count++);
    jobs.forEach((job, i) => {
      this.submitted.push([ids[i] as number, job]);
    });
    return ids;
  }
}

const opTestDelay = (params: Partial<OpInput> = {}): OpInput => ({ OP_ID: 'OP_TEST_DELAY', ...params });

describe('TestProcessResult', () => {
  it('TestProcessResult.testNoJobs: a result that is not a ResultWithJobs is returned unchanged', () => {
    const notImplemented = () => {
      throw new Error('NotImplemented');
    };
    for (const value of [{}, [], false, true, null, 1, 929, { a: 1 }]) {
      const out = runSync(processResult(notImplemented, { OP_ID: 'OP_TEST_DUMMY' }, value));
      expect(out).toBe(value);
    }
  });

  it('TestProcessResult.testDefaults: jobs are submitted in one call, ids become the result, children get a comment and nothing else', () => {
    const s = new Submitter();
    const src: OpInput = { OP_ID: 'OP_TEST_DUMMY' };
    const res = runSync(
      processResult((j) => s.submit(j), src, new ResultWithJobs([[opTestDelay(), opTestDelay()], [opTestDelay()]])),
    );
    expect(res).toEqual({ [JOB_IDS_KEY]: [200, 201] });
    const first = s.submitted.shift();
    const second = s.submitted.shift();
    expect(s.submitted).toEqual([]);
    expect(first?.[1]).toHaveLength(2);
    expect(second?.[1]).toHaveLength(1);
    for (const op of [...(first?.[1] ?? []), ...(second?.[1] ?? [])]) {
      expect(op.comment).toContain('OP_TEST_DUMMY');
      expect(Object.hasOwn(op, 'priority')).toBe(false);
      expect(Object.hasOwn(op, 'debug_level')).toBe(false);
    }
  });

  it('TestProcessResult.testParams: priority is inherited only when unset, debug_level always, comment only when unset; other keys are kept', () => {
    const s = new Submitter();
    const src: OpInput = { OP_ID: 'OP_TEST_DUMMY', priority: OP_PRIO_HIGH, debug_level: 3 };
    const range10 = Array.from({ length: 10 }, (_, i) => i);
    const res = runSync(
      processResult(
        (j) => s.submit(j),
        src,
        new ResultWithJobs(
          [[opTestDelay({ priority: OP_PRIO_LOW })], [opTestDelay({ comment: 'foobar', debug_level: 10 })]],
          {
            other: true,
            value: range10,
          },
        ),
      ),
    );
    expect(res).toEqual({ [JOB_IDS_KEY]: [200, 201], other: true, value: range10 });
    const [, [op1]] = s.submitted.shift() as [number, OpInput[]];
    const [, [op2]] = s.submitted.shift() as [number, OpInput[]];
    expect(s.submitted).toEqual([]);
    expect(op1?.priority).toBe(OP_PRIO_LOW);
    expect(op1?.comment).toContain('OP_TEST_DUMMY');
    expect(op1?.debug_level).toBe(3);
    expect(op2?.priority).toBe(OP_PRIO_HIGH);
    expect(op2?.comment).toBe('foobar');
    expect(op2?.debug_level).toBe(3);
  });

  it('the parent reason trail is appended to each child’s, and a "jobs" key among the other values is an assertion', () => {
    const s = new Submitter();
    const src: OpInput = { OP_ID: 'OP_NODE_EVACUATE', reason: [['gnt:client', 'evac', 1]] };
    runSync(processResult((j) => s.submit(j), src, new ResultWithJobs([[opTestDelay({ reason: [['x', 'y', 0]] })]])));
    expect(s.submitted[0]?.[1][0]?.reason).toEqual([
      ['x', 'y', 0],
      ['gnt:client', 'evac', 1],
    ]);
    expect(() => runSync(processResult((j) => s.submit(j), src, new ResultWithJobs([], { jobs: 1 })))).toThrow(
      "Key 'jobs' found in additional return values",
    );
  });
});

class FakeLuWithLocks implements LockDeclarations {
  constructor(
    readonly neededLocks: ReadonlyMap<Level, readonly string[] | AllSet>,
    readonly shareLocks: Partial<Record<Level, boolean>>,
  ) {}
}

/** Ganeti's `_FakeGlm`: answers only the NAL ownership question; never owns all of a level. */
class FakeGlm {
  constructor(private readonly owningNal: boolean) {}

  checkOwned(level: Level, names: string): boolean {
    expect(level).toBe(LEVEL_NODE_ALLOC);
    expect(names).toBe('NAL');
    return this.owningNal;
  }

  owningAll(_level: Level): boolean {
    return false;
  }
}

const WL: LuClassSet = new Set([FakeLuWithLocks]);
const NONE: LuClassSet = new Set();
const NODE_LEVELS = [LEVEL_NODE, LEVEL_NODE_RES] as const;

function assertionMessage(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AssertionError);
    return (e as Error).message;
  }
  throw new Error('Exception not raised');
}

describe('TestVerifyLocks', () => {
  it('TestVerifyLocks.testNoLocks: an LU without locks passes (whitelists not even consulted)', () => {
    verifyLocks(new FakeLuWithLocks(new Map(), {}), new FakeGlm(false));
  });

  it('TestVerifyLocks.testNotAllSameMode: named node locks and the NAL both exclusive pass', () => {
    for (const level of NODE_LEVELS) {
      const lu = new FakeLuWithLocks(new Map([[level, ['foo']]]), { [level]: false, [LEVEL_NODE_ALLOC]: false });
      verifyLocks(lu, new FakeGlm(false), NONE, NONE);
    }
  });

  it('TestVerifyLocks.testDifferentMode: NAL shared with exclusive nodes fails, unless whitelisted', () => {
    for (const level of NODE_LEVELS) {
      const lu = new FakeLuWithLocks(new Map([[level, ['foo']]]), { [level]: false, [LEVEL_NODE_ALLOC]: true });
      const glm = new FakeGlm(false);
      expect(assertionMessage(() => verifyLocks(lu, glm, NONE, NONE))).toContain('using the same mode as nodes');
      verifyLocks(lu, glm, WL, NONE);
    }
  });

  it('TestVerifyLocks.testSameMode: a mode-whitelisted LU must use different modes', () => {
    for (const level of NODE_LEVELS) {
      const lu = new FakeLuWithLocks(
        new Map<Level, string[] | AllSet>([
          [level, ['foo']],
          [LEVEL_NODE_ALLOC, ALL_SET],
        ]),
        { [level]: true, [LEVEL_NODE_ALLOC]: true },
      );
      const glm = new FakeGlm(true);
      expect(assertionMessage(() => verifyLocks(lu, glm, WL, NONE))).toContain('whitelisted to use different modes');
      verifyLocks(lu, glm, NONE, NONE);
    }
  });

  it('TestVerifyLocks.testAllWithoutAllocLock: all nodes without the NAL fails, unless NAL-whitelisted', () => {
    for (const level of NODE_LEVELS) {
      const lu = new FakeLuWithLocks(new Map([[level, ALL_SET]]), { [level]: false, [LEVEL_NODE_ALLOC]: false });
      const glm = new FakeGlm(false);
      expect(assertionMessage(() => verifyLocks(lu, glm, NONE, NONE))).toContain('allocation lock must be used if');
      verifyLocks(lu, glm, NONE, WL);
    }
  });

  it('TestVerifyLocks.testAllWithAllocLock: all nodes with the NAL passes, but a NAL-whitelisted LU must not own it', () => {
    for (const level of NODE_LEVELS) {
      const lu = new FakeLuWithLocks(
        new Map<Level, string[] | AllSet>([
          [level, ALL_SET],
          [LEVEL_NODE_ALLOC, ALL_SET],
        ]),
        { [level]: false, [LEVEL_NODE_ALLOC]: false },
      );
      const glm = new FakeGlm(true);
      expect(assertionMessage(() => verifyLocks(lu, glm, NONE, WL))).toContain('whitelisted for not acquiring');
      verifyLocks(lu, glm, NONE, NONE);
    }
  });
});
