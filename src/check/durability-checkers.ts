/** The durability properties of the job queue (issue 5), as checkers over trace events. */
import type { Checker } from './checker.js';
import { acknowledgedJobsChecker } from './durability-acknowledged.js';
import { finalizedJobsChecker } from './durability-finalized.js';
import { uniqueJobIdsChecker } from './durability-job-ids.js';
import { queueWritersChecker } from './durability-queue-writers.js';
import { runOnceChecker } from './durability-run-once.js';

export function durabilityCheckers(): Checker[] {
  return [
    acknowledgedJobsChecker(),
    uniqueJobIdsChecker(),
    runOnceChecker(),
    finalizedJobsChecker(),
    queueWritersChecker(),
  ];
}
