/**
 * The checkers every run gets, whatever the scenario: they only read trace events that the
 * systems under test emit, so a scenario that does not use a system pays nothing for them.
 * Every lifecycle model with a trace kind (`models/index.ts`) is monitored (LST) and its
 * transitions counted for coverage.
 */
import { MODELS } from '../../models/index.js';
import type { Checker } from './checker.js';
import { jqueueInvariantCheckers } from './jqueue-checkers.js';
import { lockExclusionChecker } from './lock-exclusion.js';
import { lockBatchChecker, lockPriorityChecker } from './lock-waiters.js';
import { luJobsShapeChecker } from './lu-jobs-shape.js';
import { modelStatusChecker } from './model-monitor.js';
import { compileTransitions, type TransitionTable } from './model-table.js';

/** Each machine compiled once per process: runs only read the tables. */
let tables: readonly { readonly table: TransitionTable; readonly traceKind: string }[] | null = null;

function modelTables(): readonly { readonly table: TransitionTable; readonly traceKind: string }[] {
  tables ??= MODELS.flatMap((m) =>
    m.traceKind ? [{ table: compileTransitions(m.machine), traceKind: m.traceKind }] : [],
  );
  return tables;
}

export function genericCheckers(): Checker[] {
  return [
    lockExclusionChecker(),
    lockPriorityChecker(),
    lockBatchChecker(),
    ...jqueueInvariantCheckers(),
    luJobsShapeChecker(),
    ...modelTables().map(({ table, traceKind }) => modelStatusChecker(table, traceKind)),
  ];
}
