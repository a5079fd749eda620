import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../scenarios/scenario.js';
import { luJobsShapeChecker } from '../../../src/check/lu-jobs-shape.js';
import type { TraceRecord } from '../../../src/sim/trace.js';

function check(json: string): string[] {
  const found: string[] = [];
  const ctx: CheckContext = { now: () => 0, violation: (property, message) => found.push(`${property}: ${message}`) };
  const r: TraceRecord = { step: 1, time: 0, thread: 1, kind: 'mcpu.jobs', subject: 'job/1', fields: [json] };
  luJobsShapeChecker().onEvent?.(r, ctx);
  return found;
}

describe('LU-generated job results (LUJOBS)', () => {
  it('accepts the documented shape: one [true, id] or [false, message] per job', () => {
    expect(check('[[true,8149],[true,21019],[false,"Job queue is full"]]')).toEqual([]);
    expect(check('[]')).toEqual([]);
  });

  it.each([
    ['{"jobs":[]}', 'is not a list'],
    ['[[true]]', 'entry 0 is not a pair'],
    ['[[true,"8149"]]', 'entry 0 has no job id'],
    ['[[true,-1]]', 'entry 0 has no job id'],
    ['[[false,3]]', 'entry 0 has no error message'],
    ['[[1,3]]', 'entry 0 does not start with a boolean'],
    ['[[true,4],[true,4]]', 'job id 4 is listed twice'],
    ['not json', 'is not JSON'],
  ])('reports %s as a result that %s', (json, problem) => {
    expect(check(json)).toEqual([`LUJOBS: job/1: the "jobs" result of its LU ${problem}: ${json}`]);
  });
});
