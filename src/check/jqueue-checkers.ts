/**
 * The job queue's checkers in one list: the invariants that hold in every run (queue lock
 * released around opcodes, dependencies honoured, pool pick order, no write after the final one,
 * legal job and opcode status changes per the models). `jobsFinishChecker` is not among them: it
 * only holds for runs without faults, so scenarios add it themselves.
 */
import { jobStatusMachine, opcodeStatusMachine } from '../../models/index.js';
import type { Checker } from './checker.js';
import { dependencyOrderChecker } from './jqueue-dependencies.js';
import { finalWriteChecker } from './jqueue-final-write.js';
import { poolOrderChecker } from './jqueue-pool-order.js';
import { queueLockChecker } from './jqueue-queue-lock.js';
import { modelStatusChecker } from './model-monitor.js';
import { compileTransitions, type TransitionTable } from './model-table.js';

let tables: { job: TransitionTable; op: TransitionTable } | null = null;

/** The job and opcode status monitors (LST); the tables are compiled once per process. */
export function jobStatusCheckers(): Checker[] {
  tables ??= { job: compileTransitions(jobStatusMachine), op: compileTransitions(opcodeStatusMachine) };
  return [modelStatusChecker(tables.job, 'job.status'), modelStatusChecker(tables.op, 'opcode.status')];
}

/** The queue's invariants without the status models (which `genericCheckers` runs for every model). */
export function jqueueInvariantCheckers(): Checker[] {
  return [queueLockChecker(), dependencyOrderChecker(), poolOrderChecker(), finalWriteChecker()];
}

export function jqueueCheckers(): Checker[] {
  return [...jqueueInvariantCheckers(), ...jobStatusCheckers()];
}
