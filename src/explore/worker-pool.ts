/**
 * Worker threads under a watchdog. Runs execute in workers so that a run that never yields (a
 * synchronous loop) or exhausts its memory costs a worker, never the search: each worker has a
 * V8 heap limit (`resourceLimits`), and while it serves a request the main thread watches its
 * heartbeat (a shared counter the worker bumps before every execution). A worker silent for
 * longer than the run timeout is terminated and the request ends as a `hang`; one that hits its
 * heap limit ends it as an `oom`. The pool then starts a fresh worker for the next request.
 *
 * Workers are kept between requests (idle ones do not keep the process alive) so that their
 * loaded scenario modules are reused; `close()` ends them.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface WatchdogLimits {
  /** Wall-clock milliseconds one execution may take before the next one must start. */
  readonly runTimeoutMs: number;
  /** A worker's V8 old-generation heap, in megabytes. */
  readonly memoryMb: number;
}

/** The defaults of `--run-timeout` and `--run-memory`. */
export const DEFAULT_WATCHDOG: WatchdogLimits = { runTimeoutMs: 30_000, memoryMb: 2048 };

/**
 * Until a worker first beats for a request it may be loading the scenario module (compiling
 * TypeScript on a busy machine): that gets this long, or the run timeout if longer.
 */
const STARTUP_GRACE_MS = 120_000;

/** How a request ended. */
export type TaskEnd =
  | { readonly kind: 'done' }
  | { readonly kind: 'hang'; readonly silentMs: number }
  | { readonly kind: 'oom' }
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'crash'; readonly message: string };

export class WatchedWorker {
  private readonly worker: Worker;
  private readonly beats: Int32Array;
  private busy = false;
  /** Terminated, crashed or exited: not to be used again. */
  dead = false;
  private onEnd: ((end: TaskEnd) => void) | null = null;

  constructor(
    url: URL,
    readonly memoryMb: number,
  ) {
    const heartbeat = new SharedArrayBuffer(4);
    this.beats = new Int32Array(heartbeat);
    this.worker = new Worker(url, {
      workerData: { heartbeat } satisfies WorkerInit,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    });
    this.worker.on('error', (e: NodeJS.ErrnoException) => {
      this.dead = true;
      this.end(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'oom' } : { kind: 'crash', message: e.message });
    });
    this.worker.on('exit', (code) => {
      this.dead = true;
      this.end({ kind: 'exit', code });
    });
  }

  private end(e: TaskEnd): void {
    const f = this.onEnd;
    this.onEnd = null;
    f?.(e);
  }

  /**
   * Sends `request` and passes every reply to `onReply`, which returns true on the reply that
   * completes the request. Resolves with how the request ended; a hang terminates the worker.
   */
  request(request: WorkerRequest, onReply: (m: WorkerReply) => boolean, runTimeoutMs: number): Promise<TaskEnd> {
    if (this.busy || this.dead) throw new Error('WatchedWorker.request: the worker is busy or dead');
    this.busy = true;
    this.worker.ref();
    return new Promise<TaskEnd>((resolve) => {
      let last = Atomics.load(this.beats, 0);
      let beaten = false;
      let lastChange = performance.now();
      const poll = Math.min(1000, Math.max(50, Math.floor(runTimeoutMs / 4)));
      const timer = setInterval(() => {
        const now = performance.now();
        const b = Atomics.load(this.beats, 0);
        if (b !== last) {
          last = b;
          beaten = true;
          lastChange = now;
          return;
        }
        const limit = beaten ? runTimeoutMs : Math.max(runTimeoutMs, STARTUP_GRACE_MS);
        if (now - lastChange >= limit) {
          this.dead = true;
          this.end({ kind: 'hang', silentMs: Math.round(now - lastChange) });
          void this.worker.terminate();
        }
      }, poll);
      const onMessage = (m: WorkerReply) => {
        if (onReply(m)) this.end({ kind: 'done' });
      };
      this.worker.on('message', onMessage);
      this.onEnd = (e) => {
        clearInterval(timer);
        this.worker.off('message', onMessage);
        this.busy = false;
        if (!this.dead) this.worker.unref();
        resolve(e);
      };
      this.worker.postMessage(request);
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }

  unref(): void {
    this.worker.unref();
  }
}

export class WorkerPool {
  private readonly idle: WatchedWorker[] = [];
  private closed = false;

  constructor(private readonly url: URL) {}

  /** An idle worker with this heap limit, or a new one. */
  acquire(memoryMb: number): WatchedWorker {
    if (this.closed) throw new Error('WorkerPool.acquire: the pool is closed');
    const i = this.idle.findIndex((w) => w.memoryMb === memoryMb && !w.dead);
    if (i >= 0) return this.idle.splice(i, 1)[0] as WatchedWorker;
    return new WatchedWorker(this.url, memoryMb);
  }

  /** Back to the pool when still usable; a dead one is dropped. */
  release(w: WatchedWorker): void {
    if (w.dead) return;
    if (this.closed) {
      void w.terminate();
      return;
    }
    w.unref();
    this.idle.push(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
