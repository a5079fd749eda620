/**
 * Every lifecycle model of gnt-sim, for the checkers (`src/check`) and the reports (`src/report`).
 * Append new machines (lock, libvirt objects) here.
 */
import type { AnyStateMachine } from 'xstate';
import { domainLockMachine } from './domain-lock.machine.js';
import { jobStatusMachine } from './job-status.machine.js';
import { lockResourceMachine } from './lock-resource.machine.js';
import { opcodeStatusMachine } from './opcode-status.machine.js';

export interface ModelEntry {
  /** Stable id, also the machine's id. */
  readonly id: string;
  readonly title: string;
  readonly machine: AnyStateMachine;
  /** Trace event kind whose `[from, to]` fields this model checks, if any. */
  readonly traceKind?: string;
}

export const MODELS: readonly ModelEntry[] = [
  { id: 'job-status', title: 'Ganeti job status', machine: jobStatusMachine, traceKind: 'job.status' },
  { id: 'opcode-status', title: 'Ganeti opcode status', machine: opcodeStatusMachine, traceKind: 'opcode.status' },
  {
    id: 'domain-lock',
    title: 'libvirt domain lock lifecycle',
    machine: domainLockMachine,
    traceKind: 'libvirt.domain',
  },
  { id: 'lock-resource', title: 'libvirt lock resource', machine: lockResourceMachine, traceKind: 'libvirt.resource' },
];

export function findModel(id: string): ModelEntry {
  const m = MODELS.find((e) => e.id === id);
  if (!m) throw new Error(`findModel: no model '${id}' (known: ${MODELS.map((e) => e.id).join(', ')})`);
  return m;
}

export { domainLockMachine, jobStatusMachine, lockResourceMachine, opcodeStatusMachine };
