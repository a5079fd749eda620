/**
 * `node --import tsx search-runs-child.ts SEED RUNS_JSON`: prints the summaries of those runs of a
 * philosophers search as JSON, computed in this fresh process (`search.test.ts` compares them
 * with its own).
 */
import { philosopherRuns } from './search-runs.js';

const [seed, runs] = process.argv.slice(2);
process.stdout.write(JSON.stringify(philosopherRuns(Number(seed), JSON.parse(runs ?? '[]') as number[])));
