/**
 * Property: whatever sequence of disk operations ran and wherever the node crashed, every file
 * whose content was fsynced and whose name was made durable by fsyncing its directory (and not
 * changed since) reads back exactly its last synced content, and every name whose removal (or
 * absence) was made durable is gone. Torn writes are switched on in half of the runs: they may
 * only ever hit data that was not synced.
 *
 * The oracle is a small model of names and inodes, written from the rules in `disk.ts`'s header,
 * not from its code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SimDisk } from '../../../src/sim/disk.js';
import type { Proc } from '../../../src/sim/ports.js';
import { makeWorld, runThread } from './world-support.js';

const DIRS = ['/a', '/b'] as const;
const NAMES = ['f0', 'f1'] as const;
const PATHS = DIRS.flatMap((d) => NAMES.map((n) => `${d}/${n}`));

type Op =
  | { readonly op: 'write' | 'append'; readonly path: string; readonly data: string }
  | { readonly op: 'fsync' | 'unlink'; readonly path: string }
  | { readonly op: 'fsyncDir'; readonly dir: string }
  | { readonly op: 'rename'; readonly path: string; readonly to: string };

const pathArb = fc.constantFrom(...PATHS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('write' as const), path: pathArb, data: fc.string({ maxLength: 6 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('append' as const), path: pathArb, data: fc.string({ maxLength: 6 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fsync' as const), path: pathArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fsyncDir' as const), dir: fc.constantFrom(...DIRS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), path: pathArb, to: pathArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unlink' as const), path: pathArb }) },
);

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** The oracle: cached and durable name bindings to inode ids, and per inode its content and whether it is synced. */
class Model {
  readonly cached = new Map<string, number>();
  readonly durable = new Map<string, number>();
  readonly inodes = new Map<number, { content: string; dirty: boolean }>();
  private nextId = 1;

  apply(o: Op): void {
    switch (o.op) {
      case 'write':
      case 'append': {
        let id = this.cached.get(o.path);
        if (id === undefined) {
          id = this.nextId++;
          this.cached.set(o.path, id);
          this.inodes.set(id, { content: '', dirty: false });
        }
        const inode = this.inodes.get(id)!;
        inode.content = o.op === 'append' ? inode.content + o.data : o.data;
        inode.dirty = true;
        return;
      }
      case 'fsync': {
        const id = this.cached.get(o.path);
        if (id !== undefined) this.inodes.get(id)!.dirty = false;
        return;
      }
      case 'fsyncDir':
        for (const p of PATHS) {
          if (dirOf(p) !== o.dir) continue;
          const id = this.cached.get(p);
          if (id === undefined) this.durable.delete(p);
          else this.durable.set(p, id);
        }
        return;
      case 'rename': {
        const id = this.cached.get(o.path);
        if (id === undefined || o.path === o.to) return;
        this.cached.delete(o.path);
        this.cached.set(o.to, id);
        return;
      }
      case 'unlink':
        this.cached.delete(o.path);
        return;
    }
  }

  /** What a crash must preserve: path -> content (stable file) or null (stably absent). */
  guaranteed(): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const p of PATHS) {
      const c = this.cached.get(p);
      const d = this.durable.get(p);
      if (c === undefined && d === undefined) out.set(p, null);
      else if (c !== undefined && c === d && !this.inodes.get(c)!.dirty) out.set(p, this.inodes.get(c)!.content);
    }
    return out;
  }
}

function* runOp(d: SimDisk, o: Op): Proc<void> {
  switch (o.op) {
    case 'write':
      return yield* d.writeFile(o.path, o.data);
    case 'append':
      return yield* d.appendFile(o.path, o.data);
    case 'fsync':
      if (d.peek(o.path) !== undefined) yield* d.fsync(o.path);
      return;
    case 'fsyncDir':
      return yield* d.fsyncDir(o.dir);
    case 'rename':
      if (d.peek(o.path) !== undefined) yield* d.rename(o.path, o.to);
      return;
    case 'unlink':
      if (d.peek(o.path) !== undefined) yield* d.unlink(o.path);
      return;
  }
}

describe('SimDisk crash property', () => {
  it('after a crash at any point, every fsynced and dir-fsynced file has exactly its last synced content', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 30 }),
        fc.nat({ max: 30 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1_000_000 }),
        (ops, crashAt, tear, seed) => {
          const crashIndex = Math.min(crashAt, ops.length);
          const w = makeWorld({ seed });
          const d = w.disk('n1');
          if (tear) d.setFaultRates({ tornWriteOnCrash: 1000 });
          const model = new Model();
          const { value: after } = runThread(w, function* () {
            for (const o of ops.slice(0, crashIndex)) {
              yield* runOp(d, o);
              model.apply(o);
            }
            expect(d.paths()).toEqual([...model.cached.keys()].sort());
            w.processes.crashNode('n1');
            const seen = new Map<string, string | null>();
            for (const p of PATHS) seen.set(p, (yield* d.exists(p)) ? yield* d.readFile(p) : null);
            return seen;
          });
          for (const [path, expected] of model.guaranteed()) {
            expect({ path, content: after.get(path) }).toEqual({ path, content: expected });
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
