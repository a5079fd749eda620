/**
 * A LUXI client process (`gnt-job submit`, `gnt-job list`, `gnt-job archive` in a loop): it
 * submits a workload to whoever is master, records which submissions were acknowledged, then
 * polls until every acknowledged job is finalized (archiving it if asked) or its deadline
 * passes. It is the workload of the durability scenario; it changes nothing else.
 *
 * A call that fails or times out is not acknowledged: the client cannot tell whether a timed-out
 * submission created its job, exactly the uncertainty a real client has.
 *
 * Several clients may run at once (concurrent submitters), each its own process.
 *
 * Trace: `client.ack job/<id>` for every id the client received, `client.submit-failed
 * <submission> <message>`, `client.final job/<id> <status>`, `client.done <name> <pending count>`.
 */
import { JOBS_FINALIZED, type JobStatus } from '../jqueue/constants.js';
import type { SubmitJobResult } from '../jqueue/op-executor.js';
import type { Net, Proc, ProcessMain, Runtime } from '../sim/ports.js';
import { testDelayOp } from './delay-executor.js';
import { LUXI_SERVICE } from './masterd.js';

export interface ClientJob {
  /** Durations of the job's `OP_TEST_DELAY` opcodes, µs. */
  readonly opDurationsUs: readonly number[];
}

export interface ClientSubmission {
  /** `SubmitManyJobs` (any number of jobs) or `SubmitJob` (exactly one). */
  readonly many: boolean;
  readonly jobs: readonly ClientJob[];
  /** Pause before this submission, µs. */
  readonly gapUs: number;
}

export interface ClientWorkload {
  readonly submissions: readonly ClientSubmission[];
  /** Archive each job once it is finalized. */
  readonly archive: boolean;
}

export interface LuxiClientOptions {
  /** The client's name in its trace records (`client.done <name>`); default `client`. */
  readonly name?: string;
  readonly runtime: Runtime;
  readonly net: Net;
  /** The master node now (the master IP follows the master). */
  readonly masterNode: () => string;
  readonly workload: ClientWorkload;
  /** LUXI call timeout, µs (Ganeti's `LUXI_DEF_RWTO`, 60 s, by default). */
  readonly callTimeoutUs?: number;
  readonly pollIntervalUs?: number;
  /** Virtual time after which the client stops polling, µs. */
  readonly deadlineUs: number;
}

export function luxiClientMain(opts: LuxiClientOptions): ProcessMain {
  return function* (): Proc<void> {
    const client = new LuxiClient(opts);
    yield* client.run();
  };
}

class LuxiClient {
  private readonly pending: number[] = [];

  constructor(private readonly opts: LuxiClientOptions) {}

  *run(): Proc<void> {
    const { runtime: rt, workload } = this.opts;
    for (const [i, sub] of workload.submissions.entries()) {
      yield* rt.sleep(sub.gapUs);
      yield* this.submit(i, sub);
    }
    const interval = this.opts.pollIntervalUs ?? 1_000_000;
    while (this.pending.length > 0 && rt.now() < this.opts.deadlineUs) {
      yield* rt.sleep(interval);
      yield* this.poll();
    }
    rt.emit('client.done', this.opts.name ?? 'client', this.pending.length);
  }

  private *call<T>(method: string, payload: unknown): Proc<{ ok: true; value: T } | { ok: false; message: string }> {
    const r = yield* this.opts.net.call<T>({ node: this.opts.masterNode(), service: LUXI_SERVICE }, method, payload, {
      timeoutUs: this.opts.callTimeoutUs ?? 60_000_000,
    });
    return r.ok ? { ok: true, value: r.value } : { ok: false, message: r.message };
  }

  private *submit(index: number, sub: ClientSubmission): Proc<void> {
    const rt = this.opts.runtime;
    const jobs = sub.jobs.map((j) => j.opDurationsUs.map((us) => testDelayOp(us / 1_000_000)));
    if (!sub.many) {
      const r = yield* this.call<number>('SubmitJob', { ops: jobs[0] ?? [] });
      if (r.ok) this.acknowledge(r.value);
      else rt.emit('client.submit-failed', `submission/${index}`, r.message);
      return;
    }
    const r = yield* this.call<SubmitJobResult[]>('SubmitManyJobs', { jobs });
    if (!r.ok) {
      rt.emit('client.submit-failed', `submission/${index}`, r.message);
      return;
    }
    for (const [ok, value] of r.value) {
      if (ok) this.acknowledge(value as number);
      else rt.emit('client.submit-failed', `submission/${index}`, String(value));
    }
  }

  private acknowledge(id: number): void {
    this.opts.runtime.emit('client.ack', `job/${id}`);
    this.pending.push(id);
  }

  private *poll(): Proc<void> {
    const rt = this.opts.runtime;
    const r = yield* this.call<(unknown[] | null)[]>('QueryJobs', {
      job_ids: this.pending.slice(),
      fields: ['id', 'status'],
    });
    if (!r.ok) return;
    for (const row of r.value) {
      if (!row) continue;
      const [id, status] = row as [number, JobStatus];
      if (!JOBS_FINALIZED.has(status)) continue;
      if (this.opts.workload.archive) {
        const a = yield* this.call<boolean>('ArchiveJob', { job_id: id });
        if (!a.ok) continue;
      }
      rt.emit('client.final', `job/${id}`, status);
      this.pending.splice(this.pending.indexOf(id), 1);
    }
  }
}
