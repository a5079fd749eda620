/**
 * The checkers every run gets, whatever the scenario: they only read trace events that the
 * systems under test emit, so a scenario that does not use a system pays nothing for them.
 */
import type { Checker } from '../../scenarios/scenario.js';
import { lockExclusionChecker } from './lock-exclusion.js';
import { lockBatchChecker, lockPriorityChecker } from './lock-waiters.js';

export function genericCheckers(): Checker[] {
  return [lockExclusionChecker(), lockPriorityChecker(), lockBatchChecker()];
}
