/**
 * Reading an input file (replay file, search summary) as hostile input: it must be a regular
 * file of sane size, so that a path to a device, a FIFO or a huge file gives a one-line error
 * instead of a hang or an out-of-memory crash.
 */
import { readFileSync, statSync } from 'node:fs';
import { ioReason } from './io-reason.js';

/** Larger than any replay file or summary gnt-sim writes. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The file's text, or a one-line reason why it cannot be read (`what` names it: "replay file x"). */
export function readInputFile(path: string): { text: string } | { problem: string } {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { problem: 'it is a directory' };
    if (!st.isFile()) return { problem: 'it is not a regular file' };
    if (st.size > MAX_INPUT_BYTES) return { problem: `it is larger than ${MAX_INPUT_BYTES} bytes` };
    return { text: readFileSync(path, 'utf8') };
  } catch (e) {
    return { problem: ioReason(e) };
  }
}
