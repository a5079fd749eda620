import { describe, expect, it } from 'vitest';
import { JobQueueError } from '../../../src/jqueue/errors.js';
import { NODED_SERVICE } from '../../../src/jqueue/storage-rpc.js';
import { isEvent } from '../../../src/sim/events.js';
import { DiskError, type Proc } from '../../../src/sim/ports.js';
import { events, jobFile, makeWorld, runMaster, startNodeDaemons, storeOn } from './queue-support.js';

const Q = '/var/lib/ganeti/queue';

describe('DiskJobStore on the master disk', () => {
  it('open creates version 1 and serial 0, holds queue/lock for the life of the master, and a second opener blocks', () => {
    const w = makeWorld();
    const store = storeOn(w, 'n1', []);
    let secondOpenedAt = -1;
    const opened = runMaster(w, 'n1', function* () {
      const q = yield* store.open();
      // Another process on the same node (a second master) must wait for the lock.
      w.processes.startProcess('n1', 'masterd2', function* () {
        yield* storeOn(w, 'n1', []).open();
        secondOpenedAt = w.now();
      });
      yield* w.sleep(5_000_000);
      return q;
    });
    expect(opened).toEqual({ lastSerial: 0, drained: false, liveJobIds: [], archivedJobIds: [] });
    expect(w.disk('n1').peekDurable(`${Q}/version`)).toBe('1\n');
    expect(w.disk('n1').peekDurable(`${Q}/serial`)).toBe('0\n');
    // Granted only once the first master's process exited (at the end of its body, after 5 s).
    expect(secondOpenedAt).toBeGreaterThanOrEqual(5_000_000);
  });

  it('refuses a queue whose version is not 1 (JobQueueError "Found job queue version 2, expected 1")', () => {
    const w = makeWorld();
    const err = runMaster(w, 'n1', function* () {
      yield* w.disk('n1').writeFile(`${Q}/version`, '2\n');
      try {
        yield* storeOn(w, 'n1', []).open();
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(err).toBeInstanceOf(JobQueueError);
    expect((err as Error).message).toBe('Found job queue version 2, expected 1');
  });

  it('writes job files, serial, archive and drain flag durably on the master and replicates them to the candidates', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2', 'n3']);
    const store = storeOn(w, 'n1', ['n2', 'n3']);
    runMaster(w, 'n1', function* () {
      yield* store.open();
      yield* store.writeSerial(2);
      yield* store.writeJob(jobFile(1), { replicate: true });
      yield* store.writeJob(jobFile(2, ['success']), { replicate: true });
      yield* store.archiveJob(2);
      yield* store.setDrainFlag(true);
      for (const n of ['n1', 'n2', 'n3']) w.processes.crashNode(n);
    });
    for (const n of ['n1', 'n2', 'n3']) {
      const d = w.disk(n);
      expect(d.peek(`${Q}/serial`), n).toBe('2\n');
      expect(JSON.parse(d.peek(`${Q}/job-1`) ?? 'null').id, n).toBe(1);
      expect(d.peek(`${Q}/job-2`), n).toBeUndefined();
      expect(JSON.parse(d.peek(`${Q}/archive/0/job-2`) ?? 'null').id, n).toBe(2);
      expect(d.peek(`${Q}/drain`), n).toBe('');
    }
  });

  it('does not replicate log-only writes (replicate: false)', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2']);
    const store = storeOn(w, 'n1', ['n2']);
    runMaster(w, 'n1', function* () {
      yield* store.open();
      yield* store.writeJob(jobFile(1), { replicate: true });
      yield* store.writeJob(jobFile(1, ['running']), { replicate: false });
    });
    expect(JSON.parse(w.disk('n1').peek(`${Q}/job-1`) ?? '').ops[0].status).toBe('running');
    expect(JSON.parse(w.disk('n2').peek(`${Q}/job-1`) ?? '').ops[0].status).toBe('queued');
  });

  it('logs a replication failure (partitioned candidate) and carries on', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2', 'n3']);
    const store = storeOn(w, 'n1', ['n2', 'n3'], { rpcTimeoutUs: 1_000_000 });
    runMaster(w, 'n1', function* () {
      yield* store.open();
      w.net.partition('n1', 'n3');
      yield* store.writeJob(jobFile(1), { replicate: true });
    });
    const rpc = events(w, 'queue.rpc').map((r) => [r.subject, r.fields[1]]);
    expect(rpc).toEqual([
      ['n2', 'ok'],
      ['n3', 'timeout'],
    ]);
    expect(w.disk('n2').peek(`${Q}/job-1`)).toBeDefined();
    expect(w.disk('n3').peek(`${Q}/job-1`)).toBeUndefined();
  });

  it('moves a corrupt live job file into the archive and reads it as missing', () => {
    const w = makeWorld();
    const store = storeOn(w, 'n1', []);
    const got = runMaster(w, 'n1', function* () {
      yield* store.open();
      yield* w.disk('n1').writeFile(`${Q}/job-7`, '{"id": 7, "ops": [');
      return yield* store.readJob(7);
    });
    expect(got).toBeNull();
    expect(w.disk('n1').peek(`${Q}/job-7`)).toBeUndefined();
    expect(w.disk('n1').peek(`${Q}/archive/0/job-7`)).toBe('{"id": 7, "ops": [');
    expect(events(w, 'queue.corrupt').map((r) => r.subject)).toEqual(['job/7']);
  });

  it('reads archived jobs only when asked to', () => {
    const w = makeWorld();
    const store = storeOn(w, 'n1', []);
    const got = runMaster(w, 'n1', function* () {
      yield* store.open();
      yield* store.writeJob(jobFile(3, ['success']), { replicate: true });
      yield* store.archiveJob(3);
      return [yield* store.readJob(3), (yield* store.readJob(3, { archived: true }))?.archived];
    });
    expect(got).toEqual([null, true]);
  });

  it('reports a submission whose job file cannot be written as failed and leaves no file behind', () => {
    const w = makeWorld();
    const store = storeOn(w, 'n1', [], { writeAttempts: 2, retryDelayUs: 10 });
    const err = runMaster(w, 'n1', function* () {
      yield* store.open();
      w.disk('n1').failNext('fsync', 2);
      try {
        yield* store.writeJob(jobFile(1), { replicate: true });
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(err).toBeInstanceOf(DiskError);
    expect(
      w
        .disk('n1')
        .paths()
        .filter((p) => p.includes('job-1')),
    ).toEqual([]);
  });

  it('stops the master (fail-stop) when an existing job file cannot be updated, after retrying', () => {
    const w = makeWorld();
    let fatal = '';
    let after = false;
    const store = storeOn(w, 'n1', [], {
      writeAttempts: 3,
      retryDelayUs: 10,
      onFatalWriteError: function* (message: string): Proc<never> {
        fatal = message;
        yield* w.condition('dead').wait();
        throw new Error('unreachable');
      },
    });
    w.processes.startProcess('n1', 'masterd', function* () {
      yield* store.open();
      yield* store.writeJob(jobFile(1), { replicate: true });
      w.disk('n1').failNext('write', 3);
      yield* store.writeJob(jobFile(1, ['waiting']), { replicate: true });
      after = true;
    });
    const r = w.run();
    expect(r.outcome.kind).toBe('deadlock'); // the body never continues: the process would be killed
    expect(after).toBe(false);
    expect(fatal).toMatch(/cannot update \/var\/lib\/ganeti\/queue\/job-1: EIO/);
    expect(events(w, 'queue.write-error').map((e) => e.fields[2])).toEqual([1, 2, 3]);
    expect(JSON.parse(w.disk('n1').peek(`${Q}/job-1`) ?? '').ops[0].status).toBe('queued');
  });

  it('retries a transient write error and succeeds', () => {
    const w = makeWorld();
    const store = storeOn(w, 'n1', [], { retryDelayUs: 10 });
    runMaster(w, 'n1', function* () {
      yield* store.open();
      w.disk('n1').failNext('write', 1);
      yield* store.writeJob(jobFile(1), { replicate: true });
    });
    expect(w.disk('n1').peekDurable(`${Q}/job-1`)).toBeDefined();
  });

  it('at start-up removes temporary files and the live name of a job that is also in the archive', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const opened = runMaster(w, 'n1', function* () {
      yield* d.writeFile(`${Q}/serial`, '5\n');
      yield* d.writeFile(`${Q}/.job-4.masterd9.new`, 'partial');
      yield* d.writeFile(`${Q}/job-4`, JSON.stringify(jobFile(4, ['success'])));
      yield* d.writeFile(`${Q}/archive/0/job-4`, JSON.stringify(jobFile(4, ['success'])));
      yield* d.writeFile(`${Q}/job-5`, JSON.stringify(jobFile(5)));
      return yield* storeOn(w, 'n1', []).open();
    });
    expect(opened).toEqual({ lastSerial: 5, drained: false, liveJobIds: [5], archivedJobIds: [4] });
    expect(d.paths().filter((p) => p.startsWith(`${Q}/`) && !p.endsWith('version'))).toEqual([
      `${Q}/archive/0/job-4`,
      `${Q}/job-5`,
      `${Q}/serial`,
    ]);
  });

  it('AddNode purges the new candidate, uploads live jobs, serial and drain flag, then replicates to it', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n4']);
    const store = storeOn(w, 'n1', []);
    runMaster(w, 'n1', function* () {
      yield* w.disk('n4').writeFile(`${Q}/job-99`, 'stale');
      yield* store.open();
      yield* store.writeSerial(3);
      yield* store.writeJob(jobFile(1), { replicate: true });
      yield* store.writeJob(jobFile(3, ['success']), { replicate: true });
      yield* store.archiveJob(3);
      yield* store.setDrainFlag(true);
      yield* store.addNode('n4', { masterCandidate: true });
      yield* store.writeJob(jobFile(2), { replicate: true });
    });
    const d = w.disk('n4');
    expect(d.paths().filter((p) => p.startsWith(`${Q}/`))).toEqual([
      `${Q}/drain`,
      `${Q}/job-1`,
      `${Q}/job-2`,
      `${Q}/serial`,
    ]);
    expect(d.peek(`${Q}/serial`)).toBe('3\n');
    expect(store.replicas()).toEqual(['n4']);
  });

  it('AddNode of a node that is not a master candidate only purges it', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n4']);
    const store = storeOn(w, 'n1', []);
    runMaster(w, 'n1', function* () {
      yield* w.disk('n4').writeFile(`${Q}/job-99`, 'stale');
      yield* store.open();
      yield* store.writeJob(jobFile(1), { replicate: true });
      yield* store.addNode('n4', { masterCandidate: false });
    });
    expect(
      w
        .disk('n4')
        .paths()
        .filter((p) => p.includes('job-')),
    ).toEqual([]);
    expect(store.replicas()).toEqual([]);
  });
});

describe('node daemon job-queue RPCs (backend.JobQueue*)', () => {
  it("refuses a path outside the queue directory with Ganeti's message", () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2']);
    const r = runMaster(w, 'n1', function* () {
      return yield* w.net.call(
        { node: 'n2', service: NODED_SERVICE },
        'jobqueue_update',
        { file_name: '/etc/passwd', content: 'x' },
        { timeoutUs: 1_000_000 },
      );
    });
    expect(r).toEqual({
      ok: false,
      failure: 'remote-error',
      message: "Passed job queue file '/etc/passwd' does not belong to the queue directory '/var/lib/ganeti/queue'",
    });
  });

  it('a disk error while preparing the queue at start-up is not fatal: RPCs are refused until a retry works', () => {
    const w = makeWorld();
    // Fails the start-up try and the first RPC's retry; the second RPC's retry works.
    w.disk('n2').failNext('fsync', 2);
    startNodeDaemons(w, ['n2']);
    const results = runMaster(w, 'n1', function* () {
      const call = () =>
        w.net.call(
          { node: 'n2', service: NODED_SERVICE },
          'jobqueue_update',
          { file_name: `${Q}/job-1`, content: '{}' },
          { timeoutUs: 1_000_000 },
        );
      return [yield* call(), yield* call()];
    });
    expect(events(w, 'noded.prepare-failed').length).toBe(2);
    expect(results[0]).toEqual({
      ok: false,
      failure: 'remote-error',
      message: 'Job queue failed initialization, cannot update jobs',
    });
    expect(results[1]?.ok).toBe(true);
    expect(w.disk('n2').peek(`${Q}/version`)).toBe('1\n');
  });

  it('waits for the queue lock file and fails after 10 s when its holder keeps it', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2']);
    // A process on n2 holding the queue lock: a master daemon that failed over to n2.
    w.processes.startProcess('n2', 'holder', function* () {
      yield* w.disk('n2').flock(`${Q}/lock`, 'exclusive', { wait: true });
      yield* w.sleep(30_000_000);
    });
    const results = runMaster(w, 'n1', function* () {
      const call = () =>
        w.net.call(
          { node: 'n2', service: NODED_SERVICE },
          'jobqueue_update',
          { file_name: `${Q}/job-1`, content: '{}' },
          { timeoutUs: 60_000_000 },
        );
      const first = yield* call();
      const t1 = w.now();
      yield* w.sleep(30_000_000);
      const second = yield* call();
      return { first, t1, second };
    });
    expect(results.first).toEqual({
      ok: false,
      failure: 'remote-error',
      message: `Failed to lock ${Q}/lock in exclusive mode`,
    });
    expect(results.t1).toBeGreaterThanOrEqual(10_100_000);
    expect(results.second.ok).toBe(true);
  });

  it('serialises concurrent requests: two updates never hold the queue directory at once', () => {
    const w = makeWorld();
    startNodeDaemons(w, ['n2']);
    runMaster(w, 'n1', function* () {
      const store = storeOn(w, 'n1', ['n2']);
      yield* store.open();
      const done = w.condition('both');
      let n = 0;
      for (const id of [1, 2]) {
        w.spawn(`writer${id}`, function* () {
          yield* store.writeJob(jobFile(id), { replicate: true });
          n++;
          done.notifyAll();
        });
      }
      while (n < 2) yield* done.wait();
    });
    const lockEvents = w.kernel.trace
      .snapshot()
      .filter(
        (r) =>
          (isEvent(r, 'disk.funlock') && r.fields[0] === 'n2') ||
          (isEvent(r, 'disk.flock') && r.fields[0] === 'n2' && r.fields[3] === 'granted'),
      )
      .map((r) => r.kind);
    // Prepare at start-up, then one hold per update, never overlapping.
    expect(lockEvents).toEqual([
      'disk.flock',
      'disk.funlock',
      'disk.flock',
      'disk.funlock',
      'disk.flock',
      'disk.funlock',
    ]);
    expect(w.disk('n2').peek(`${Q}/job-1`)).toBeDefined();
    expect(w.disk('n2').peek(`${Q}/job-2`)).toBeDefined();
  });
});
