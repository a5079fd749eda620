import { describe, expect, it } from 'vitest';
import { DiskError } from '../../../src/sim/ports.js';
import { catching, makeWorld, records, runClean, runThread } from './world-support.js';

describe('SimDisk durability on a node crash', () => {
  it('keeps fsynced content and loses content written after the last fsync', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/q/a', 'v1');
      yield* d.fsync('/q/a');
      yield* d.fsyncDir('/q');
      yield* d.writeFile('/q/a', 'v2');
      yield* d.appendFile('/q/a', '+more');
      const before = yield* d.readFile('/q/a');
      w.processes.crashNode('n1');
      return { before, after: yield* d.readFile('/q/a') };
    });
    expect(value).toEqual({ before: 'v2+more', after: 'v1' });
  });

  it('loses a new file whose directory was never fsynced, even if the file itself was', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/q/new', 'data');
      yield* d.fsync('/q/new');
      w.processes.crashNode('n1');
      return yield* d.exists('/q/new');
    });
    expect(value).toBe(false);
  });

  it('loses a rename whose directory was not fsynced: the old content stays under the target name', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/q/job-1', 'old');
      yield* d.fsync('/q/job-1');
      yield* d.fsyncDir('/q');
      // The atomic-write idiom without the final directory fsync.
      yield* d.writeFile('/q/job-1.tmp', 'new');
      yield* d.fsync('/q/job-1.tmp');
      yield* d.rename('/q/job-1.tmp', '/q/job-1');
      const cached = yield* d.readFile('/q/job-1');
      w.processes.crashNode('n1');
      return { cached, after: yield* d.readFile('/q/job-1'), tmp: yield* d.exists('/q/job-1.tmp') };
    });
    expect(value).toEqual({ cached: 'new', after: 'old', tmp: false });
  });

  it('keeps a rename once its directory is fsynced', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/q/job-1.tmp', 'new');
      yield* d.fsync('/q/job-1.tmp');
      yield* d.rename('/q/job-1.tmp', '/q/job-1');
      yield* d.fsyncDir('/q');
      w.processes.crashNode('n1');
      return { after: yield* d.readFile('/q/job-1'), names: yield* d.list('/q') };
    });
    expect(value).toEqual({ after: 'new', names: ['job-1'] });
  });

  it('makes each side of a cross-directory rename durable only with its own directory', () => {
    const outcome = (sync: readonly string[]) => {
      const w = makeWorld();
      const d = w.disk('n1');
      return runThread(w, function* () {
        yield* d.writeFile('/q/job-7', 'j');
        yield* d.fsync('/q/job-7');
        yield* d.fsyncDir('/q');
        yield* d.rename('/q/job-7', '/q/archive/0/job-7');
        for (const dir of sync) yield* d.fsyncDir(dir);
        w.processes.crashNode('n1');
        return { live: yield* d.exists('/q/job-7'), archived: yield* d.exists('/q/archive/0/job-7') };
      }).value;
    };
    expect(outcome([])).toEqual({ live: true, archived: false });
    expect(outcome(['/q/archive/0'])).toEqual({ live: true, archived: true });
    expect(outcome(['/q'])).toEqual({ live: false, archived: false });
    expect(outcome(['/q', '/q/archive/0'])).toEqual({ live: false, archived: true });
  });

  it('makes an unlink durable only after fsyncDir', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/q/a', 'a');
      yield* d.writeFile('/q/b', 'b');
      yield* d.fsync('/q/a');
      yield* d.fsync('/q/b');
      yield* d.fsyncDir('/q');
      yield* d.unlink('/q/a');
      yield* d.unlink('/q/b');
      yield* d.fsyncDir('/q');
      yield* d.writeFile('/q/b', 'b2'); // re-created, name not synced
      w.processes.crashNode('n1');
      return yield* d.list('/q');
    });
    expect(value).toEqual([]);
  });

  it('loses nothing when only a process crashes: the page cache belongs to the node', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const p = w.processes.startProcess('n1', 'writer', function* () {
      yield* d.writeFile('/q/a', 'unsynced');
      yield* w.sleep(1_000_000);
    });
    const { value } = runThread(w, function* () {
      yield* w.sleep(10_000);
      w.processes.crashProcess(p, 'test');
      return yield* d.readFile('/q/a');
    });
    expect(value).toBe('unsynced');
  });
});

describe('SimDisk torn writes', () => {
  it('a requested tear keeps exactly the asked prefix of the last unsynced write', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/log', 'AAAA');
      yield* d.fsync('/log');
      yield* d.fsyncDir('/');
      yield* d.appendFile('/log', 'bbbb');
      yield* d.appendFile('/log', '0123456789');
      d.tearOnNextCrash({ prefixChars: 3 });
      w.processes.crashNode('n1');
      return yield* d.readFile('/log');
    });
    // Writeback reached the last write: the earlier append persisted, the last one in part.
    expect(value).toBe('AAAAbbbb012');
  });

  it('a torn replacing write leaves a strict prefix of the new data, for every seed', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const w = makeWorld({ seed });
      const d = w.disk('n1');
      const data = 'the-new-content-of-the-file';
      const { value } = runThread(w, function* () {
        yield* d.writeFile('/q/job-1', 'old-content');
        yield* d.fsync('/q/job-1');
        yield* d.fsyncDir('/q');
        yield* d.writeFile('/q/job-1', data);
        d.tearOnNextCrash({ path: '/q/job-1' });
        w.processes.crashNode('n1');
        return yield* d.readFile('/q/job-1');
      });
      expect(data.startsWith(value)).toBe(true);
      expect(value.length).toBeLessThan(data.length);
      const tears = records(w, 'fault.tear');
      expect(tears.map((r) => r.subject)).toEqual(['/q/job-1']);
      expect(tears[0]?.fields).toEqual(['n1', value.length, data.length]);
    }
  });

  it('a prefix request at or past the write length is clamped to a strict prefix', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/f', 'x');
      yield* d.fsyncDir('/');
      yield* d.writeFile('/f', 'abc');
      d.tearOnNextCrash({ prefixChars: 99 });
      w.processes.crashNode('n1');
      return yield* d.readFile('/f');
    });
    expect(value).toBe('ab');
  });

  it('the tornWriteOnCrash rate tears the unsynced last write of every durably named file', () => {
    const w = makeWorld({ seed: 7 });
    const d = w.disk('n1');
    d.setFaultRates({ tornWriteOnCrash: 1000 });
    const { value } = runThread(w, function* () {
      for (const name of ['a', 'b']) yield* d.writeFile(`/q/${name}`, 'seed');
      yield* d.fsyncDir('/q');
      yield* d.appendFile('/q/a', 'XXXXXXXX');
      yield* d.writeFile('/q/b', 'YYYYYYYY');
      yield* d.writeFile('/q/c', 'ZZZZZZZZ'); // name not durable: nothing to tear
      w.processes.crashNode('n1');
      return [yield* d.readFile('/q/a'), yield* d.readFile('/q/b'), yield* d.exists('/q/c')] as const;
    });
    expect(value[0]).toMatch(/^seedX{0,7}$/);
    expect(value[1]).toMatch(/^Y{0,7}$/);
    expect(value[2]).toBe(false);
    expect(records(w, 'fault.tear').map((r) => r.subject)).toEqual(['/q/a', '/q/b']);
  });

  it('a tear request is spent by one crash and never touches a fully synced file', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/f', 'synced');
      yield* d.fsync('/f');
      yield* d.fsyncDir('/');
      d.tearOnNextCrash();
      w.processes.crashNode('n1');
      yield* d.writeFile('/f', 'later');
      w.processes.crashNode('n1');
      return yield* d.readFile('/f');
    });
    expect(value).toBe('synced');
    expect(records(w, 'fault.tear')).toEqual([]);
  });
});

describe('SimDisk operations', () => {
  it('lists only the files directly in a directory, sorted', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      for (const p of ['/q/job-10', '/q/job-2', '/q/archive/0/job-1', '/q/serial']) yield* d.writeFile(p, '');
      return [yield* d.list('/q'), yield* d.list('/q/'), yield* d.list('/nowhere')];
    });
    expect(value).toEqual([['job-10', 'job-2', 'serial'], ['job-10', 'job-2', 'serial'], []]);
  });

  it('reports missing files and bad paths with DiskError codes', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      return [
        yield* catching(() => d.readFile('/missing')),
        yield* catching(() => d.unlink('/missing')),
        yield* catching(() => d.rename('/missing', '/x')),
        yield* catching(() => d.fsync('/missing')),
        yield* catching(() => d.writeFile('relative', 'x')),
        yield* catching(() => d.writeFile('/a//b', 'x')),
        yield* catching(() => d.writeFile('/a/', 'x')),
      ];
    });
    const codes = value.map((e) => (e instanceof DiskError ? e.code : String(e)));
    expect(codes).toEqual(['ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'EINVAL', 'EINVAL', 'EINVAL']);
  });

  it('charges virtual time per operation: fixed cost plus a per-KiB transfer cost', () => {
    const w = makeWorld({ diskCosts: { writeUs: 50, perKiBUs: 10, fsyncUs: 2_000, readUs: 30, renameUs: 100 } });
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      const t: number[] = [w.now()];
      yield* d.writeFile('/f', 'x'.repeat(3000)); // 3 KiB started
      t.push(w.now());
      yield* d.fsync('/f');
      t.push(w.now());
      yield* d.readFile('/f');
      t.push(w.now());
      yield* d.rename('/f', '/g');
      t.push(w.now());
      return t.slice(1).map((x, i) => x - (t[i] as number));
    });
    expect(value).toEqual([80, 2_000, 60, 100]);
  });

  it('takes per-node disk costs from the world options', () => {
    const w = makeWorld({ diskCosts: { fsyncUs: 100 }, nodeDiskCosts: { slow: { fsyncUs: 9_000 } } });
    expect(w.disk('fast').costs.fsyncUs).toBe(100);
    expect(w.disk('slow').costs.fsyncUs).toBe(9_000);
    expect(() => makeWorld({ diskCosts: { fsyncUs: -1 } }).disk('n1')).toThrow(/fsyncUs/);
  });

  it('traces every write with the disk, the writing process and the size', () => {
    const w = makeWorld();
    w.processes.startProcess('n1', 'masterd', function* () {
      yield* w.disk('n1').writeFile('/q/serial', '42');
    });
    runClean(w);
    const [write] = records(w, 'disk.write');
    expect(write?.subject).toBe('/q/serial');
    expect(write?.fields.slice(0, 3)).toEqual(['n1', 'n1/masterd#1', 2]);
  });
});

describe('SimDisk injected faults', () => {
  it('fails the next N writes with EIO and leaves the file unchanged', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/f', 'v1');
      d.failNext('write', 2);
      const e1 = yield* catching(() => d.writeFile('/f', 'v2'));
      const e2 = yield* catching(() => d.appendFile('/f', '+'));
      const content = yield* d.readFile('/f');
      yield* d.writeFile('/f', 'v3');
      return { e1, e2, content, last: yield* d.readFile('/f') };
    });
    expect(value.e1).toBeInstanceOf(DiskError);
    expect((value.e1 as DiskError).code).toBe('EIO');
    expect((value.e2 as DiskError).code).toBe('EIO');
    expect(value.content).toBe('v1');
    expect(value.last).toBe('v3');
    expect(records(w, 'fault.eio')).toHaveLength(2);
  });

  it('an fsync that fails with EIO makes nothing durable', () => {
    const w = makeWorld();
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      yield* d.writeFile('/f', 'v1');
      yield* d.fsync('/f');
      yield* d.fsyncDir('/');
      yield* d.writeFile('/f', 'v2');
      d.failNext('fsync', 1);
      const err = yield* catching(() => d.fsync('/f'));
      w.processes.crashNode('n1');
      return { code: (err as DiskError).code, after: yield* d.readFile('/f') };
    });
    expect(value).toEqual({ code: 'EIO', after: 'v1' });
  });

  it('slows the next N operations by the spike', () => {
    const w = makeWorld({ diskCosts: { existsUs: 20 } });
    const d = w.disk('n1');
    const { value } = runThread(w, function* () {
      d.slowNext(5_000, 2);
      const t0 = w.now();
      for (let i = 0; i < 3; i++) yield* d.exists('/f');
      return w.now() - t0;
    });
    expect(value).toBe(3 * 20 + 2 * 5_000);
  });
});

describe('SimDisk shared mode', () => {
  it('makes writes and new names durable on return, so a node crash loses nothing', () => {
    const w = makeWorld({ sharedDisks: ['san'] });
    const san = w.disk('san');
    expect(san.mode).toBe('shared');
    w.processes.startProcess('n1', 'sanlock', function* () {
      yield* san.writeFile('/lockspace/host-1', 'ts=5');
      yield* san.rename('/lockspace/host-1', '/lockspace/host-1.lease');
      yield* w.sleep(1_000_000);
    });
    const { value } = runThread(w, function* () {
      yield* w.sleep(10_000);
      w.processes.crashNode('n1');
      return { names: yield* san.list('/lockspace'), durable: san.peekDurable('/lockspace/host-1.lease') };
    });
    expect(value).toEqual({ names: ['host-1.lease'], durable: 'ts=5' });
  });

  it('refuses a node named like a shared disk', () => {
    const w = makeWorld({ sharedDisks: [{ name: 'san', costs: { writeUs: 1 } }] });
    expect(() => w.processes.startProcess('san', 'p', function* () {})).toThrow(/shared disk/);
  });
});
