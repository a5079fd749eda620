/**
 * Scenario code is user code. An error thrown by a scenario's `params`, `faults`, `build`,
 * `size`, its checkers, `waitFor`, `lockMonitor` or `onLiveness` is the scenario author's to fix,
 * not a finding about the system under test: it becomes a `ScenarioCodeError`, reported as one
 * line naming the scenario, the hook, the error, the first stack frame in the user's code and,
 * when it happened in a run of a search, the run index and search seed that reproduce it.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

/** The scenario hooks whose errors are the scenario's. */
export type ScenarioHook =
  | 'params'
  | 'faults'
  | 'build'
  | 'size'
  | 'checker onEvent'
  | 'checker atEnd'
  | 'checker coverage'
  | 'waitFor'
  | 'lockMonitor'
  | 'onLiveness'
  /** Scenario code in general, when the hook is not known (the worker running it exited). */
  | 'scenario code';

/** Where in a search the error happened. */
export interface RunPlace {
  readonly run: number;
  readonly searchSeed: number;
}

export class ScenarioCodeError extends Error {
  constructor(
    readonly scenario: string,
    readonly hook: ScenarioHook,
    /** What went wrong: `threw TypeError: x is not a function`, `returned undefined, not an object`. */
    readonly problem: string,
    /** `/path/file.ts:12:5` of the first frame in user code, or null when the stack names none. */
    readonly location: string | null,
    readonly place: RunPlace | null = null,
  ) {
    super(
      `scenario ${scenario}: ${hook} ${problem}` +
        (location ? ` (at ${location})` : '') +
        (place ? ` in run ${place.run} of the search with seed ${place.searchSeed}` : ''),
    );
    this.name = 'ScenarioCodeError';
  }

  /** The same error, saying which run of which search it happened in. */
  inRun(place: RunPlace): ScenarioCodeError {
    if (this.place) return this;
    return new ScenarioCodeError(this.scenario, this.hook, this.problem, this.location, place);
  }

  /** Structured-cloneable form, for sending from a worker thread. */
  toData(): ScenarioCodeErrorData {
    return {
      scenario: this.scenario,
      hook: this.hook,
      problem: this.problem,
      location: this.location,
      place: this.place,
    };
  }

  static fromData(d: ScenarioCodeErrorData): ScenarioCodeError {
    return new ScenarioCodeError(d.scenario, d.hook, d.problem, d.location, d.place);
  }
}

export interface ScenarioCodeErrorData {
  readonly scenario: string;
  readonly hook: ScenarioHook;
  readonly problem: string;
  readonly location: string | null;
  readonly place: RunPlace | null;
}

/** gnt-sim's own code: the tree this module was loaded from (`src/` in a checkout, or its build). */
const OWN_ROOT = fileURLToPath(new URL('..', import.meta.url));

const FRAME = /\(?((?:file:\/\/)?\/[^()]*?|[A-Za-z]:\\[^()]*?):(\d+):(\d+)\)?\s*$/;

/** `file:line:col` of the first stack frame outside gnt-sim's own code, node's and node_modules. */
export function userFrame(stack: string | undefined): string | null {
  for (const line of (stack ?? '').split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = (m[1] as string).startsWith('file://') ? fileURLToPath(m[1] as string) : (m[1] as string);
    if (file.startsWith(OWN_ROOT) || /[\\/]node_modules[\\/]/.test(file)) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return null;
}

/** `TypeError: message` (first line), for anything that can be thrown. */
export function errorLine(e: unknown): string {
  if (e instanceof Error) {
    const first = e.message.split('\n')[0] ?? '';
    return first === '' ? e.name : `${e.name}: ${first}`;
  }
  const s = typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
  return `a non-error value ${s.length > 80 ? `${s.slice(0, 77)}...` : s}`;
}

export function scenarioCodeError(scenario: string, hook: ScenarioHook, e: unknown): ScenarioCodeError {
  if (e instanceof ScenarioCodeError) return e;
  return new ScenarioCodeError(
    scenario,
    hook,
    `threw ${errorLine(e)}`,
    userFrame(e instanceof Error ? e.stack : undefined),
  );
}

/** Calls scenario code; whatever it throws becomes a `ScenarioCodeError`. */
export function callScenario<T>(scenario: string, hook: ScenarioHook, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw scenarioCodeError(scenario, hook, e);
  }
}

/**
 * A scenario's arbitrary, with errors thrown while generating or shrinking its values (in the
 * scenario's `map`s, `chain`s and filters) turned into `ScenarioCodeError`s.
 */
class UserArbitrary<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly scenario: string,
    private readonly hook: ScenarioHook,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return callScenario(this.scenario, this.hook, () => this.inner.generate(mrng, biasFactor));
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return callScenario(this.scenario, this.hook, () => this.inner.canShrinkWithoutContext(value));
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const stream = callScenario(this.scenario, this.hook, () => this.inner.shrink(value, context));
    const { scenario, hook } = this;
    function* guarded(): Generator<fc.Value<T>> {
      const it = stream[Symbol.iterator]();
      for (;;) {
        const r = callScenario(scenario, hook, () => it.next());
        if (r.done) return;
        yield r.value;
      }
    }
    return new fc.Stream(guarded());
  }
}

/** Calls a scenario's `params` or `faults` and guards the arbitrary it returns. */
export function userArbitrary<T>(scenario: string, hook: 'params' | 'faults', make: () => fc.Arbitrary<T>) {
  const arb: unknown = callScenario(scenario, hook, make);
  // Duck-typed: a scenario may build its arbitraries with another copy of fast-check.
  const a = arb as Partial<fc.Arbitrary<T>> | null;
  if (typeof a?.generate !== 'function' || typeof a.shrink !== 'function') {
    const what = arb === null ? 'null' : typeof arb;
    throw new ScenarioCodeError(scenario, hook, `returned ${what}, not a fast-check arbitrary`, null);
  }
  return new UserArbitrary(arb as fc.Arbitrary<T>, scenario, hook);
}
