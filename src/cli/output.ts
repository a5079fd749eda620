/**
 * Terminal output: plain lines when stdout is not a TTY (CI, pipes), a progress line on a TTY,
 * and no colour when NO_COLOR is set or the stream is not a TTY. The streams are given, so the
 * whole command can run in-process with its output captured (`runCli`).
 */
export interface Output {
  readonly tty: boolean;
  readonly color: boolean;
  line(s: string): void;
  /** Text as it is (no newline added), e.g. a diagram to stdout. */
  write(s: string): void;
  error(s: string): void;
  /** Overwrites the current progress line on a TTY; prints nothing otherwise. */
  progress(s: string): void;
  /** Ends a progress line so that the next output starts on a fresh line. */
  endProgress(): void;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

/** Where a command's output goes. */
export interface OutputStreams {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly tty: boolean;
  readonly noColor: boolean;
}

export function terminalOutput(io: OutputStreams): Output {
  const tty = io.tty;
  const color = tty && !io.noColor;
  let progressShown = false;
  const wrap = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    tty,
    color,
    line(s) {
      if (progressShown) this.endProgress();
      io.stdout(`${s}\n`);
    },
    write(s) {
      if (progressShown) this.endProgress();
      io.stdout(s);
    },
    error(s) {
      if (progressShown) this.endProgress();
      io.stderr(`${s}\n`);
    },
    progress(s) {
      if (!tty) return;
      io.stdout(`\r\u001b[2K${s}`);
      progressShown = true;
    },
    endProgress() {
      if (progressShown) io.stdout('\n');
      progressShown = false;
    },
    bold: wrap(1),
    red: wrap(31),
    green: wrap(32),
  };
}

/** An error the user can fix: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
