/**
 * The job and opcode status machines (models/) against spec §5.4, and the compiled transition
 * table against xstate itself: structurally (edges equal the graph xstate derives) and
 * behaviourally (random event sequences are legal in the table exactly when `snapshot.can`
 * says so, and lead to the same state).
 */
import { toDirectedGraph } from '@xstate/graph';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createMachine, getInitialSnapshot, getNextSnapshot } from 'xstate';
import { findModel, jobStatusMachine, MODELS, opcodeStatusMachine } from '../../../models/index.js';
import { compileTransitions } from '../../../src/check/model-table.js';
import { JOB_STATUS_ALL, JOBS_FINALIZED, OP_STATUS_ALL, OPS_FINALIZED } from '../../../src/jqueue/constants.js';

/** Spec §5.4, job level (plus canceling -> error: restart recovery of a canceling job, §5.11). */
const SPEC_JOB_PAIRS = [
  'queued->waiting',
  'queued->canceled',
  'waiting->running',
  'waiting->waiting',
  'waiting->canceling',
  'waiting->canceled',
  'waiting->error',
  'waiting->queued',
  'running->queued',
  'running->success',
  'running->error',
  'canceling->canceled',
  'canceling->error',
];

/** Spec §5.4, the opcode transition table. */
const SPEC_OPCODE_PAIRS = [
  'queued->waiting',
  'queued->canceled',
  'queued->canceling',
  'queued->error',
  'waiting->running',
  'waiting->waiting',
  'waiting->canceling',
  'waiting->queued',
  'waiting->error',
  'running->success',
  'running->error',
  'canceling->canceled',
  'canceling->error',
];

function pairsOf(machine: AnyStateMachine): string[] {
  const t = compileTransitions(machine);
  return [...new Set(t.edges.map((e) => `${e.from}->${e.to}`))].sort();
}

describe('status models', () => {
  it('the job machine has the seven job statuses, starts queued, and its final states are JOBS_FINALIZED', () => {
    const t = compileTransitions(jobStatusMachine);
    expect([...t.states].sort()).toEqual([...JOB_STATUS_ALL].sort());
    expect(t.initial).toBe('queued');
    expect([...t.finalStates].sort()).toEqual([...JOBS_FINALIZED].sort());
  });

  it('the opcode machine has the seven opcode statuses, starts queued, and its final states are OPS_FINALIZED', () => {
    const t = compileTransitions(opcodeStatusMachine);
    expect([...t.states].sort()).toEqual([...OP_STATUS_ALL].sort());
    expect(t.initial).toBe('queued');
    expect([...t.finalStates].sort()).toEqual([...OPS_FINALIZED].sort());
  });

  it('the job machine admits exactly the job-level status changes of spec §5.4', () => {
    expect(pairsOf(jobStatusMachine)).toEqual([...SPEC_JOB_PAIRS].sort());
    const t = compileTransitions(jobStatusMachine);
    expect(t.admits('running', 'canceling')).toBe(false); // cancel refuses running jobs
    expect(t.eventsBetween('waiting', 'queued')).toEqual(['QUEUE_SHUTDOWN', 'MASTER_RESTARTED']);
  });

  it('the opcode machine admits exactly the opcode status changes of spec §5.4', () => {
    expect(pairsOf(opcodeStatusMachine)).toEqual([...SPEC_OPCODE_PAIRS].sort());
  });

  it('MODELS lists every machine with its trace kind', () => {
    expect(MODELS.map((m) => [m.id, m.machine.id, m.traceKind])).toEqual([
      ['job-status', 'job-status', 'job.status'],
      ['opcode-status', 'opcode-status', 'opcode.status'],
      ['domain-lock', 'domain-lock', 'libvirt.domain'],
      ['lock-resource', 'lock-resource', 'libvirt.resource'],
    ]);
    expect(findModel('job-status').machine).toBe(jobStatusMachine);
    expect(() => findModel('nope')).toThrow(/no model 'nope'/);
  });
});

describe('compileTransitions', () => {
  for (const model of MODELS) {
    it(`${model.id}: the compiled edges equal the transitions of @xstate/graph's directed graph`, () => {
      const t = compileTransitions(model.machine);
      const graph = toDirectedGraph(model.machine);
      const fromGraph = graph.children
        .flatMap((node) => node.edges.map((e) => `${e.source.key} -${e.label.text}-> ${e.target.key}`))
        .sort();
      const fromTable = t.edges.map((e) => `${e.from} -${e.event}-> ${e.to}`).sort();
      expect(fromTable).toEqual(fromGraph);
      expect(fromTable.length).toBeGreaterThan(0);
    });

    it(`${model.id}: random event sequences are legal in the table exactly when xstate's snapshot.can() says so`, () => {
      const machine = model.machine;
      const t = compileTransitions(machine);
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...t.events, 'UNKNOWN_EVENT'), { maxLength: 25 }), (events) => {
          let snap = getInitialSnapshot(machine, undefined);
          let state = t.initial;
          expect(snap.value).toBe(state);
          for (const type of events) {
            const ev = { type };
            const legal = snap.can(ev);
            const next = t.next(state, type);
            expect(next !== undefined).toBe(legal);
            if (!legal) continue; // an illegal event changes nothing; the walk goes on
            snap = getNextSnapshot(machine, snap, ev);
            state = next as string;
            expect(snap.value).toBe(state);
            expect(snap.status === 'done').toBe(t.finalStates.has(state));
          }
        }),
        { seed: 7, numRuns: 500 },
      );
    });
  }

  it('refuses machines it cannot represent (guards, nested states) with an error naming the machine', () => {
    const guarded = createMachine({
      id: 'guarded',
      initial: 'a',
      states: { a: { on: { GO: { target: 'b', guard: () => true } } }, b: {} },
    });
    expect(() => compileTransitions(guarded)).toThrow(/guarded.*guard/);
    const nested = createMachine({
      id: 'nested',
      initial: 'a',
      states: { a: { initial: 'x', states: { x: {} } } },
    });
    expect(() => compileTransitions(nested)).toThrow(/nested.*nested or parallel/);
  });
});
