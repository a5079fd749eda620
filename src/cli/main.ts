/**
 * The gnt-sim command line. Exit codes: 0 nothing found, 1 a finding, 2 usage or input error.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { describeOutcome, isFinding } from '../sim/outcome.js';
import { renderTrace } from '../sim/trace.js';
import { runPhilosophers } from './demo.js';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function integer(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

const program = new Command('gnt-sim')
  .description('Deterministic simulation and model checking of a Ganeti-style job queue and lock manager')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('search')
  .description('search schedules for deadlocks (for now: the kernel demo scenario, dining philosophers)')
  .option('--runs <n>', 'number of runs', positiveInt('--runs'), 200)
  .option('--seed <n>', 'first seed', integer, 1)
  .option('--philosophers <n>', 'number of philosophers', positiveInt('--philosophers'), 3)
  .action((opts: { runs: number; seed: number; philosophers: number }) => {
    process.stdout.write(
      `gnt-sim search: kernel demo scenario (dining philosophers, ${opts.philosophers} philosophers), ` +
        `${opts.runs} runs from seed ${opts.seed}, random schedules\n`,
    );
    for (let i = 0; i < opts.runs; i++) {
      const seed = opts.seed + i;
      const r = runPhilosophers(seed, opts.philosophers);
      if (isFinding(r.outcome)) {
        process.stdout.write(`finding at seed ${seed} after ${i + 1} runs: ${describeOutcome(r.outcome)}\n`);
        process.stdout.write(`trace hash ${r.traceHash}, ${r.steps} steps, choices [${r.choices.join(',')}]\n\n`);
        process.stdout.write(`${renderTrace(r.trace.snapshot().slice(-20), r.trace.threadNames)}\n`);
        process.exitCode = 1;
        return;
      }
    }
    process.stdout.write(`no finding in ${opts.runs} runs\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; every other parse error is a usage error: exit 2, no stack trace.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`gnt-sim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
