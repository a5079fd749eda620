/**
 * The gnt-sim command line. Exit codes: 0 nothing found, 1 a finding, 2 usage or input error
 * (one line on stderr, no stack trace).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ReplayFileError } from '../explore/replay-file.js';
import { ScenarioLoadError } from '../explore/scenario-loader.js';
import { SEARCH_STRATEGIES } from '../explore/search.js';
import { FaultPlanError } from '../sim/faults.js';
import { TOOL_VERSION } from '../version.js';
import { DEFAULT_DIAGRAM_DIR, runDiagramCommand } from './commands/diagram.js';
import { runMutantsCommand, runScenariosCommand } from './commands/lists.js';
import { runMergeCommand } from './commands/merge.js';
import { runLocksCommand, runReplayCommand } from './commands/replay.js';
import { runReportCommand } from './commands/report.js';
import { runSearchCommand, type SearchCliOptions } from './commands/search.js';
import { terminalOutput, UsageError } from './output.js';

const out = terminalOutput();
// Output piped into `head` and the like: stop quietly when the reader goes away.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer`);
    }
    return n;
  };
}

function nonNegativeInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${flag} must be a non-negative integer`);
    return n;
  };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

const program = new Command('gnt-sim')
  .description('Deterministic simulation and model checking of a Ganeti-style job queue and lock manager')
  .version(TOOL_VERSION)
  .exitOverride()
  .showHelpAfterError('(run gnt-sim --help for usage)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s) });

const run = (fn: () => Promise<number> | number) => async () => {
  process.exitCode = await fn();
};

program
  .command('search')
  .description('search workloads, faults and schedules of a scenario for deadlocks and ordering violations')
  .argument('[scenario]', 'scenario id (see gnt-sim scenarios); default: the first built-in scenario')
  .option('--runs <n>', 'number of runs (default 1000, or unlimited with --time)', positiveInt('--runs'))
  .option('--time <seconds>', 'stop starting runs after this many seconds', positiveInt('--time'))
  .option('--seed <n>', 'search seed', nonNegativeInt('--seed'), 1)
  .addOption(new Option('--strategy <name>', 'schedule strategy').choices(SEARCH_STRATEGIES).default('pct'))
  .option('--mutant <name>', 'switch a historical bug back on (repeatable; see gnt-sim mutants)', collect, [])
  .option(
    '--preemptions <n>',
    'exhaustive: largest number of preemptions per schedule (default 2)',
    nonNegativeInt('--preemptions'),
  )
  .option(
    '--delays <n>',
    'exhaustive: largest number of choices other than the default per schedule, preemptive or not (default: no bound)',
    nonNegativeInt('--delays'),
  )
  .option(
    '--max-executions <n>',
    'exhaustive: executions per run before giving up (default 500)',
    positiveInt('--max-executions'),
  )
  .option('--workers <n>', 'worker threads', positiveInt('--workers'), 1)
  .option('--shard <i/n>', 'run only shard i of n (combine the summaries with gnt-sim merge)')
  .option('--keep-going', 'go on after the first finding', false)
  .option('--json', 'print the summary as JSON', false)
  .option('--out <dir>', 'directory for replay files and summary.json (default reports/<scenario>/<time>)')
  .option('--scenario-file <path>', 'load scenarios from this module instead of the built-in ones')
  .action((scenario: string | undefined, o: SearchCliOptions) => run(() => runSearchCommand(scenario, o, out))());

program
  .command('replay')
  .description('replay a finding from its replay file, byte for byte, and print its trace')
  .argument('<file>', 'replay file written by gnt-sim search')
  .option('--tail <n>', 'print only the last n trace lines', nonNegativeInt('--tail'))
  .option('--json', 'print the result and trace as JSON', false)
  .option('--force', 'replay even if the scenario or tool version changed', false)
  .option('--scenario-file <path>', 'load the scenario from this module')
  .action((file: string, o) => run(() => runReplayCommand(file, o, out))());

program
  .command('locks')
  .description('show the lock monitor at a step of a replay, like gnt-debug locks')
  .argument('<file>', 'replay file')
  .requiredOption('--step <n>', 'scheduling step', nonNegativeInt('--step'))
  .option('--force', 'replay even if the scenario or tool version changed', false)
  .option('--scenario-file <path>', 'load the scenario from this module')
  .action((file: string, o) => run(() => runLocksCommand(file, o, out))());

program
  .command('scenarios')
  .description('list the scenarios with their descriptions')
  .option('--json', 'as JSON', false)
  .option('--scenario-file <path>', 'list the scenarios of this module')
  .action((o) => run(() => runScenariosCommand(o, out))());

program
  .command('mutants')
  .description('list the named historical bugs that --mutant can switch back on')
  .option('--json', 'as JSON', false)
  .action((o) => run(() => runMutantsCommand(o, out))());

program
  .command('merge')
  .description('combine the summary.json files of the shards of one search')
  .argument('<summaries...>', 'summary.json files')
  .option('--out <file>', 'write the merged summary here')
  .option('--json', 'print the merged summary as JSON', false)
  .action((files: string[], o) => run(() => runMergeCommand(files, o, out))());

program
  .command('diagram')
  .description('draw the state-transition diagram of a lifecycle model (DOT or SVG)')
  .argument('[model]', 'model id (job-status, opcode-status, ...)')
  .option('--format <format>', 'dot or svg', 'svg')
  .option('--out <path>', `output file (default stdout); with --all a directory (default ${DEFAULT_DIAGRAM_DIR})`)
  .option('--all', 'draw every model into a directory', false)
  .option('--coverage <summary>', "draw a search's coverage (its summary.json) over the machine")
  .action((model: string | undefined, o) => run(() => runDiagramCommand(model, o, out))());

program
  .command('report')
  .description('write the HTML report of a search directory (or its summary.json) or of one replay file')
  .argument('<path>', 'search output directory, its summary.json, or a replay file')
  .option('--out <file>', 'write the HTML here (default DIR/index.html, or X.html next to X.replay.json)')
  .option('--force', 'replay findings even if the scenario or tool version changed', false)
  .option('--scenario-file <path>', 'load the scenario from this module')
  .action((path: string, o) => run(() => runReportCommand(path, o, out))());

const USER_ERRORS = [UsageError, ReplayFileError, ScenarioLoadError, FaultPlanError];

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; commander has already printed its one-line message otherwise.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (USER_ERRORS.some((k) => e instanceof k)) {
    out.error(`gnt-sim: ${(e as Error).message}`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
