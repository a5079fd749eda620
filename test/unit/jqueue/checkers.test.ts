/**
 * The job queue's checkers (`src/check/jqueue-*.ts`) on hand-made traces: each reports the
 * violation it exists for and stays silent on the legal variant of the same trace.
 */
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../scenarios/scenario.js';
import {
  dependencyAccepted,
  dependencyOrderChecker,
  parseDependencies,
} from '../../../src/check/jqueue-dependencies.js';
import { finalWriteChecker } from '../../../src/check/jqueue-final-write.js';
import { jobsFinishChecker } from '../../../src/check/jqueue-liveness.js';
import { poolOrderChecker } from '../../../src/check/jqueue-pool-order.js';
import { queueLockChecker } from '../../../src/check/jqueue-queue-lock.js';
import type { EventTuple } from '../../../src/sim/events.js';
import type { RunResult } from '../../../src/sim/kernel.js';
import type { TraceRecord } from '../../../src/sim/trace.js';

type Ev = [thread: number, ...event: EventTuple];

function feed(checker: Checker, events: Ev[], outcome: RunResult['outcome'] = { kind: 'quiescent', waiting: [] }) {
  const found: string[] = [];
  const ctx = { violation: (p: string, m: string) => found.push(`${p}: ${m}`), now: () => 0 };
  events.forEach(([thread, kind, subject, ...fields], step) => {
    const r: TraceRecord = { step, time: 0, thread, kind, subject, fields };
    checker.onEvent?.(r, ctx);
  });
  checker.atEnd?.({ outcome } as RunResult, ctx);
  return found;
}

describe('jqueue checkers', () => {
  it('QLOCK: an opcode started while its worker holds the queue lock is reported; after release it is not', () => {
    const held: Ev[] = [
      [3, 'lock.acquired', 'JobQueue', 'shared', 0],
      [3, 'jqueue.exec.start', 'job/1/op/0', ''],
    ];
    expect(feed(queueLockChecker(), held)).toEqual([
      'QLOCK: thread 3 runs opcode job/1/op/0 while holding the queue lock JobQueue (shared)',
    ]);
    const released: Ev[] = [
      [3, 'lock.acquired', 'JobQueue', 'shared', 0],
      [3, 'lock.release', 'JobQueue', 'shared'],
      [4, 'lock.acquired', 'JobQueue', 'shared', 0],
      [3, 'jqueue.exec.start', 'job/1/op/0', ''],
      [3, 'jqueue.exec.end', 'job/1/op/0', 'success'],
    ];
    expect(feed(queueLockChecker(), released)).toEqual([]);
  });

  it('DEP: parses dependencies and accepts only final statuses that were asked for (canceled only explicitly)', () => {
    expect(parseDependencies('3:success|error;4:')).toEqual([
      { jobId: '3', statuses: ['success', 'error'] },
      { jobId: '4', statuses: [] },
    ]);
    expect(dependencyAccepted('success', [])).toBe(true);
    expect(dependencyAccepted('canceled', [])).toBe(false);
    expect(dependencyAccepted('canceled', ['canceled'])).toBe(true);
    expect(dependencyAccepted('error', ['success'])).toBe(false);
    expect(dependencyAccepted('running', [])).toBe(false);
    expect(dependencyAccepted(undefined, [])).toBe(false);
    const early: Ev[] = [
      [1, 'job.status', 'job/3', 'waiting', 'running'],
      [2, 'jqueue.exec.start', 'job/4/op/0', '3:success'],
    ];
    expect(feed(dependencyOrderChecker(), early)).toEqual([
      'DEP: opcode job/4/op/0 runs although its dependency job/3 is running (wanted success)',
    ]);
    const late: Ev[] = [...early.slice(0, 1), [1, 'job.status', 'job/3', 'running', 'success'], early[1] as Ev];
    expect(feed(dependencyOrderChecker(), late)).toEqual([]);
  });

  it('PRIO:pool: a pick that skips a task queued ahead of it is reported; in-order picks are not', () => {
    const adds: Ev[] = [
      [0, 'pool.create', 'Jq'],
      [1, 'pool.add', 'Jq', 1, 0, 0],
      [1, 'pool.add', 'Jq', 2, -10, 1],
      [1, 'pool.add', 'Jq', 3, 0, 2],
    ];
    expect(
      feed(poolOrderChecker(), [...adds, [5, 'pool.pick', 'Jq1', 2, -10, 1], [5, 'pool.pick', 'Jq1', 1, 0, 0]]),
    ).toEqual([]);
    expect(feed(poolOrderChecker(), [...adds, [5, 'pool.pick', 'Jq1', 3, 0, 2]])).toEqual([
      'PRIO: thread 5 picked task 3 (priority 0, #2) while task 2 (priority -10, #1) was queued ahead of it',
    ]);
    // A re-prioritised entry keeps its sequence number.
    expect(
      feed(poolOrderChecker(), [
        ...adds,
        [1, 'pool.reprioritize', 'Jq', 3, -20, 2],
        [5, 'pool.pick', 'Jq1', 3, -20, 2],
      ]),
    ).toEqual([]);
  });

  it('LST:job-file: a write after the final write is reported, with archival named', () => {
    const events: Ev[] = [
      [1, 'jqueue.write', 'job/1', 'queued', true],
      [1, 'jqueue.write', 'job/1', 'canceled', true],
    ];
    expect(feed(finalWriteChecker(), events)).toEqual([]);
    expect(
      feed(finalWriteChecker(), [
        ...events,
        [1, 'jqueue.archive', 'job/1'],
        [2, 'jqueue.write', 'job/1', 'canceled', true],
      ]),
    ).toEqual([
      'LST: job/1 was written again (canceled) after it was archived (the file is back in the queue) as canceled',
    ]);
  });

  it('liveness:jobs: jobs left unfinished at the end of a quiet run are reported; failed submissions are not jobs', () => {
    const events: Ev[] = [
      [1, 'job.status', 'job/1', null, 'queued'],
      [1, 'job.status', 'job/1', 'queued', 'success'],
      [1, 'job.status', 'job/2', null, 'queued'],
      [1, 'job.status', 'job/3', null, 'queued'],
      [1, 'jqueue.submit.failed', 'job/3', 'EIO'],
    ];
    expect(feed(jobsFinishChecker(), events)).toEqual([
      'liveness: 1 job(s) never reached a final status: job/2 (queued)',
    ]);
    // A deadlock is its own finding: nothing more is said.
    expect(feed(jobsFinishChecker(), events, { kind: 'deadlock', blocked: [] })).toEqual([]);
  });
});
