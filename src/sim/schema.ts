/**
 * Input validation with zod: every file and plan gnt-sim reads (fault plans, replay files,
 * summaries) is checked against a schema, and the first problem is reported as one line naming
 * the field by its path (`faults[2].at.step: must be ...`).
 */
import type { z } from 'zod';

/** The first problem of a failed parse: the field's path and what is wrong with it. */
export interface SchemaProblem {
  /** Path of the bad field, e.g. `faults[2].at.step`; `base` when the value itself is wrong. */
  readonly field: string;
  readonly problem: string;
}

/** `faults`, `[2]`, `at` -> `faults[2].at`. */
export function fieldPath(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The value at `path` inside `input`, for the "got ..." part of a message. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** The first issue of `error`, as a field path under `base` and a short problem. */
export function firstProblem(error: z.ZodError, input: unknown, base = ''): SchemaProblem {
  // A misspelt field shows up as an unknown one and as a missing one; the unknown one says more.
  const issues = [...error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  return problemOf(issues, input, base);
}

function problemOf(issues: readonly z.core.$ZodIssue[], input: unknown, base: string): SchemaProblem {
  const issue = issues[0];
  if (!issue) return { field: base || 'value', problem: 'is invalid' };
  if (issue.code === 'invalid_union') {
    // The branch that got furthest explains best (a ratio with a bad `den`, not "expected a number").
    const branch = issue.errors.find(
      (b) => b[0] !== undefined && (b[0].code !== 'invalid_type' || b[0].path.length > 0),
    );
    if (branch) return problemOf(branch, valueAt(input, issue.path), fieldPath(base, issue.path));
    const expected = issue.errors.flatMap((b) => (b[0]?.code === 'invalid_type' ? [b[0].expected] : []));
    const field = fieldPath(base, issue.path) || 'value';
    return { field, problem: `expected ${expected.join(' or ')}, got ${describeValue(valueAt(input, issue.path))}` };
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    return { field: fieldPath(base, [...issue.path, key]), problem: 'unknown field' };
  }
  const field = fieldPath(base, issue.path) || 'value';
  const got = valueAt(input, issue.path);
  if (issue.code === 'invalid_type') {
    return {
      field,
      problem: got === undefined ? 'is required' : `expected ${issue.expected}, got ${describeValue(got)}`,
    };
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return { field, problem: `${message[0]?.toLowerCase() ?? ''}${message.slice(1)}, got ${describeValue(got)}` };
}
