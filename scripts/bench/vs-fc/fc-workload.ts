/**
 * The comparison workloads as fast-check users write them (toolchain §6(b)): async jobs over a
 * promise-based lock, every lock acquire and work step awaiting a promise the scheduler of
 * `fc.scheduler()` releases in an order it chooses. A run fails when the scheduler is idle and
 * some job has not finished: a deadlock.
 *
 * The jobs follow the same `LockWorkload` data as gnt-sim's minimal lock (test/support/
 * lock-cycles.ts): the same locks, taken in the same order, with the same probes, extra steps
 * and work steps, so both sides search the same interleavings.
 */
import fc from 'fast-check';
import { type LockWorkload, lockOrder, type WorkloadJob } from '../../../test/support/lock-cycles.js';

/** What the last run did: tasks released by the scheduler, by job, and the preemptions among them. */
export interface RunLog {
  steps: number;
  preemptions: number;
}

class AsyncLock {
  private readonly holders = new Set<string>();
  private exclusive = false;
  private waiters: Array<() => void> = [];

  private free(shared: boolean): boolean {
    return this.holders.size === 0 || (shared && !this.exclusive);
  }

  async take(who: string, shared: boolean): Promise<void> {
    while (!this.free(shared)) await new Promise<void>((wake) => this.waiters.push(wake));
    this.holders.add(who);
    this.exclusive = !shared;
  }

  release(who: string): void {
    this.holders.delete(who);
    if (this.holders.size === 0) this.exclusive = false;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}

/** One run: the jobs started together, then the scheduler drained; true when all finished. */
async function runWorkload(s: fc.Scheduler, w: LockWorkload, log: RunLog): Promise<boolean> {
  const locks = new Map<string, AsyncLock>();
  for (const n of [...w.instances, ...w.nodes]) locks.set(n, new AsyncLock());
  const lock = (n: string) => locks.get(n) as AsyncLock;
  // Preemptions as gnt-sim counts them: the scheduler released another job's task while the job
  // that ran last had a task of its own waiting (it could have continued).
  const pending = new Map<string, number>();
  let last: string | null = null;
  const step = async (who: string, label: string) => {
    pending.set(who, (pending.get(who) ?? 0) + 1);
    await s.schedule(Promise.resolve(), `${who} ${label}`);
    pending.set(who, (pending.get(who) ?? 1) - 1);
    log.steps++;
    if (last !== null && last !== who && (pending.get(last) ?? 0) > 0) log.preemptions++;
    last = who;
  };
  const job = async (j: WorkloadJob) => {
    for (let i = 0; i < j.extraSteps; i++) await step(j.name, 'extra step');
    for (const p of j.probes) {
      await step(j.name, `probe ${p}`);
      await lock(p).take(j.name, false);
      lock(p).release(j.name);
    }
    const held: string[] = [];
    for (const a of j.acquisitions) {
      for (const n of lockOrder(a)) {
        await step(j.name, `acquire ${n}`);
        await lock(n).take(j.name, a.shared);
        held.push(n);
      }
    }
    for (let i = 0; i < j.workSteps; i++) await step(j.name, 'work');
    for (const n of held.reverse()) lock(n).release(j.name);
  };
  let finished = 0;
  for (const j of w.jobs) void job(j).then(() => finished++);
  await s.waitIdle();
  return finished === w.jobs.length;
}

/** The property: no interleaving the scheduler picks leaves a job stuck. */
export function deadlockFreedom(
  w: LockWorkload,
  onRun: (ok: boolean, log: RunLog) => void,
): fc.IAsyncPropertyWithHooks<[fc.Scheduler]> {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const log: RunLog = { steps: 0, preemptions: 0 };
    const ok = await runWorkload(s, w, log);
    onRun(ok, log);
    return ok;
  });
}
