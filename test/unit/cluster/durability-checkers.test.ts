/** The durability checkers on hand-made traces: each flags its violation and accepts the legal cases. */
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../scenarios/scenario.js';
import { acknowledgedJobsChecker } from '../../../src/check/durability-acknowledged.js';
import { finalizedJobsChecker } from '../../../src/check/durability-finalized.js';
import { uniqueJobIdsChecker } from '../../../src/check/durability-job-ids.js';
import { queueWritersChecker } from '../../../src/check/durability-queue-writers.js';
import { runOnceChecker } from '../../../src/check/durability-run-once.js';
import type { EventTuple } from '../../../src/sim/events.js';

type Ev = EventTuple;

/** Feeds the events to the checker; returns the violations it reported. */
function feed(checker: Checker, evs: readonly Ev[]): string[] {
  const found: string[] = [];
  const ctx = { now: () => 0, violation: (p: string, m: string) => found.push(`${p}: ${m}`) };
  evs.forEach(([kind, subject, ...fields], i) => {
    checker.onEvent?.({ step: i + 1, time: 0, thread: 1, kind, subject, fields }, ctx);
  });
  return found;
}

const Q = '/var/lib/ganeti/queue';

describe('acknowledged jobs survive restarts with a legal status', () => {
  it('flags an acknowledged job missing when a master opens the queue', () => {
    const v = feed(acknowledgedJobsChecker(), [
      ['client.ack', 'job/1'],
      ['queue.open', 'node2', 1, '', '', false],
    ]);
    expect(v).toEqual(['CRASH: acknowledged job 1 is lost: not in the queue of node2 when the master opened it']);
  });

  it('accepts an acknowledged job found archived', () => {
    expect(
      feed(acknowledgedJobsChecker(), [
        ['client.ack', 'job/1'],
        ['queue.open', 'node1', 1, '', '1', false],
      ]),
    ).toEqual([]);
  });

  it('flags a durably written status that a restart lost, but accepts one of a write in flight', () => {
    const base: Ev[] = [
      ['queue.persist', 'job/1', 'node1', 'queued', 11, 'masterd'],
      ['queue.persist', 'job/1', 'node1', 'waiting', 12, 'masterd'],
      ['queue.persist-begin', 'job/1', 'node1', 'running'],
    ];
    expect(feed(acknowledgedJobsChecker(), [...base, ['queue.open', 'node1', 1, '1:running', '', false]])).toEqual([]);
    expect(feed(acknowledgedJobsChecker(), [...base, ['queue.open', 'node1', 1, '1:waiting', '', false]])).toEqual([]);
    expect(feed(acknowledgedJobsChecker(), [...base, ['queue.open', 'node1', 1, '1:queued', '', false]])).toEqual([
      'CRASH: job 1 was durably waiting on node1 but the master found it queued after the restart',
    ]);
  });

  it('checks the recovery table: waiting becomes queued, running becomes error', () => {
    const open: Ev = ['queue.open', 'node1', 2, '1:waiting,2:running', '', false];
    expect(
      feed(acknowledgedJobsChecker(), [
        open,
        ['queue.persist', 'job/1', 'node1', 'queued', 1, 'masterd'],
        ['queue.persist', 'job/2', 'node1', 'error', 2, 'masterd'],
      ]),
    ).toEqual([]);
    expect(
      feed(acknowledgedJobsChecker(), [open, ['queue.persist', 'job/2', 'node1', 'waiting', 2, 'masterd']]),
    ).toEqual(['CRASH: recovery turned running job 2 into waiting on node1, expected error']);
  });
});

describe('job ids, opcode runs, finalized and archived jobs', () => {
  it('flags a job id created twice, not a job loaded again', () => {
    const v = feed(uniqueJobIdsChecker(), [
      ['job.status', 'job/1', null, 'queued'],
      ['job.status', 'job/1', 'queued', 'waiting'],
      ['job.status', 'job/1', null, 'queued'],
    ]);
    expect(v).toEqual(['CRASH: job id 1 handed out twice (first at step 1, again at step 3)']);
  });

  it('flags an opcode whose logical unit ran twice', () => {
    expect(
      feed(runOnceChecker(), [
        ['lu.exec', 'job/1/op/0', 'OP_TEST_DELAY'],
        ['lu.exec', 'job/1/op/1', 'OP_TEST_DELAY'],
        ['lu.exec', 'job/1/op/0', 'OP_TEST_DELAY'],
      ]),
    ).toEqual(['CRASH: job/1/op/0 ran twice (first at step 1, again at step 3)']);
  });

  it("maps the processor's mcpu.exec to the opcode of the job that last became running", () => {
    const v = feed(runOnceChecker(), [
      ['opcode.status', 'job/2/op/0', 'waiting', 'running'],
      ['mcpu.exec', 'job/2', 'OP_TEST_DELAY'],
      ['opcode.status', 'job/2/op/1', 'waiting', 'running'],
      ['mcpu.exec', 'job/2', 'OP_TEST_DELAY'],
      ['opcode.status', 'job/2/op/1', 'waiting', 'running'],
      ['mcpu.exec', 'job/2', 'OP_TEST_DELAY'],
    ]);
    expect(v).toEqual(['CRASH: job/2/op/1 ran twice (first at step 4, again at step 6)']);
  });

  it('flags a committed final job written with other content, but not an uncommitted one', () => {
    const written: Ev[] = [
      ['queue.persist', 'job/1', 'node1', 'success', 7, 'masterd'],
      ['jqueue.write', 'job/1', 'success', true],
    ];
    expect(
      feed(finalizedJobsChecker(), [...written, ['queue.persist', 'job/1', 'node2', 'success', 7, 'noded']]),
    ).toEqual([]);
    expect(
      feed(finalizedJobsChecker(), [...written, ['queue.persist', 'job/1', 'node2', 'error', 8, 'masterd']]),
    ).toEqual(['CRASH: finalized job 1 (success) changed: written again as error on node2']);
    // A crash before the write returned: the new master may finish the job differently.
    expect(
      feed(finalizedJobsChecker(), [
        ['queue.persist', 'job/1', 'node1', 'success', 7, 'masterd'],
        ['queue.persist', 'job/1', 'node2', 'error', 8, 'masterd'],
      ]),
    ).toEqual([]);
  });

  it('flags an archived job found live again', () => {
    expect(
      feed(finalizedJobsChecker(), [
        ['jqueue.archive', 'job/3'],
        ['queue.open', 'node2', 3, '3:success', '', false],
      ]),
    ).toEqual(['CRASH: archived job 3 reappeared in the live queue of node2']);
  });
});

describe('the queue directory has one writer at a time', () => {
  it('accepts writes by the exclusive holder of the queue lock and flags anyone else', () => {
    const c = queueWritersChecker();
    const v = feed(c, [
      ['disk.flock', `${Q}/lock`, 'node1', 'node1/masterd#1', 'exclusive', 'granted'],
      ['disk.write', `${Q}/job-1`, 'node1', 'node1/masterd#1', 10, 1],
      ['disk.write', `${Q}/job-1`, 'node2', 'node2/noded#1', 10, 1],
      ['disk.write', `${Q}/job-2`, 'node1', 'node1/noded#1', 10, 1],
    ]);
    expect(v).toEqual([
      `MX: node2/noded#1 wrote ${Q}/job-1 on node2 without holding the queue lock`,
      `MX: node1/noded#1 wrote ${Q}/job-2 on node1 without holding the queue lock (held by node1/masterd#1)`,
    ]);
  });

  it('forgets a holder once its lock is released, and ignores writes outside the queue directory', () => {
    const v = feed(queueWritersChecker(), [
      ['disk.flock', `${Q}/lock`, 'node2', 'node2/noded#1', 'exclusive', 'granted'],
      ['disk.rename', `${Q}/.job-1.noded1.new`, 'node2', 'node2/noded#1', `${Q}/job-1`],
      ['disk.funlock', `${Q}/lock`, 'node2', 'node2/noded#1', 'unlock'],
      ['disk.write', '/var/lib/ganeti/config.data', 'node2', 'node2/noded#1', 1, 1],
      ['disk.unlink', `${Q}/job-1`, 'node2', 'node2/noded#1'],
    ]);
    expect(v).toEqual([`MX: node2/noded#1 wrote ${Q}/job-1 on node2 without holding the queue lock`]);
  });
});
