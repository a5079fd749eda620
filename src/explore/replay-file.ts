/**
 * Replay files: everything needed to reproduce one finding byte for byte. They are written the
 * moment a finding is known (atomically, before shrinking or anything else can go wrong) and
 * rewritten once shrinking has produced a smaller counterexample.
 *
 * A file carries a checksum of its own content, so that a truncated or hand-edited file is told
 * apart from a file recorded against another scenario or tool version.
 */
import { readFileSync } from 'node:fs';
import type { Finding } from '../check/finding.js';
import { hashString32 } from '../sim/hash.js';
import type { Schedule } from './schedule.js';

export const REPLAY_FORMAT = 1;

export interface ReplayFile {
  readonly format: typeof REPLAY_FORMAT;
  readonly tool: { readonly name: string; readonly version: string };
  readonly scenario: { readonly id: string; readonly hash: string };
  /** Kernel seed of the run (all random streams derive from it). */
  readonly seed: number;
  readonly params: unknown;
  readonly faults: unknown;
  readonly mutants: readonly string[];
  /** How the schedule was generated (provenance); replay uses `choices`. */
  readonly schedule: Omit<Schedule, 'recorded'>;
  /** Every choice the failing run took: replayed strictly. */
  readonly choices: readonly number[];
  readonly finding: Finding;
  readonly traceHash: string;
  readonly size: { readonly jobs: number; readonly faults: number; readonly preemptions: number };
  /** Where it came from: search seed, run index, strategy, whether shrinking finished. */
  readonly origin: {
    readonly searchSeed: number;
    readonly run: number;
    readonly strategy: string;
    readonly shrunk: boolean;
  };
}

export class ReplayFileError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'damaged' | 'format' | 'tool-version' | 'scenario-unknown' | 'scenario-changed',
    message: string,
  ) {
    super(message);
    this.name = 'ReplayFileError';
  }
}

function checksum(body: string): string {
  // Two independent 32-bit hashes of the body: enough to notice damage, not a signature.
  const a = hashString32(body);
  const b = hashString32(`${body.length}:${body}`);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The file's text: the record, then a checksum line over it. */
export function serializeReplay(r: ReplayFile): string {
  const body = JSON.stringify(r, null, 2);
  return `${JSON.stringify({ checksum: checksum(body) })}\n${body}\n`;
}

const REQUIRED_FIELDS = [
  'format',
  'tool',
  'scenario',
  'seed',
  'params',
  'faults',
  'mutants',
  'schedule',
  'choices',
  'finding',
  'traceHash',
] as const;

/** Parses and validates a replay file's text; every problem is a one-line `ReplayFileError`. */
export function parseReplay(text: string): ReplayFile {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new ReplayFileError('damaged', 'replay file is truncated: no checksum line');
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, nl));
  } catch {
    throw new ReplayFileError('damaged', 'replay file is damaged: the checksum line is not JSON');
  }
  const sum = (header as { checksum?: unknown }).checksum;
  if (typeof sum !== 'string') throw new ReplayFileError('damaged', 'replay file is damaged: no checksum');
  const body = text.slice(nl + 1).replace(/\n$/, '');
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    throw new ReplayFileError('damaged', 'replay file is truncated or damaged: its body is not complete JSON');
  }
  if (checksum(body) !== sum) {
    throw new ReplayFileError('damaged', 'replay file was edited or damaged: its checksum does not match its content');
  }
  if (typeof record !== 'object' || record === null)
    throw new ReplayFileError('damaged', 'replay file body is not an object');
  for (const f of REQUIRED_FIELDS) {
    if (!(f in record)) throw new ReplayFileError('damaged', `replay file lacks the field "${f}"`);
  }
  const r = record as ReplayFile;
  if (r.format !== REPLAY_FORMAT) {
    throw new ReplayFileError(
      'format',
      `replay file format ${String(r.format)} is not supported (this tool reads ${REPLAY_FORMAT})`,
    );
  }
  if (!Array.isArray(r.choices) || !r.choices.every((c) => Number.isInteger(c) && c >= 0)) {
    throw new ReplayFileError('damaged', 'replay file field "choices" must be a list of non-negative integers');
  }
  if (!Number.isInteger(r.seed)) throw new ReplayFileError('damaged', 'replay file field "seed" must be an integer');
  return r;
}

export function readReplayFile(path: string): ReplayFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReplayFileError('unreadable', `cannot read replay file ${path}: ${(e as Error).message}`);
  }
  return parseReplay(text);
}
