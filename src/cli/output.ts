/**
 * Terminal output: plain lines when stdout is not a TTY (CI, pipes), a progress line on a TTY,
 * and no colour when NO_COLOR is set or the stream is not a TTY.
 */
export interface Output {
  readonly tty: boolean;
  readonly color: boolean;
  line(s: string): void;
  error(s: string): void;
  /** Overwrites the current progress line on a TTY; prints nothing otherwise. */
  progress(s: string): void;
  /** Ends a progress line so that the next output starts on a fresh line. */
  endProgress(): void;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

export function terminalOutput(): Output {
  const tty = Boolean(process.stdout.isTTY);
  const color = tty && !process.env.NO_COLOR;
  let progressShown = false;
  const wrap = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    tty,
    color,
    line(s) {
      if (progressShown) this.endProgress();
      process.stdout.write(`${s}\n`);
    },
    error(s) {
      if (progressShown) this.endProgress();
      process.stderr.write(`${s}\n`);
    },
    progress(s) {
      if (!tty) return;
      process.stdout.write(`\r\u001b[2K${s}`);
      progressShown = true;
    },
    endProgress() {
      if (progressShown) process.stdout.write('\n');
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
