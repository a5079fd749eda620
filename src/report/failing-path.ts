/**
 * The lifecycle path of the objects a finding involves: for each model with a trace kind, the
 * status changes the trace recorded for an object the finding names (an LST violation names the
 * object that changed illegally; a deadlock its parties and resources), each marked legal or not
 * by the model's own transition table.
 */
import type { ModelEntry } from '../../models/index.js';
import type { Finding } from '../check/finding.js';
import { compileTransitions, type TransitionTable } from '../check/model-table.js';
import type { TraceRecord } from '../sim/trace.js';
import type { PathStep } from './machine-dot.js';

export interface ObjectPath {
  readonly model: ModelEntry;
  readonly object: string;
  readonly steps: readonly PathStep[];
}

/**
 * Names a finding involves, most specific first: the objects it names, the parties and resources
 * of its cycle, its threads, and then the object each of those threads last changed the status
 * of (a deadlocked worker's job: that is the lifecycle that got stuck).
 */
function involved(
  f: Finding,
  records: readonly TraceRecord[],
  models: readonly ModelEntry[],
  threadNames: ReadonlyMap<number, string>,
): string[] {
  const names = [...f.objects, ...(f.cycle?.parties ?? []), ...(f.cycle?.resources ?? []), ...f.threads];
  const kinds = new Set(models.flatMap((m) => (m.traceKind ? [m.traceKind] : [])));
  const threads = new Set(names);
  const lastObject = new Map<string, string>();
  for (const r of records) {
    const name = threadNames.get(r.thread);
    // A job's opcodes do not replace the job itself: the job's lifecycle is the one drawn.
    if (name !== undefined && threads.has(name) && kinds.has(r.kind)) {
      const prev = lastObject.get(name);
      if (prev === undefined || !r.subject.startsWith(`${prev}/`)) lastObject.set(name, r.subject);
    }
  }
  for (const t of [...f.threads, ...(f.cycle?.parties ?? [])]) {
    const o = lastObject.get(t);
    if (o !== undefined) names.push(o);
  }
  return [...new Set(names)];
}

function tableOf(model: ModelEntry): TransitionTable | null {
  try {
    return compileTransitions(model.machine);
  } catch {
    return null; // guarded or nested machines: legality is then left to the checker's message
  }
}

/**
 * At most `limit` paths, in the order the finding names its objects and then `models` order.
 * An object is matched by its exact trace subject.
 */
export function failingPaths(
  records: readonly TraceRecord[],
  finding: Finding,
  models: readonly ModelEntry[],
  threadNames: ReadonlyMap<number, string> = new Map(),
  limit = 4,
): ObjectPath[] {
  const names = involved(finding, records, models, threadNames);
  const out: ObjectPath[] = [];
  for (const name of names) {
    for (const model of models) {
      if (!model.traceKind || out.length >= limit) continue;
      const changes = records.filter((r) => r.kind === model.traceKind && r.subject === name);
      if (changes.length === 0) continue;
      const table = tableOf(model);
      const steps = changes.map((r): PathStep => {
        const [from, to] = r.fields;
        const f = typeof from === 'string' ? from : null;
        const t = String(to);
        const legal = table === null ? true : f === null ? t === table.initial : table.admits(f, t);
        return { from: f, to: t, step: r.step, legal };
      });
      out.push({ model, object: name, steps });
    }
  }
  return out;
}
