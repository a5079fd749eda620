/** The worker pool (spec §5.17): priority order, FIFO within a priority, defer, priority changes, idle workers. */
import { describe, expect, it } from 'vitest';
import { DeferTask, NoSuchTask, type PoolWorker, WorkerPool } from '../../../src/jqueue/worker-pool.js';
import { isEvent } from '../../../src/sim/events.js';
import type { Kernel } from '../../../src/sim/kernel.js';
import type { Proc } from '../../../src/sim/ports.js';
import { Simulation } from '../../../src/sim/simulation.js';

interface Task {
  readonly name: string;
  /** Priorities to defer with, one per run; null = same priority. */
  defers?: (number | null)[];
  readonly durationUs?: number;
}

/** Builds a pool whose tasks record their start order; `fill` queues tasks before the workers run. */
function runPool(
  workers: number,
  fill: (pool: WorkerPool<Task>, sim: Kernel) => void,
  opts: { seed?: number; during?: (pool: WorkerPool<Task>, sim: Kernel) => Proc<void> } = {},
) {
  const sim = Simulation.create({ seed: opts.seed ?? 1 });
  const order: string[] = [];
  let pool: WorkerPool<Task> | null = null;
  sim.spawn('setup', function* () {
    pool = new WorkerPool<Task>(sim, {
      name: 'Jq',
      workers,
      *runTask(_w: PoolWorker<Task>, task: Task): Proc<void> {
        order.push(task.name);
        yield* sim.sleep(task.durationUs ?? 10);
        const d = task.defers?.shift();
        if (d !== undefined) throw new DeferTask(d);
      },
    });
    fill(pool, sim);
    if (opts.during) yield* opts.during(pool, sim);
  });
  const r = sim.run();
  return { order, outcome: r.outcome, pool: pool as unknown as WorkerPool<Task>, sim, result: r };
}

describe('WorkerPool', () => {
  it('hands out tasks by priority (lower value first)', () => {
    const { order, outcome } = runPool(1, (pool) => {
      pool.addTask({ name: 'p10' }, 10);
      pool.addTask({ name: 'p0' }, 0);
      pool.addTask({ name: 'p-20' }, -20);
      pool.addTask({ name: 'p19' }, 19);
      pool.addTask({ name: 'p-10' }, -10);
    });
    expect(order).toEqual(['p-20', 'p-10', 'p0', 'p10', 'p19']);
    expect(outcome.kind).toBe('quiescent');
  });

  it('is FIFO within a priority', () => {
    const { order } = runPool(1, (pool) => {
      for (let i = 0; i < 6; i++) pool.addTask({ name: `a${i}` }, i % 2 === 0 ? 0 : 5);
      pool.addManyTasks([{ name: 'b0' }, { name: 'b1' }], 0);
    });
    expect(order).toEqual(['a0', 'a2', 'a4', 'b0', 'b1', 'a1', 'a3', 'a5']);
  });

  it('defer re-adds the task behind tasks of equal priority (new sequence number)', () => {
    const { order } = runPool(1, (pool) => {
      pool.addTask({ name: 'x', defers: [null] }, 0, 1);
      pool.addTask({ name: 'y' }, 0, 2);
      pool.addTask({ name: 'z' }, 0, 3);
    });
    expect(order).toEqual(['x', 'y', 'z', 'x']);
  });

  it('defer with a priority re-adds the task at that priority', () => {
    const { order } = runPool(1, (pool) => {
      pool.addTask({ name: 'x', defers: [-5] }, 0, 1);
      pool.addTask({ name: 'y' }, 0, 2);
      pool.addTask({ name: 'z' }, 0, 3);
    });
    expect(order).toEqual(['x', 'x', 'y', 'z']);
  });

  it('changeTaskPriority moves a queued task and keeps its sequence number', () => {
    const { order } = runPool(1, (pool) => {
      pool.addTask({ name: 'a' }, 5, 1);
      pool.addTask({ name: 'b' }, 0, 2);
      pool.addTask({ name: 'c' }, 5, 3);
      pool.addTask({ name: 'd' }, 0, 4);
      pool.changeTaskPriority(3, 0); // c keeps seq 2: ahead of d (seq 3), behind b (seq 1)
      pool.changeTaskPriority(1, 10);
      expect(pool.pendingTasks().map((t) => [t.args.name, t.priority, t.seq])).toEqual([
        ['b', 0, 1],
        ['c', 0, 2],
        ['d', 0, 3],
        ['a', 10, 0],
      ]);
    });
    expect(order).toEqual(['b', 'c', 'd', 'a']);
  });

  it('changeTaskPriority throws NoSuchTask for a task that is running or unknown', () => {
    const seen: unknown[] = [];
    runPool(
      1,
      (pool) => {
        pool.addTask({ name: 'long', durationUs: 1000 }, 0, 7);
      },
      {
        *during(pool, sim) {
          yield* sim.sleep(10); // the worker has picked task 7 by now
          expect(pool.runningTasks().map((t) => t.args.name)).toEqual(['long']);
          for (const id of [7, 8]) {
            try {
              pool.changeTaskPriority(id, -10);
            } catch (e) {
              seen.push(e);
            }
          }
        },
      },
    );
    expect(seen.length).toBe(2);
    expect(seen.every((e) => e instanceof NoSuchTask)).toBe(true);
    expect((seen[0] as Error).message).toBe("Task '7' was not found");
  });

  it('a task id may be queued once at a time', () => {
    expect(() =>
      runPool(0, (pool) => {
        pool.addTask({ name: 'a' }, 0, 1);
        pool.addTask({ name: 'b' }, 0, 1);
      }),
    ).not.toThrow();
    const { outcome } = runPool(0, (pool) => {
      pool.addTask({ name: 'a' }, 0, 1);
      pool.addTask({ name: 'b' }, 0, 1);
    });
    expect(outcome.kind).toBe('exception');
  });

  it('an inactive pool hands out nothing until activated again', () => {
    const { order } = runPool(
      2,
      (pool) => {
        pool.setActive(false);
        pool.addTask({ name: 'a' }, 0);
      },
      {
        *during(pool, sim) {
          yield* sim.sleep(1000);
          expect(pool.pendingTasks().length).toBe(1);
          pool.setActive(true);
        },
      },
    );
    expect(order).toEqual(['a']);
  });

  it('defaults to 25 workers named Jq1..Jq25 that wait idly (the run is quiescent, not deadlocked)', () => {
    const { pool, outcome } = runPool(25, () => {});
    expect(pool.workerCount).toBe(25);
    expect(pool.listWorkers().map((w) => w.name)).toEqual(Array.from({ length: 25 }, (_, i) => `Jq${i + 1}`));
    expect(outcome.kind).toBe('quiescent');
    const sim = Simulation.create({ seed: 1 });
    sim.spawn('setup', function* () {
      const p = new WorkerPool<Task>(sim, { name: 'Jq', *runTask() {} });
      expect(p.workerCount).toBe(25);
      yield* sim.yieldNow();
    });
    expect(sim.run().outcome.kind).toBe('quiescent');
  });

  it('runs tasks in parallel on several workers; quiesce waits for all; terminateWorkers ends every worker', () => {
    const { order, outcome, result } = runPool(
      3,
      (pool) => {
        for (let i = 0; i < 6; i++) pool.addTask({ name: `t${i}`, durationUs: 1000 }, 0);
      },
      {
        *during(pool, sim) {
          yield* pool.quiesce();
          expect(sim.now()).toBe(2000); // 6 tasks of 1 ms on 3 workers
          yield* pool.terminateWorkers();
          expect(pool.workerCount).toBe(0);
        },
      },
    );
    expect(order).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(outcome.kind).toBe('completed');
    expect(result.timeUs).toBe(2000);
  });

  it('a worker shows its task name while running (Jq3/Job42/I_STARTUP) and its plain name afterwards', () => {
    const names: string[] = [];
    const sim = Simulation.create({ seed: 1 });
    let pool!: WorkerPool<number>;
    sim.spawn('setup', function* () {
      pool = new WorkerPool<number>(sim, {
        name: 'Jq',
        workers: 1,
        *runTask(w, jobId) {
          w.setTaskName(`Job${jobId}/I_STARTUP`);
          names.push(w.displayName);
          yield* sim.sleep(1);
        },
      });
      pool.addTask(42, 0, 42);
      yield* sim.yieldNow();
    });
    sim.run();
    expect(names).toEqual(['Jq1/Job42/I_STARTUP']);
    expect(pool.listWorkers()[0]?.displayName).toBe('Jq1');
  });

  it('is deterministic under a random schedule: same seed, same order and trace hash', () => {
    const go = (seed: number) => {
      const sim = Simulation.create({ seed, strategy: { kind: 'random' } });
      const order: number[] = [];
      const deferred = new Set<number>();
      let outcome = '';
      sim.spawn('setup', function* () {
        const pool = new WorkerPool<number>(sim, {
          name: 'Jq',
          workers: 4,
          *runTask(_w, n) {
            order.push(n);
            yield* sim.sleep(sim.rng('workload').between(1, 50));
            if (n % 3 === 0 && !deferred.has(n)) {
              deferred.add(n);
              throw new DeferTask(n % 2 === 0 ? -1 : null);
            }
          },
        });
        for (let i = 0; i < 12; i++) pool.addTask(i, i % 4, i);
        yield* sim.yieldNow();
      });
      const r = sim.run();
      outcome = r.outcome.kind;
      return { order, hash: r.traceHash, outcome };
    };
    const a = go(5);
    expect(a.outcome).toBe('quiescent');
    expect(a.order.length).toBe(16);
    expect(go(5)).toEqual(a);
  });
});

describe('WorkerPool pick order (property)', () => {
  type Step =
    | { readonly kind: 'add'; readonly priority: number }
    | { readonly kind: 'change'; readonly pick: number; readonly priority: number }
    | { readonly kind: 'sleep'; readonly us: number };

  it('every pick takes the queued task with the lowest (priority, sequence), under random schedules', async () => {
    const fc = (await import('fast-check')).default;
    const stepArb: import('fast-check').Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), priority: fc.integer({ min: -20, max: 19 }) }),
      fc.record({
        kind: fc.constant('change' as const),
        pick: fc.nat(30),
        priority: fc.integer({ min: -20, max: 19 }),
      }),
      fc.record({ kind: fc.constant('sleep' as const), us: fc.integer({ min: 0, max: 40 }) }),
    );
    let picks = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (steps, workers, seed) => {
          const sim = Simulation.create({ seed, strategy: { kind: 'random' } });
          const deferred = new Set<number>();
          sim.spawn('driver', function* () {
            const pool = new WorkerPool<number>(sim, {
              name: 'Jq',
              workers,
              *runTask(_w, id) {
                yield* sim.sleep(sim.rng('workload').between(0, 30));
                if (id % 4 === 0 && !deferred.has(id)) {
                  deferred.add(id);
                  throw new DeferTask(id % 8 === 0 ? null : -3);
                }
              },
            });
            let nextId = 0;
            for (const s of steps) {
              if (s.kind === 'add') pool.addTask(nextId, s.priority, nextId++);
              else if (s.kind === 'sleep') yield* sim.sleep(s.us);
              else {
                const queued = pool.pendingTasks();
                const t = queued[s.pick % Math.max(1, queued.length)];
                if (t && t.taskId !== null) pool.changeTaskPriority(t.taskId, s.priority);
              }
            }
          });
          const r = sim.run();
          expect(r.outcome.kind).toBe('quiescent');
          // Replay the pool's trace events: each pick must be the minimum of the live entries.
          const live = new Map<number, number>(); // seq -> priority
          for (const rec of r.trace.snapshot()) {
            if (isEvent(rec, 'pool.add') || isEvent(rec, 'pool.reprioritize')) {
              const [, priority, seq] = rec.fields;
              live.set(seq, priority);
            } else if (isEvent(rec, 'pool.pick')) {
              const [, prio, seq] = rec.fields;
              for (const [s, p] of live) {
                expect(p < prio || (p === prio && s < seq)).toBe(false);
              }
              expect(live.get(seq)).toBe(prio);
              live.delete(seq);
              picks++;
            }
          }
          expect(live.size).toBe(0);
        },
      ),
      { seed: 42, numRuns: 150 },
    );
    expect(picks).toBeGreaterThan(200);
  });
});
