/**
 * Finds a scenario by id in a module that exports `scenarios` (an array) or a default
 * scenario. Built-in scenarios live in `scenarios/index.ts`; users may point at their own file.
 *
 * A scenario module is user code: one that does not load (missing, syntax error, throws at top
 * level, calls `process.exit`) or does not have the shape of `Scenario` (checked by
 * `scenario-schema.ts`) is a `ScenarioLoadError`, one line naming the file, the line and the
 * field where it can say.
 */
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario } from '../../scenarios/scenario.js';
import { firstProblem } from '../sim/schema.js';
import { importUserModule } from './import-module.js';
import { scenarioListSchema } from './scenario-schema.js';
import { errorLine, userFrame } from './user-code.js';

export class ScenarioLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioLoadError';
  }
}

/** `scenarios/index.ts`, or its compiled `index.js` when gnt-sim runs compiled. */
export const BUILTIN_SCENARIOS_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? '../../scenarios/index.ts' : '../../scenarios/index.js',
  import.meta.url,
).href;

/** Thrown into a module's top-level code that tries to end the process while it loads. */
class ExitWhileLoading extends Error {
  constructor(readonly call: string) {
    super(`it called ${call} while loading`);
    this.name = 'ExitWhileLoading';
  }
}

/** Imports `url` with `process.exit`, `process.abort` and `process.kill` trapped. */
async function importTrapped(url: string): Promise<Record<string, unknown>> {
  const saved = { exit: process.exit, abort: process.abort, kill: process.kill };
  const trap = (call: string) => () => {
    throw new ExitWhileLoading(call);
  };
  process.exit = trap('process.exit') as typeof process.exit;
  process.abort = trap('process.abort') as typeof process.abort;
  process.kill = trap('process.kill') as typeof process.kill;
  try {
    return await importUserModule(url);
  } finally {
    Object.assign(process, saved);
  }
}

/**
 * `path:line:col` with the path as the user gave it when it is the module itself (compilers
 * report it relative, or with a `.ts` for an `.mts`).
 */
function sameFile(location: string, moduleRef: string): string {
  const m = /^(.*):(\d+):(\d+)$/.exec(location);
  if (!m) return location;
  const stem = (p: string) => basename(p).replace(/\.[cm]?[jt]s$/, '');
  const ref = moduleRef.startsWith('file:') ? fileURLToPath(moduleRef) : moduleRef;
  return stem(m[1] as string) === stem(ref) ? `${ref}:${m[2]}:${m[3]}` : location;
}

/** Why a module did not load, in one line. */
function loadProblem(moduleRef: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException & { errors?: Array<{ text?: string; location?: { line: number } }> };
  if (e instanceof ExitWhileLoading) return e.message;
  const message = err instanceof Error ? err.message : String(e);
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ENOENT') {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1];
    const self = missing && (missing === moduleRef || moduleRef.endsWith(missing) || missing.endsWith(moduleRef));
    return self || !missing ? 'no such file' : `it imports ${missing}, which cannot be found`;
  }
  if (err?.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return 'unknown file extension (a scenario module is .ts, .mts, .js or .mjs)';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes of a compiler's message
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '');
  // esbuild (through tsx): "Transform failed with 1 error:\n/path/x.ts:1:26: ERROR: Unexpected ";""
  const transform = /^(.*?:\d+:\d+): ERROR: (.*)$/m.exec(plain);
  if (transform) return `syntax error at ${sameFile(transform[1] as string, moduleRef)}: ${transform[2]}`;
  // oxc (through vite): "Transform failed ... [PARSE_ERROR] Unexpected token ... [ path:1:27 ]"
  if (/^Transform failed/.test(plain)) {
    const what = /\[[A-Z_]+\]\s*(.*)/.exec(plain)?.[1]?.trim() || 'cannot parse it';
    const where = /\[\s*(\S+:\d+:\d+)\s*\]/.exec(plain)?.[1];
    return `syntax error${where ? ` at ${sameFile(where, moduleRef)}` : ''}: ${what}`;
  }
  if (e instanceof SyntaxError) {
    // Node's own parser puts the place on the first line of the stack: "/path/x.mjs:3".
    const where = /^(\S+:\d+)\n/.exec(e.stack ?? '')?.[1];
    return `${errorLine(e)}${where ? ` (at ${where})` : ''}`;
  }
  const where = userFrame(err instanceof Error ? err.stack : undefined);
  return `${errorLine(e)}${where ? ` (at ${where})` : ''}`;
}

/** Every scenario a module exports. */
export async function loadScenarios(moduleRef: string): Promise<Scenario<unknown>[]> {
  if (moduleRef.trim() === '') throw new ScenarioLoadError('the scenario module path is empty');
  let url: string;
  try {
    url = /^[a-z]+:/.test(moduleRef) ? moduleRef : pathToFileURL(moduleRef).href;
  } catch {
    throw new ScenarioLoadError(`cannot load scenario module ${moduleRef}: not a path or URL`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importTrapped(url);
  } catch (e) {
    throw new ScenarioLoadError(`cannot load scenario module ${moduleRef}: ${loadProblem(moduleRef, e)}`);
  }
  const field = 'scenarios' in mod ? 'scenarios' : 'default' in mod ? 'default' : null;
  if (field === null) {
    // A scenario's own module (its `source`, as the built-ins' `export const scenario`) names its
    // scenario: worker threads load that, so any named export that is a scenario counts.
    const named = Object.values(mod).filter((v) => scenarioListSchema.safeParse([v]).success);
    if (named.length > 0) return named as Scenario<unknown>[];
    throw new ScenarioLoadError(
      `${moduleRef} exports no scenario (expected \`export const scenarios = [...]\` or a default export)`,
    );
  }
  const list = field === 'scenarios' ? mod.scenarios : [mod.default];
  const r = scenarioListSchema.safeParse(list);
  if (!r.success) {
    const p = firstProblem(r.error, list, field === 'scenarios' ? 'scenarios' : 'default');
    // A default export is one scenario, not a list: `default[0].id` reads `default.id`.
    const where = field === 'default' ? p.field.replace(/^default\[0\]/, 'default') : p.field;
    throw new ScenarioLoadError(`scenario module ${moduleRef}: ${where}: ${p.problem}`);
  }
  return list as Scenario<unknown>[];
}

export async function loadScenario(moduleRef: string, id: string): Promise<Scenario<unknown>> {
  const all = await loadScenarios(moduleRef);
  const s = all.find((x) => x.id === id);
  if (!s) throw new ScenarioLoadError(`unknown scenario "${id}"; known: ${all.map((x) => x.id).join(', ')}`);
  return s;
}
