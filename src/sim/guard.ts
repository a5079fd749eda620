/**
 * The determinism guard. While a run is in progress, every global source of real time, real
 * randomness or real asynchrony is replaced by a trap that reports the caller and throws, and so
 * are the ways out of the simulation into the real process (`process.exit`, `process.abort`,
 * `process.kill`): a simulated system that ends the process would otherwise end the search with
 * it, exit code 0 included. The kernel turns the first hit into a `nondeterminism` outcome even
 * if the simulated code catches the error. Everything is restored when the run ends, whatever
 * way it ends.
 */

export class NondeterminismError extends Error {
  constructor(
    readonly api: string,
    readonly caller: string,
  ) {
    super(`nondeterministic call inside a simulation: ${api} (at ${caller})`);
    this.name = 'NondeterminismError';
  }
}

type Restore = () => void;

/** First stack frame outside this file: the code that made the forbidden call. */
function callerFrame(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const frame = lines.find((l) => !l.includes('/sim/guard.ts') && !l.includes('/sim/guard.js'));
  return (frame ?? 'unknown').trim().replace(/^at /, '');
}

function replace<T extends object, K extends keyof T>(obj: T, key: K, value: T[K], restores: Restore[]): void {
  const original = obj[key];
  obj[key] = value;
  restores.push(() => {
    obj[key] = original;
  });
}

/**
 * Installs the traps; `onHit` is told of each forbidden call before it throws. Returns the
 * function that restores the real globals.
 */
export function installGuard(onHit: (api: string, caller: string) => void): Restore {
  const restores: Restore[] = [];
  const trap = (api: string): never => {
    const caller = callerFrame();
    onHit(api, caller);
    throw new NondeterminismError(api, caller);
  };
  const g = globalThis as unknown as Record<string, unknown>;

  replace(Math, 'random', () => trap('Math.random'), restores);

  const RealDate = Date;
  const GuardedDate = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      if (args.length === 0) trap('new Date()');
      return Reflect.construct(target, args, newTarget);
    },
    apply() {
      return trap('Date()');
    },
    get(target, prop, receiver) {
      if (prop === 'now') return () => trap('Date.now');
      return Reflect.get(target, prop, receiver);
    },
  });
  replace(g, 'Date', GuardedDate, restores);

  for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'] as const) {
    replace(g, name, () => trap(name), restores);
  }
  if (typeof performance !== 'undefined') {
    replace(performance, 'now', () => trap('performance.now'), restores);
  }
  const realHrtime = process.hrtime;
  const guardedHrtime = Object.assign(() => trap('process.hrtime'), {
    bigint: () => trap('process.hrtime.bigint'),
  }) as unknown as typeof process.hrtime;
  process.hrtime = guardedHrtime;
  restores.push(() => {
    process.hrtime = realHrtime;
  });

  const proc = process as unknown as Record<string, unknown>;
  for (const name of ['exit', 'abort', 'kill', 'reallyExit'] as const) {
    if (typeof proc[name] === 'function') replace(proc, name, () => trap(`process.${name}`), restores);
  }

  return () => {
    for (const r of restores.reverse()) r();
  };
}
