/**
 * The trace events' compile-time guarantees, checked with the TypeScript compiler itself:
 * `test/types/trace-events.ts` compiles as written, and without its `@ts-expect-error`
 * directives each marked line fails with the error the directive names (an unknown kind, fields
 * in the wrong order, a field missing or too many, a mode outside its union, a field read as
 * another type...). `tsc` in `npm run lint` only proves that *some* error happens on those lines;
 * this proves it is the intended one, and that nothing else fails. Declarations are checked too:
 * a kind declared twice with different fields, or with a field that is no trace field, does not
 * compile.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TYPE_TESTS = join(root, 'test/types/trace-events.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error (TS\d+) (.*)$/;

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json does not parse');
  return { ...parsed.options, noEmit: true };
}

interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly text: string;
}

/** Compiles `roots`, some of them given as text instead of read from disk. */
function compile(roots: readonly string[], texts: ReadonlyMap<string, string>): Diagnostic[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = texts.get(resolve(name));
    return text === undefined ? read(name, lang, onError, create) : ts.createSourceFile(name, text, lang);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => texts.has(resolve(name)) || fileExists(name);
  const program = ts.createProgram({ rootNames: [...roots], options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file ? d.file.fileName : '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    code: `TS${d.code}`,
    text: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
}

describe('trace event types', () => {
  const source = readFileSync(TYPE_TESTS, 'utf8');
  const lines = source.split('\n');
  /** Line (1-based) after each directive -> the error code it names. */
  const expected = new Map<number, { code: string; why: string }>();
  lines.forEach((l, i) => {
    const m = DIRECTIVE.exec(l);
    if (m) expected.set(i + 2, { code: m[1] as string, why: m[2] as string });
  });
  const stripped = lines.map((l) => (DIRECTIVE.test(l) ? '' : l)).join('\n');

  it('the type tests name at least the cases the issue asks for', () => {
    const whys = [...expected.values()].map((e) => e.why).join('\n');
    expect(whys).toMatch(/unknown kind/);
    expect(whys).toMatch(/wrong order/);
    expect(expected.size).toBeGreaterThanOrEqual(10);
  });

  it('compile-time: without the directives each marked line fails with the error it names, and nothing else fails', () => {
    const found = compile([TYPE_TESTS], new Map([[TYPE_TESTS, stripped]]));
    const got = found.filter((d) => resolve(d.file) === TYPE_TESTS).map((d) => `${d.line} ${d.code}`);
    const want = [...expected].map(([line, e]) => `${line} ${e.code}`);
    expect(new Set(got)).toEqual(new Set(want));
    expect(found.filter((d) => resolve(d.file) !== TYPE_TESTS)).toEqual([]);
  });

  it('compile-time: a kind declared twice with different fields, or with a field that is no trace field, is an error', () => {
    const conflicting = join(root, 'test/types/conflicting-declaration.ts');
    const notAField = join(root, 'test/types/not-a-field.ts');
    const found = compile(
      [conflicting, notAField],
      new Map([
        [
          conflicting,
          "import '../../src/sim/events.js';\nimport '../../src/locking/events.js';\n" +
            "declare module '../../src/sim/ports.js' {\n" +
            "  interface TraceEvents { 'lock.acquire': [mode: string]; }\n" +
            '}\nexport {};\n',
        ],
        [
          notAField,
          "import '../../src/sim/events.js';\n" +
            "declare module '../../src/sim/ports.js' {\n" +
            "  interface TraceEvents { 'test.object': [value: { a: number }]; }\n" +
            '}\nexport {};\n',
        ],
      ]),
    );
    const summary = found.map((d) => `${d.file.slice(root.length + 1)} ${d.code} ${d.text}`);
    expect(summary.some((s) => /^test\/types\/conflicting-declaration\.ts TS2717 .*'lock\.acquire'/.test(s))).toBe(
      true,
    );
    expect(summary.some((s) => /^src\/sim\/events\.ts TS2344 .*"test\.object"/.test(s))).toBe(true);
  });
});
