/**
 * Type-level tests of the trace events (`TraceEvents`, `src/sim/ports.ts`). Every line after a
 * `@ts-expect-error` must fail to compile: `tsc` checks that in `npm run lint` (an expected error
 * that does not happen is itself an error), and `test/unit/architecture/type-tests.test.ts`
 * compiles this file without the directives and checks that each error is the one named here.
 * The file is never run.
 */
import '../../src/locking/events.js';
import type { LockMode } from '../../src/locking/constants.js';
import { type EventTuple, isEvent } from '../../src/sim/events.js';
import type { Runtime } from '../../src/sim/ports.js';
import type { TraceRecord } from '../../src/sim/trace.js';

export function emitting(rt: Runtime): void {
  rt.emit('lock.acquire', 'instance/inst1', 'exclusive', 0, -1);
  // @ts-expect-error TS2345 an unknown kind
  rt.emit('lock.acquried', 'instance/inst1', 'exclusive', 0, -1);
  // @ts-expect-error TS2345 fields in the wrong order
  rt.emit('lock.acquire', 'instance/inst1', 0, 'exclusive', -1);
  // @ts-expect-error TS2554 a field missing
  rt.emit('lock.acquire', 'instance/inst1', 'exclusive', 0);
  // @ts-expect-error TS2554 a field too many
  rt.emit('lock.acquire', 'instance/inst1', 'exclusive', 0, -1, 7);
  // @ts-expect-error TS2345 a mode outside the declared literal union
  rt.emit('lock.acquire', 'instance/inst1', 'exclusiv', 0, -1);
  // @ts-expect-error TS2345 a fault's strike is no declared kind: the kernel traces it (`emitFaultStrike`)
  rt.emit('fault.crash-node', 'node1');
}

export function reading(r: TraceRecord): LockMode | null {
  // @ts-expect-error TS2345 an unknown kind
  if (isEvent(r, 'lock.acquried')) return null;
  if (!isEvent(r, 'lock.acquire')) return null;
  const [mode, priority, timeoutUs] = r.fields;
  const fine: [LockMode, number, number] = [mode, priority, timeoutUs];
  // @ts-expect-error TS2322 a field read as another type
  const priorityAsText: string = r.fields[1];
  // @ts-expect-error TS2493 past the last field
  const beyond = r.fields[3];
  // @ts-expect-error TS2367 a mode the declaration does not allow
  if (r.fields[0] === 'exclusiv') return null;
  void [fine, priorityAsText, beyond];
  return mode;
}

export const handMade: EventTuple[] = [
  ['lock.acquired', 'JobQueue', 'shared', 0],
  // @ts-expect-error TS2322 a hand-made record with its fields in the wrong order
  ['lock.acquired', 'JobQueue', 0, 'shared'],
];
