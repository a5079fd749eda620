/**
 * The intended divergences between Ganeti 3.0's code and gnt-sim, by id. The table in
 * `README.md` is the one place they are described; this file gives each row's id a type so that
 * the comparison code can only name rows that exist, and `divergence-table.test.ts` checks that
 * the README's ids and these are the same set and that every row is used by some component. A
 * difference that no row normalises or excuses fails the comparison.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIVERGENCE_IDS = [
  'usage-error-class',
  'assert-message',
  'timeout-microseconds',
  'v3-lock-attempt-bounds',
  'v3-notify-waiters',
  'v3-no-queue-shutdown',
  'v3-no-queue-lock',
  'driver-fresh-reason',
  'virtual-poll-timeout',
] as const;

export type DivergenceId = (typeof DIVERGENCE_IDS)[number];

export interface TableRow {
  readonly id: string;
  readonly component: string;
  readonly cells: readonly string[];
}

const README = join(dirname(fileURLToPath(import.meta.url)), 'README.md');

/**
 * The rows of the divergence table in README.md: the table lines of its "Intended divergences"
 * section whose first cell is an id in backquotes. The table is meant for people; this parse is all
 * the structure it needs.
 */
export function readDivergenceTable(path = README): TableRow[] {
  const rows: TableRow[] = [];
  let inSection = false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('## ')) inSection = line.trim() === '## Intended divergences';
    if (!inSection) continue;
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = (m[2] as string).split('|').map((c) => c.trim());
    rows.push({ id: m[1] as string, component: cells[0] ?? '', cells });
  }
  return rows;
}
