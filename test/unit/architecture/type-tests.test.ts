/**
 * Compile-time guarantees, checked with the TypeScript compiler itself. Each file of `test/types/`
 * compiles as written, and without its `@ts-expect-error` directives each marked line fails with
 * the error the directive names: for trace events (`trace-events.ts`: an unknown kind, fields in
 * the wrong order, a field missing or too many, a mode outside its union, a field read as another
 * type...) and for opcode parameters (`opcode-params.ts`: a parameter read as another type, an LU
 * registered for another opcode). `tsc` in `npm run lint` only proves that *some* error happens
 * on those lines; this proves it is the intended one, and that nothing else fails. Trace event
 * declarations are checked too: a kind declared twice with different fields, or with a field
 * that is no trace field, does not compile.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TYPE_TESTS = ['trace-events.ts', 'opcode-params.ts'].map((f) => join(root, 'test/types', f));
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

/** A type-test file without its directives, and the line (1-based) -> error code each names. */
function expectations(file: string): { stripped: string; expected: Map<number, { code: string; why: string }> } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const expected = new Map<number, { code: string; why: string }>();
  lines.forEach((l, i) => {
    const m = DIRECTIVE.exec(l);
    if (m) expected.set(i + 2, { code: m[1] as string, why: m[2] as string });
  });
  return { stripped: lines.map((l) => (DIRECTIVE.test(l) ? '' : l)).join('\n'), expected };
}

describe('type tests', () => {
  const cases = TYPE_TESTS.map((file) => ({ file, ...expectations(file) }));

  it('the type tests name at least the cases the issue asks for', () => {
    const whys = cases.flatMap((c) => [...c.expected.values()].map((e) => e.why)).join('\n');
    expect(whys).toMatch(/unknown kind/);
    expect(whys).toMatch(/wrong order/);
    expect(whys).toMatch(/another type/);
    expect(whys).toMatch(/another opcode/);
    expect(cases.every((c) => c.expected.size >= 3)).toBe(true);
  });

  it('compile-time: without the directives each marked line fails with the error it names, and nothing else fails', () => {
    const found = compile(TYPE_TESTS, new Map(cases.map((c) => [c.file, c.stripped])));
    for (const c of cases) {
      const got = found.filter((d) => resolve(d.file) === c.file).map((d) => `${d.line} ${d.code}`);
      const want = [...c.expected].map(([line, e]) => `${line} ${e.code}`);
      expect(new Set(got), c.file).toEqual(new Set(want));
    }
    expect(found.filter((d) => !TYPE_TESTS.includes(resolve(d.file)))).toEqual([]);
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
