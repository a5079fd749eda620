/**
 * `LockMonitor` and `QueryLocks` (spec §4): a registry of lock-information providers — every
 * `SharedLock` created with the monitor (lock-set members and internal locks) and other parties
 * such as the job dependency manager (`job/<id>` rows) — queried like Ganeti's `gnt-debug locks`.
 *
 * Rows are sorted by (nice-sort key of the name, registration number, index within the provider),
 * so rows of the same name keep a stable order across providers. Ganeti keeps providers in a
 * `WeakKeyDictionary` and forgets them when they are garbage-collected; garbage collection is not
 * deterministic, so here providers are unregistered explicitly (a `LockSet` does it when it drops a
 * removed lock).
 */
import { LockUsageError } from './errors.js';
import type { LockInfo, LockInfoProvider, LockQueryItem } from './lock-info.js';
import { compareKeyParts, niceSort, niceSortKey } from './nice-sort.js';
import type { WaitForEdge, WaitForGraph } from './wait-for.js';

/** Query field types (`constants.QFT_TEXT`, `QFT_OTHER`). */
export type QueryFieldType = 'text' | 'other';

export interface QueryFieldDefinition {
  readonly name: string;
  readonly title: string;
  readonly kind: QueryFieldType;
}

/** Result status of a query cell (`constants.RS_NORMAL`). */
export const RS_NORMAL = 0;

export type QueryCell = readonly [status: number, value: unknown];

/** Ganeti's query response: `{"fields": [...], "data": [[(status, value), ...], ...]}`. */
export interface LockQueryResponse {
  readonly fields: readonly QueryFieldDefinition[];
  readonly data: readonly (readonly QueryCell[])[];
}

export type LockField = 'name' | 'mode' | 'owner' | 'pending';

/** `query._BuildLockFields`. */
export const LOCK_FIELDS: Readonly<Record<LockField, QueryFieldDefinition>> = {
  name: { name: 'name', title: 'Name', kind: 'text' },
  mode: { name: 'mode', title: 'Mode', kind: 'other' },
  owner: { name: 'owner', title: 'Owner', kind: 'other' },
  pending: { name: 'pending', title: 'Pending', kind: 'other' },
};

export const DEFAULT_LOCK_FIELDS: readonly LockField[] = ['name', 'mode', 'owner', 'pending'];

function isLockField(f: string): f is LockField {
  return Object.hasOwn(LOCK_FIELDS, f);
}

export class LockMonitor {
  /** Provider -> registration number; iteration is in registration order. */
  private readonly providers = new Map<LockInfoProvider, number>();
  private counter = 0;

  /** Registers a provider (`RegisterLock`); duplicate names are allowed, duplicate providers not. */
  register(provider: LockInfoProvider): void {
    if (this.providers.has(provider)) throw new LockUsageError('monitor-duplicate', 'Duplicate registration');
    this.providers.set(provider, this.counter++);
  }

  /** Forgets a provider (what Ganeti's weak references do when the lock is garbage-collected). */
  unregister(provider: LockInfoProvider): boolean {
    return this.providers.delete(provider);
  }

  /** Number of registered providers (Ganeti's `len(monitor._locks)`). */
  get size(): number {
    return this.providers.size;
  }

  isRegistered(provider: LockInfoProvider): boolean {
    return this.providers.has(provider);
  }

  /** All rows, sorted as Ganeti sorts them, with only the requested items filled in. */
  lockInfo(requested: ReadonlySet<LockQueryItem>): LockInfo[] {
    const rows: Array<{ info: LockInfo; key: ReturnType<typeof niceSortKey>; num: number; idx: number }> = [];
    for (const [provider, num] of this.providers) {
      provider.lockInfo(requested).forEach((info, idx) => {
        rows.push({ info, key: niceSortKey(info.name), num, idx });
      });
    }
    rows.sort((a, b) => compareKeyParts(a.key, b.key) || a.num - b.num || a.idx - b.idx);
    return rows.map((r) => r.info);
  }

  /** `QueryLocks(fields)`: a query response whose cells all have status `RS_NORMAL`. */
  queryLocks(fields: readonly string[]): LockQueryResponse {
    const unknown = fields.filter((f) => !isLockField(f));
    if (unknown.length > 0) throw new Error(`Unknown output fields selected: ${unknown.join(', ')}`);
    const wanted = fields as readonly LockField[];
    const requested = new Set<LockQueryItem>();
    for (const f of wanted) if (f !== 'name') requested.add(f);
    const data = this.lockInfo(requested).map((info) => wanted.map((f): QueryCell => [RS_NORMAL, cellValue(info, f)]));
    return { fields: wanted.map((f) => LOCK_FIELDS[f]), data };
  }

  /**
   * Text like `gnt-debug locks`: a header row of field titles and one aligned row per lock;
   * `None` and empty values print as `-`, owners as `a,b`, pending as `mode:t1,t2, mode:t3`.
   */
  render(fields: readonly LockField[] = DEFAULT_LOCK_FIELDS): string {
    const response = this.queryLocks(fields);
    const rows = [
      response.fields.map((f) => f.title),
      ...response.data.map((row) => row.map(([, value], i) => formatCell(fields[i] as LockField, value))),
    ];
    const widths = fields.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    return rows
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join(' ')
          .trimEnd(),
      )
      .join('\n');
  }

  /** The wait-for graph over every provider that reports wait edges, in registration order. */
  waitForGraph(): WaitForGraph {
    const edges: WaitForEdge[] = [];
    for (const provider of this.providers.keys()) {
      if (provider.waitEdges) edges.push(...provider.waitEdges());
    }
    return { edges };
  }
}

function cellValue(info: LockInfo, field: LockField): unknown {
  switch (field) {
    case 'name':
      return info.name;
    case 'mode':
      return info.mode;
    case 'owner':
      return info.owners && info.owners.length > 0 ? niceSort(info.owners) : null;
    case 'pending':
      return (info.pending ?? []).map((p) => [p.mode, niceSort(p.threads)] as [string, string[]]);
  }
}

function formatCell(field: LockField, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (field === 'owner') return (value as string[]).join(',') || '-';
  if (field === 'pending') {
    const text = (value as Array<[string, string[]]>).map(([mode, names]) => `${mode}:${names.join(',')}`).join(', ');
    return text || '-';
  }
  return String(value);
}
