/**
 * The Ganeti oracle: one long-lived `/usr/bin/python3` process running `driver/ganeti_oracle.py`
 * against Ganeti 3.0's own modules, fed programs as JSON lines. Batching many programs into one
 * process pays Python's and Ganeti's start-up once; requests are pipelined (all written at once,
 * answers matched by id), so Python works while gnt-sim's side runs.
 *
 * Availability. `oracleStatus()` installs what is missing (`driver/install-oracle.sh`: Debian's
 * python3 packages when root, the ganeti-3.0 package unpacked into `.cache/ganeti-oracle/`) and
 * checks that the driver imports Ganeti. When that is impossible the differential tests skip with
 * one message, except under CI (`CI` set), where a missing oracle is a failure.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DRIVER = join(here, 'driver', 'ganeti_oracle.py');
const INSTALL = join(here, 'driver', 'install-oracle.sh');
/** Debian's interpreter: the one Debian's python3-* packages are built for (not a pyenv on PATH). */
export const PYTHON = '/usr/bin/python3';

/** What one step of a program showed: plain JSON, compared after normalisation. */
export type Observation = Record<string, unknown>;

export type ComponentName = 'shared-lock' | 'job-status' | 'job-processor' | 'dependency-manager';

export type OracleStatus =
  | { readonly ok: true; readonly pythonPath: string; readonly ganeti: string }
  | { readonly ok: false; readonly reason: string };

let statusMemo: OracleStatus | null = null;

/** Installs the oracle if needed (once per process) and says whether it can run. */
export function oracleStatus(): OracleStatus {
  if (statusMemo) return statusMemo;
  statusMemo = probe();
  return statusMemo;
}

function probe(): OracleStatus {
  const install = spawnSync('bash', [INSTALL], { encoding: 'utf8', timeout: 600_000 });
  if (install.status !== 0) {
    const why = (install.stderr || install.error?.message || 'unknown error').trim().split('\n').slice(-3).join(' ');
    return { ok: false, reason: `cannot install the Ganeti oracle (${why})` };
  }
  const pythonPath = install.stdout.trim().split('\n').pop() ?? '';
  const check = spawnSync(PYTHON, [DRIVER, '--check'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: pythonPath },
    timeout: 60_000,
  });
  if (check.status !== 0) {
    return { ok: false, reason: `${PYTHON} cannot import Ganeti 3.0: ${check.stderr.trim().split('\n').pop()}` };
  }
  const info = JSON.parse(check.stdout) as { debug: boolean; ganeti: string };
  // Ganeti's sanity checks are asserts; under -O they vanish and the comparison would be wrong.
  if (!info.debug) return { ok: false, reason: `${PYTHON} runs with -O: Ganeti's asserts are off` };
  return { ok: true, pythonPath, ganeti: info.ganeti };
}

/**
 * Whether the differential tests must skip: only when the oracle is unavailable and this is not
 * CI. Under CI an unavailable oracle throws, so the suite fails instead of skipping.
 */
export function skipReason(): string | null {
  const s = oracleStatus();
  if (s.ok) return null;
  if (process.env.CI) throw new Error(`differential tests cannot run in CI: ${s.reason}`);
  return `differential oracle unavailable, skipped: ${s.reason}`;
}

interface Pending {
  resolve(obs: Observation[]): void;
  reject(err: Error): void;
}

export class GanetiOracle {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private exited: Error | null = null;

  private constructor(pythonPath: string) {
    this.proc = spawn(PYTHON, [DRIVER], { env: { ...process.env, PYTHONPATH: pythonPath } });
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.onLine(line));
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc.on('exit', (code) => {
      this.exited = new Error(`Ganeti oracle exited (${code}): ${this.stderr.trim()}`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  /** Starts the driver; throws when the oracle is unavailable (call `skipReason()` first). */
  static start(): GanetiOracle {
    const s = oracleStatus();
    if (!s.ok) throw new Error(s.reason);
    return new GanetiOracle(s.pythonPath);
  }

  /** Runs one program; its observations, step by step. */
  run(component: ComponentName, program: unknown): Promise<Observation[]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin.write(`${JSON.stringify({ id, component, program })}\n`);
    });
  }

  /** Runs many programs, pipelined through the one process. */
  runAll(component: ComponentName, programs: readonly unknown[]): Promise<Observation[][]> {
    return Promise.all(programs.map((p) => this.run(component, p)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve();
      this.proc.on('exit', () => resolve());
      this.proc.stdin.end();
    });
  }

  private onLine(line: string): void {
    const msg = JSON.parse(line) as { id: number; observations?: Observation[]; error?: string };
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(`Ganeti oracle failed on a program:\n${msg.error}`));
    else p.resolve(msg.observations ?? []);
  }
}
