/**
 * Replay files: everything needed to reproduce one finding byte for byte. They are written the
 * moment a finding is known (atomically, before shrinking or anything else can go wrong) and
 * rewritten once shrinking has produced a smaller counterexample.
 *
 * A file carries a checksum of its own content, so that a truncated or hand-edited file is told
 * apart from a file recorded against another scenario or tool version.
 */
import { z } from 'zod';
import type { Finding } from '../check/finding.js';
import { hashString32 } from '../sim/hash.js';
import { firstProblem } from '../sim/schema.js';
import { readInputFile } from './input-file.js';
import type { Schedule } from './schedule.js';

/** Format 2 added the code hash (`tool.code`) and findings of kind `hang` and `oom`. */
export const REPLAY_FORMAT = 2;

export interface ReplayFile {
  readonly format: typeof REPLAY_FORMAT;
  /** The tool that recorded it; `code` is the content hash of its code (see `code-hash.ts`). */
  readonly tool: { readonly name: string; readonly version: string; readonly code: string };
  readonly scenario: { readonly id: string; readonly hash: string };
  /** Kernel seed of the run (all random streams derive from it). */
  readonly seed: number;
  readonly params: unknown;
  readonly faults: unknown;
  readonly mutants: readonly string[];
  /**
   * How the schedule was generated. Replay uses `choices`, except for a `hang` or `oom` finding,
   * whose run never finished: it replays this schedule (deterministic from the seed).
   */
  readonly schedule: Omit<Schedule, 'recorded'>;
  /** Every choice the failing run took: replayed strictly. */
  readonly choices: readonly number[];
  readonly finding: Finding;
  /** The failing run's trace hash ('' for a run the watchdog killed). */
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

/** Whether a finding's run was killed by the watchdog (it has no recorded choices to replay). */
export function isKilledRun(f: Pick<Finding, 'kind'>): boolean {
  return f.kind === 'hang' || f.kind === 'oom';
}

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const integer = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** Any JSON value, but present. */
const present = z.custom<unknown>((v) => v !== undefined, { message: 'is required' });

export const FINDING_KINDS = [
  'deadlock',
  'violation',
  'liveness',
  'budget',
  'exception',
  'nondeterminism',
  'divergence',
  'hang',
  'oom',
] as const;

export const findingSchema = z.strictObject({
  kind: z.enum(FINDING_KINDS),
  property: z.string(),
  message: z.string(),
  step: count,
  timeUs: count,
  threads: z.array(z.string()),
  objects: z.array(z.string()),
  cycle: z.strictObject({ parties: z.array(z.string()), resources: z.array(z.string()), text: z.string() }).optional(),
  traceHash: z.string(),
});

const scheduleSchema = z.strictObject({
  kind: z.enum(['random', 'pct', 'choices', 'round-robin', 'fifo']),
  depth: z.number().int().min(1).max(1000).optional(),
  salt: integer.optional(),
  choices: z.array(count).optional(),
});

const replaySchema = z.strictObject({
  format: z.literal(REPLAY_FORMAT),
  tool: z.strictObject({ name: z.string(), version: z.string(), code: z.string() }),
  scenario: z.strictObject({ id: z.string().min(1), hash: z.string() }),
  seed: integer,
  params: present,
  faults: present,
  mutants: z.array(z.string()),
  schedule: scheduleSchema,
  choices: z.array(count),
  finding: findingSchema,
  traceHash: z.string(),
  size: z.strictObject({ jobs: count, faults: count, preemptions: count }),
  origin: z.strictObject({
    searchSeed: integer,
    run: count,
    strategy: z.enum(['random', 'pct', 'swarm', 'exhaustive']),
    shrunk: z.boolean(),
  }),
});

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
  const sum = (header as { checksum?: unknown } | null)?.checksum;
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
  const format = (record as { format?: unknown } | null)?.format;
  if (typeof record === 'object' && record !== null && format !== REPLAY_FORMAT) {
    throw new ReplayFileError(
      'format',
      `replay file format ${JSON.stringify(format) ?? 'missing'} is not supported (this tool reads ${REPLAY_FORMAT})`,
    );
  }
  const r = replaySchema.safeParse(record);
  if (!r.success) {
    const p = firstProblem(r.error, record);
    throw new ReplayFileError('damaged', `replay file field ${p.field}: ${p.problem}`);
  }
  return r.data as ReplayFile;
}

export function readReplayFile(path: string): ReplayFile {
  const r = readInputFile(path);
  if ('problem' in r) throw new ReplayFileError('unreadable', `cannot read replay file ${path}: ${r.problem}`);
  return parseReplay(r.text);
}
