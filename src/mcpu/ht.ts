/**
 * The few type checks of Ganeti's `ht` module that opcode parameters and opcode results use. Each
 * carries its description, which Ganeti prints in `OpResultError` messages.
 */

export interface TypeCheck {
  (value: unknown): boolean;
  readonly desc: string;
}

function check(desc: string, fn: (v: unknown) => boolean): TypeCheck {
  return Object.assign((v: unknown) => fn(v), { desc });
}

export const TAny = check('Any', () => true);
export const TNone = check('None', (v) => v === null || v === undefined);
export const TBool = check('Boolean', (v) => typeof v === 'boolean');
export const TNumber = check('Number', (v) => typeof v === 'number' && Number.isFinite(v));
export const TInt = check('Integer', (v) => typeof v === 'number' && Number.isInteger(v));
export const TNonNegativeInt = check('NonNegative Integer', (v) => TInt(v) && (v as number) >= 0);
export const TString = check('String', (v) => typeof v === 'string');
export const TNonEmptyString = check('NonEmpty String', (v) => typeof v === 'string' && v.length > 0);
export const TDict = check('Dictionary', (v) => typeof v === 'object' && v !== null && !Array.isArray(v));

export function TMaybe(inner: TypeCheck): TypeCheck {
  return check(`Maybe ${inner.desc}`, (v) => TNone(v) || inner(v));
}

export function TListOf(inner: TypeCheck): TypeCheck {
  return check(`List of ${inner.desc}`, (v) => Array.isArray(v) && v.every((x) => inner(x)));
}

export function TElemOf(items: readonly unknown[]): TypeCheck {
  return check(`OneOf [${items.map((i) => JSON.stringify(i)).join(', ')}]`, (v) => items.includes(v));
}

/** `ht.TJobIdListOnly`: `{"jobs": [(True, id) | (False, message), ...]}` and nothing else. */
export const TJobIdListOnly = check('Job ID list only', (v) => {
  if (!TDict(v)) return false;
  const keys = Object.keys(v as object);
  if (keys.length !== 1 || keys[0] !== 'jobs') return false;
  return isJobIdList((v as { jobs: unknown }).jobs);
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
export const TQueryResult = check('Query result', (v) => {
  if (!TDict(v)) return false;
  const r = v as { fields?: unknown; data?: unknown };
  return Array.isArray(r.fields) && Array.isArray(r.data) && r.data.every((row) => Array.isArray(row));
});
