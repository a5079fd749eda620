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

/** Names a finding involves, most specific first. */
function involved(f: Finding): string[] {
  const names = [...f.objects, ...(f.cycle?.parties ?? []), ...(f.cycle?.resources ?? []), ...f.threads];
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
  limit = 4,
): ObjectPath[] {
  const names = involved(finding);
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
