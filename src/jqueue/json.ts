/** JSON helpers: the queue's data is JSON (job files), so copies and comparisons go through JSON. */

/** A deep copy through JSON (`undefined` becomes `null`, as Python's `None`). */
export function jsonClone<T>(value: T): T {
  if (value === undefined) return null as T;
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b as object, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Python's `repr` of a list of strings, as Ganeti's `"%s" % list` renders it: `['a', 'b']`. */
export function pyListRepr(items: readonly unknown[]): string {
  return `[${items.map((i) => (typeof i === 'string' ? `'${i}'` : String(i))).join(', ')}]`;
}
