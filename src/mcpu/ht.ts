/**
 * The few type checks of Ganeti's `ht` module that opcode parameters and opcode results use. Each
 * carries its description, which Ganeti prints in `OpResultError` messages.
 */

/**
 * A check of a value; also a type guard, so that the type of what it accepts (`T`) is what an
 * opcode's validated parameter has (`opcodes.ts` derives the parameter types from the checks).
 */
export interface TypeCheck<T = unknown> {
  (value: unknown): value is T;
  readonly desc: string;
}

function check<T>(desc: string, fn: (v: unknown) => boolean): TypeCheck<T> {
  return Object.assign((v: unknown): v is T => fn(v), { desc });
}

export const TAny = check<unknown>('Any', () => true);
export const TNone = check<null>('None', (v) => v === null || v === undefined);
export const TBool = check<boolean>('Boolean', (v) => typeof v === 'boolean');
export const TNumber = check<number>('Number', (v) => typeof v === 'number' && Number.isFinite(v));
export const TInt = check<number>('Integer', (v) => typeof v === 'number' && Number.isInteger(v));
export const TNonNegativeInt = check<number>('NonNegative Integer', (v) => TInt(v) && v >= 0);
export const TString = check<string>('String', (v) => typeof v === 'string');
export const TNonEmptyString = check<string>('NonEmpty String', (v) => typeof v === 'string' && v.length > 0);
export const TDict = check<Record<string, unknown>>(
  'Dictionary',
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
);

/** The value or None; a validated opcode parameter holds null for None (defaults fill `undefined`). */
export function TMaybe<T>(inner: TypeCheck<T>): TypeCheck<T | null> {
  return check(`Maybe ${inner.desc}`, (v) => TNone(v) || inner(v));
}

export function TListOf<T>(inner: TypeCheck<T>): TypeCheck<T[]> {
  return check(`List of ${inner.desc}`, (v) => Array.isArray(v) && v.every((x) => inner(x)));
}

export function TElemOf<const T>(items: readonly T[]): TypeCheck<T> {
  return check(`OneOf [${items.map((i) => JSON.stringify(i)).join(', ')}]`, (v) => items.includes(v as T));
}

/** `ht.TJobIdListOnly`: `{"jobs": [(True, id) | (False, message), ...]}` and nothing else. */
export const TJobIdListOnly = check<{ jobs: unknown[] }>('Job ID list only', (v) => {
  if (!TDict(v)) return false;
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== 'jobs') return false;
  return isJobIdList(v.jobs);
});

/** `ht.TJobIdList`: a list of `(True, job id)` / `(False, error message)` pairs. */
export function isJobIdList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        ((e[0] === true && TNonNegativeInt(e[1])) || (e[0] === false && typeof e[1] === 'string')),
    )
  );
}

/** A query result: `{"fields": [...], "data": [[...], ...]}`. */
export const TQueryResult = check<{ fields: unknown[]; data: unknown[][] }>('Query result', (v) => {
  if (!TDict(v)) return false;
  const { fields, data } = v;
  return Array.isArray(fields) && Array.isArray(data) && data.every((row) => Array.isArray(row));
});
