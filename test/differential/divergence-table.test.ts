/**
 * The table of intended divergences (README.md) and the code that applies it cannot drift apart:
 * the same ids in the table and in `divergences.ts`, every row used by some component, every row a
 * component names present, and every row the driver claims to handle mentioned in the driver.
 * Needs no Python.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Component } from './compare.js';
import { dependencyManagerComponent } from './dependency-manager.js';
import { DIVERGENCE_IDS, readDivergenceTable } from './divergences.js';
import { jobProcessorComponent } from './job-processor.js';
import { jobStatusComponent } from './job-status.js';
import { sharedLockComponent } from './shared-lock.js';

const components = [
  sharedLockComponent,
  jobStatusComponent,
  jobProcessorComponent,
  dependencyManagerComponent,
] as Component<unknown, unknown>[];
const driver = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'driver', 'ganeti_oracle.py'), 'utf8');

describe('divergence table', () => {
  const rows = readDivergenceTable();

  it('README.md lists exactly the ids of divergences.ts, once each', () => {
    expect(rows.map((r) => r.id).sort()).toEqual([...DIVERGENCE_IDS].sort());
  });

  it('every row is used by a component that the row names, and every component uses only listed rows', () => {
    for (const row of rows) {
      const users = components.filter(
        (c) => c.normalisers.some((n) => n.id === row.id) || c.handledElsewhere.includes(row.id as never),
      );
      expect(
        users.map((c) => c.name),
        `row ${row.id}`,
      ).not.toEqual([]);
      for (const c of users) expect(row.component, `row ${row.id} names ${c.name}`).toContain(c.name);
    }
  });

  it('rows handled in the Python driver are named there', () => {
    for (const id of ['virtual-poll-timeout', 'v3-lock-attempt-bounds', 'v3-notify-waiters', 'driver-fresh-reason']) {
      expect(driver, id).toContain(id);
    }
  });
});
