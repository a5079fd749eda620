import type { SearchSummary } from '../explore/coordinator.js';
import type { Output } from './output.js';

/**
 * The progress line (on a terminal only): runs done, runs per second counting the time spent in
 * runs only (not in shrinking), findings, and "shrinking finding at run N" while one is shrunk.
 */
export class SearchProgress {
  private readonly t0: number;
  private done = 0;
  private found = 0;
  /** Runs whose finding is being shrunk right now. */
  private readonly shrinkingRuns = new Set<number>();
  private shrinkingSince = 0;
  private shrinkingMs = 0;
  private readonly timer: ReturnType<typeof setInterval> | null;

  constructor(
    private readonly out: Output,
    /** Wall clock in milliseconds (injected by tests). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
    this.timer = out.tty ? setInterval(() => this.draw(), 250) : null;
    this.timer?.unref();
  }

  shrinking(run: number): void {
    if (this.shrinkingRuns.size === 0) this.shrinkingSince = this.now();
    this.shrinkingRuns.add(run);
    this.draw();
  }

  runDone(run: number, found: boolean): void {
    this.done++;
    if (found) this.found++;
    if (this.shrinkingRuns.delete(run) && this.shrinkingRuns.size === 0) {
      this.shrinkingMs += this.now() - this.shrinkingSince;
    }
    this.draw();
  }

  private runSeconds(): number {
    const now = this.now();
    const shrinking = this.shrinkingMs + (this.shrinkingRuns.size > 0 ? now - this.shrinkingSince : 0);
    return Math.max(now - this.t0 - shrinking, 1) / 1000;
  }

  /** Runs per second over the time no finding was being shrunk. */
  runsPerSecond(s: SearchSummary): number {
    const shrinkingSeconds = this.shrinkingMs / 1000;
    return s.runsDone / Math.max(s.durationMs / 1000 - shrinkingSeconds, 1e-3);
  }

  private draw(): void {
    const rate = `${(this.done / this.runSeconds()).toFixed(1)} runs/s`;
    const shrinking = [...this.shrinkingRuns].sort((a, b) => a - b)[0];
    const state = shrinking !== undefined ? `shrinking finding at run ${shrinking}` : `findings ${this.found}`;
    this.out.progress(`runs ${this.done}  ${rate}  ${state}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.out.endProgress();
  }
}
