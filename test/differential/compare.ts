/**
 * Step-by-step comparison of the two sides' observations, and the side-by-side report of a
 * divergence. Each component normalises both sides with functions named by rows of the
 * divergence table (README.md); whatever still differs is a divergence.
 */
import type fc from 'fast-check';
import type { DivergenceId } from './divergences.js';
import type { ComponentName, Observation } from './oracle.js';

export type Side = 'ganeti' | 'gnt-sim';

/** A normalisation of one side's observation, justified by a row of the divergence table. */
export interface Normaliser<P> {
  readonly id: DivergenceId;
  apply(obs: Observation, side: Side, program: P): Observation;
}

/** A component under differential test: its programs, gnt-sim's side, and its table rows. */
export interface Component<P, O = undefined> {
  readonly name: ComponentName;
  readonly arbitrary: fc.Arbitrary<P>;
  /** Runs `program` on gnt-sim's classes: one observation per step, in the driver's shape. */
  simulate(program: P, options?: O): Observation[];
  /** Normalisations, applied to both sides, in order. */
  readonly normalisers: readonly Normaliser<P>[];
  /**
   * Rows this component relies on without normalising anything on the TypeScript side: the driver
   * adapts Ganeti 3.0 (e.g. patched constants) or the programs avoid a path (with the reason).
   */
  readonly handledElsewhere: readonly DivergenceId[];
  /** What the program starts from (owners, the job's opcodes...), for the report. */
  describeSetup(program: P): string;
  /** One line per step of a program, for the report. */
  describeSteps(program: P): string[];
}

export interface Divergence<P> {
  readonly component: ComponentName;
  readonly program: P;
  /** Index of the first step whose observations differ (the extra one if a side has more steps). */
  readonly step: number;
  readonly ganeti: readonly Observation[];
  readonly gntSim: readonly Observation[];
}

export function normalised<P>(c: Component<P, unknown>, program: P, obs: readonly Observation[], side: Side) {
  return obs.map((o) => c.normalisers.reduce((acc, n) => n.apply(acc, side, program), o));
}

/** The first divergence between the two sides, or null when they agree at every step. */
export function compareProgram<P>(
  c: Component<P, unknown>,
  program: P,
  ganetiRaw: readonly Observation[],
  gntSimRaw: readonly Observation[],
): Divergence<P> | null {
  const ganeti = normalised(c, program, ganetiRaw, 'ganeti');
  const gntSim = normalised(c, program, gntSimRaw, 'gnt-sim');
  const n = Math.max(ganeti.length, gntSim.length);
  for (let i = 0; i < n; i++) {
    if (canonical(ganeti[i]) !== canonical(gntSim[i])) {
      return { component: c.name, program, step: i, ganeti, gntSim };
    }
  }
  return null;
}

/** JSON with sorted keys, so key order never counts as a difference. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val !== null && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val,
  );
}

const COLUMN = 58;

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out.length > 0 ? out : [''];
}

/** The keys of two observations whose values differ. */
function differingKeys(a: Observation | undefined, b: Observation | undefined): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => canonical(a?.[k]) !== canonical(b?.[k])).sort();
}

/**
 * The divergence as a report: the program, then each step up to the first differing one with the
 * two sides' observations side by side (differing steps marked `!`), then what to do about it.
 */
export function formatDivergence<P>(c: Component<P, unknown>, d: Divergence<P>, header = ''): string {
  const lines: string[] = [];
  lines.push(`${header}differential divergence in ${d.component} at step ${d.step}`);
  lines.push(`program: ${c.describeSetup(d.program)}`);
  c.describeSteps(d.program).forEach((s, i) => {
    lines.push(`  ${String(i).padStart(3)} ${s}`);
  });
  lines.push(`${'   step'} ${'Ganeti 3.0'.padEnd(COLUMN)} | gnt-sim`);
  for (let i = 0; i <= d.step; i++) {
    const g = d.ganeti[i] === undefined ? '(no step)' : canonical(d.ganeti[i]);
    const s = d.gntSim[i] === undefined ? '(no step)' : canonical(d.gntSim[i]);
    const mark = g === s ? ' ' : '!';
    const left = wrap(g, COLUMN);
    const right = wrap(s, COLUMN);
    for (let j = 0; j < Math.max(left.length, right.length); j++) {
      const label = j === 0 ? `${mark}${String(i).padStart(5)}` : '      ';
      lines.push(`${label} ${(left[j] ?? '').padEnd(COLUMN)} | ${right[j] ?? ''}`);
    }
  }
  lines.push(`differing fields at step ${d.step}: ${differingKeys(d.ganeti[d.step], d.gntSim[d.step]).join(', ')}`);
  lines.push(
    'Fix gnt-sim if it departs from Ganeti by mistake; if the difference is intended, add a row to ' +
      'test/differential/README.md and normalise it by that row id in the component.',
  );
  return lines.join('\n');
}
