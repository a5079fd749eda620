/**
 * The gnt-sim process: runs the command line (`program.ts`) on this process's arguments and
 * streams, and sets the exit code. Exit codes: 0 nothing found, 1 a finding, 2 a usage or input
 * error (one line on stderr, no stack trace), 3 an internal error of gnt-sim.
 */
import { runCli } from './program.js';

// Output piped into `head` and the like: stop quietly when the reader goes away. (The only
// place gnt-sim ends its process itself; the command line proper never does.)
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  tty: Boolean(process.stdout.isTTY),
  noColor: Boolean(process.env.NO_COLOR),
});
