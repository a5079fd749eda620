/**
 * The gnt-sim command line as a function: `runCli(argv, io)` parses `argv`, runs the command
 * with its output going to `io`, and returns the exit code. It never exits the process, so tests
 * (and the fuzz test) run it in-process; `main.ts` is the thin adapter to a real process.
 *
 * Exit codes: 0 nothing found, 1 a finding (the system under test failed), 2 a usage or input
 * error, including errors of a scenario's own code (one line on stderr, no stack trace), 3 an
 * internal error of gnt-sim itself (a bug: its stack is printed to report it).
 */
import { Command, CommanderError, Option } from 'commander';
import { newWorkerPool, SearchInputError, SearchOptionsError } from '../explore/coordinator.js';
import { ReplayFileError } from '../explore/replay-file.js';
import { ScenarioLoadError } from '../explore/scenario-loader.js';
import { SEARCH_STRATEGIES } from '../explore/search.js';
import { SummaryFileError } from '../explore/summary-file.js';
import { ScenarioCodeError } from '../explore/user-code.js';
import { DEFAULT_WATCHDOG, type WatchdogLimits, type WorkerPool } from '../explore/worker-pool.js';
import { FaultPlanError } from '../sim/faults.js';
import { TOOL_VERSION } from '../version.js';
import { intFlag, MAX_WORKERS, nonNegativeInt, positiveInt, workersFlag } from './args.js';
import { DEFAULT_DIAGRAM_DIR, runDiagramCommand } from './commands/diagram.js';
import { runMutantsCommand, runScenariosCommand } from './commands/lists.js';
import { runMergeCommand } from './commands/merge.js';
import { runLocksCommand, runReplayCommand } from './commands/replay.js';
import { runReportCommand } from './commands/report.js';
import { type CommandContext, coresAvailable, runSearchCommand, type SearchCliOptions } from './commands/search.js';
import { type Output, terminalOutput, UsageError } from './output.js';

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Whether stdout is a terminal (a progress line and colours). */
  readonly tty?: boolean;
  /** NO_COLOR is set. */
  readonly noColor?: boolean;
  /** Worker threads to run searches and replays in; without them the call makes its own. */
  readonly pool?: WorkerPool;
  /** Cores available (default: this machine's). */
  readonly cores?: number;
}

/** Errors the user can fix: one line, exit 2. */
const USER_ERRORS = [
  UsageError,
  ReplayFileError,
  ScenarioLoadError,
  ScenarioCodeError,
  FaultPlanError,
  SummaryFileError,
  SearchInputError,
  SearchOptionsError,
];

const COMMANDS = ['search', 'replay', 'locks', 'scenarios', 'mutants', 'merge', 'diagram', 'report'];

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** One line, whatever the message holds (a path with a newline in it included). */
function oneLine(s: string): string {
  const flat = s.replace(/\s*[\r\n]+\s*/g, ' ');
  // Control characters (a NUL in a path) become '?': a terminal line must stay one line.
  let out = '';
  for (const ch of flat) out += ch < ' ' || ch === '\u007f' ? '?' : ch;
  return out.trim();
}

/** The watchdog options every command that runs simulations takes. */
function watchdogOptions(c: Command): Command {
  return c
    .option(
      '--run-timeout <seconds>',
      `wall-clock seconds one execution of a run may take (default ${DEFAULT_WATCHDOG.runTimeoutMs / 1000}); longer is a hang finding`,
      intFlag('--run-timeout', 1, 1_000_000),
    )
    .option(
      '--run-memory <mb>',
      `heap of each worker thread in MB (default ${DEFAULT_WATCHDOG.memoryMb}); more is an oom finding`,
      intFlag('--run-memory', 32, 1_000_000),
    );
}

function limitsOf(o: { runTimeout?: number; runMemory?: number }): WatchdogLimits {
  return {
    runTimeoutMs: (o.runTimeout ?? DEFAULT_WATCHDOG.runTimeoutMs / 1000) * 1000,
    memoryMb: o.runMemory ?? DEFAULT_WATCHDOG.memoryMb,
  };
}

function buildProgram(
  out: Output,
  /** Where commander's own text goes (help, version). */
  commanderText: (s: string) => void,
  ctxOf: (o: object) => CommandContext,
  setCode: (n: number) => void,
): Command {
  const run = (fn: () => Promise<number> | number) => async () => {
    setCode(await fn());
  };
  const program = new Command('gnt-sim')
    .description('Deterministic simulation and model checking of a Ganeti-style job queue and lock manager')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: commanderText,
      writeErr: commanderText,
      // Commander's errors (and its "did you mean" hint) become one line, printed by runCli.
      outputError: () => {},
    });

  watchdogOptions(
    program
      .command('search')
      .description('search workloads, faults and schedules of a scenario for deadlocks and ordering violations')
      .argument('[scenario]', 'scenario id (see gnt-sim scenarios); default: the first built-in scenario')
      .option('--runs <n>', 'number of runs (default 1000, or no limit with --time)', positiveInt('--runs'))
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
      .option(`--workers <n>`, `worker threads, 1 to ${MAX_WORKERS} or auto (the cores available)`, workersFlag, 1)
      .option('--shard <i/n>', 'run only shard i of n (combine the summaries with gnt-sim merge)')
      .option('--keep-going', 'go on after the first finding', false)
      .option('--json', 'print the summary as JSON', false)
      .option('--out <dir>', 'directory for replay files and summary.json (default reports/<scenario>/<time>)')
      .option('--force', 'empty --out first if it holds the results of an earlier search', false)
      .option('--scenario-file <path>', 'load scenarios from this module instead of the built-in ones'),
  ).action((scenario: string | undefined, o: SearchCliOptions) => run(() => runSearchCommand(scenario, o, ctxOf(o)))());

  watchdogOptions(
    program
      .command('replay')
      .description('replay a finding from its replay file, byte for byte, and print its trace')
      .argument('<file>', 'replay file written by gnt-sim search')
      .option('--tail <n>', 'print only the last n trace lines', nonNegativeInt('--tail'))
      .option('--json', 'print the result and trace as JSON', false)
      .option('--force', 'replay even if the scenario or tool version changed', false)
      .option('--scenario-file <path>', 'load the scenario from this module'),
  ).action((file: string, o) => run(() => runReplayCommand(file, o, ctxOf(o)))());

  watchdogOptions(
    program
      .command('locks')
      .description('show the lock monitor at a step of a replay, like gnt-debug locks')
      .argument('<file>', 'replay file')
      .requiredOption('--step <n>', 'scheduling step', nonNegativeInt('--step'))
      .option('--force', 'replay even if the scenario or tool version changed', false)
      .option('--scenario-file <path>', 'load the scenario from this module'),
  ).action((file: string, o) => run(() => runLocksCommand(file, o, ctxOf(o)))());

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

  watchdogOptions(
    program
      .command('report')
      .description('write the HTML report of a search directory (or its summary.json) or of one replay file')
      .argument('<path>', 'search output directory, its summary.json, or a replay file')
      .option('--out <file>', 'write the HTML here (default DIR/index.html, or X.html next to X.replay.json)')
      .option('--force', 'replay findings even if the scenario or tool version changed', false)
      .option('--scenario-file <path>', 'load the scenario from this module'),
  ).action((path: string, o) => run(() => runReportCommand(path, o, ctxOf(o)))());

  return program;
}

/** Runs `gnt-sim ARGV` (without the node and script arguments) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const out = terminalOutput({
    stdout: io.stdout,
    stderr: io.stderr,
    tty: io.tty ?? false,
    noColor: io.noColor ?? false,
  });
  const pool = io.pool ?? newWorkerPool();
  const cores = io.cores ?? coresAvailable();
  let code = 0;
  let commanderText = '';
  const ctxOf = (o: object): CommandContext => ({ out, pool, cores, limits: limitsOf(o) });
  try {
    if (argv.length === 0) {
      throw new UsageError(`name a command: ${COMMANDS.join(', ')} (see gnt-sim --help)`);
    }
    const program = buildProgram(
      out,
      (s) => {
        commanderText += s;
      },
      ctxOf,
      (n) => {
        code = n;
      },
    );
    await program.parseAsync([...argv], { from: 'user' });
    out.write(commanderText);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0 with their text; anything else is a usage error in one line.
      if (e.exitCode === 0) {
        out.write(commanderText);
        return 0;
      }
      // Commander shows the help as an error when no command is named (`gnt-sim --`).
      const reason =
        e.code === 'commander.help'
          ? `name a command: ${COMMANDS.join(', ')}`
          : oneLine(e.message.replace(/^error: /, ''));
      out.error(`gnt-sim: ${reason} (see gnt-sim --help)`);
      return 2;
    }
    if (USER_ERRORS.some((k) => e instanceof k)) {
      out.error(`gnt-sim: ${oneLine((e as Error).message)}`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    out.error(`gnt-sim: internal error (a bug in gnt-sim; please report it): ${oneLine(err.message)}`);
    out.error(err.stack ?? '');
    return 3;
  } finally {
    if (!io.pool) await pool.close();
  }
}
