/**
 * Ganeti's "nice" sort (`utils.NiceSortKey`): names are compared group by group, where a group is a
 * run of digits (compared as a number) or of non-digits (compared as text), so `node2` sorts before
 * `node10`. Like Ganeti, only the first 8 groups are split; the rest of the name is one last group.
 * Missing groups sort first, then numbers, then text (Python 2's `None < int < str`).
 */

type KeyPart = number | string | null;

const GROUPS = 8;

export function niceSortKey(name: string): KeyPart[] {
  const key: KeyPart[] = [];
  let i = 0;
  for (let g = 0; g < GROUPS; g++) {
    if (i >= name.length) {
      key.push(null);
      continue;
    }
    const digit = isDigit(name.charCodeAt(i));
    let j = i + 1;
    while (j < name.length && isDigit(name.charCodeAt(j)) === digit) j++;
    const part = name.slice(i, j);
    key.push(digit ? Number(part) : part);
    i = j;
  }
  const rest = name.slice(i);
  key.push(/^\d+$/.test(rest) ? Number(rest) : rest);
  return key;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function rank(p: KeyPart): number {
  return p === null ? 0 : typeof p === 'number' ? 1 : 2;
}

export function compareKeyParts(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    const rx = rank(x);
    const ry = rank(y);
    if (rx !== ry) return rx - ry;
    if (x === null || y === null || x === y) continue;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

export function niceCompare(a: string, b: string): number {
  return compareKeyParts(niceSortKey(a), niceSortKey(b));
}

/** A nice-sorted copy (`utils.NiceSort`). */
export function niceSort(names: Iterable<string>): string[] {
  return [...names]
    .map((n) => ({ n, k: niceSortKey(n) }))
    .sort((p, q) => compareKeyParts(p.k, q.k))
    .map((p) => p.n);
}
