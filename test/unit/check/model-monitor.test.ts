/** The LST model monitor: legal and illegal status changes, creations, continuity, crashes, coverage. */
import { describe, expect, it } from 'vitest';
import { jobStatusMachine } from '../../../models/index.js';
import { ModelMonitor, modelStatusChecker } from '../../../src/check/model-monitor.js';
import { compileTransitions } from '../../../src/check/model-table.js';

const table = compileTransitions(jobStatusMachine);

describe('ModelMonitor', () => {
  it('accepts a legal lifecycle and counts what it saw', () => {
    const m = new ModelMonitor(table);
    const path: [string | null, string][] = [
      [null, 'queued'],
      ['queued', 'waiting'],
      ['waiting', 'running'],
      ['running', 'queued'],
      ['queued', 'waiting'],
      ['waiting', 'running'],
      ['running', 'success'],
    ];
    for (const [from, to] of path) expect(m.observe('job/1', from, to)).toBeNull();
    expect(m.violations()).toEqual([]);
    expect(m.coverage().get('waiting->running')).toBe(2);
    expect(m.coverage().get('->queued')).toBe(1);
    expect(m.statuses().get('job/1')).toBe('success');
  });

  it('reports an illegal change with the legal ones from that state', () => {
    const seen: string[] = [];
    const m = new ModelMonitor(table, { onViolation: (v) => seen.push(v.reason) });
    m.observe('job/2', null, 'queued');
    m.observe('job/2', 'queued', 'waiting');
    m.observe('job/2', 'waiting', 'running');
    const v = m.observe('job/2', 'running', 'canceling');
    expect(v?.reason).toBe('illegal');
    expect(v?.message).toMatch(/^job\/2: illegal job-status change running -> canceling \(from 'running': /);
    expect(seen).toEqual(['illegal']);
  });

  it('nothing leaves a final state', () => {
    const m = new ModelMonitor(table);
    expect(m.observe('job/3', 'success', 'queued')?.reason).toBe('illegal');
  });

  it('a creation must be in the initial state', () => {
    const m = new ModelMonitor(table);
    expect(m.observe('job/4', null, 'waiting')?.reason).toBe('not-initial');
  });

  it('reports a change that does not start where the previous one ended', () => {
    const m = new ModelMonitor(table);
    m.observe('job/5', null, 'queued');
    expect(m.observe('job/5', 'waiting', 'running')?.reason).toBe('discontinuity');
    const lax = new ModelMonitor(table, { continuity: false });
    lax.observe('job/5', null, 'queued');
    expect(lax.observe('job/5', 'waiting', 'running')).toBeNull();
  });

  it('reports unknown states', () => {
    const m = new ModelMonitor(table);
    expect(m.observe('job/6', 'queued', 'paused')?.reason).toBe('unknown-state');
  });
});

describe('modelStatusChecker', () => {
  const ctx = () => {
    const found: [string, string][] = [];
    return { found, violation: (p: string, msg: string) => void found.push([p, msg]) };
  };

  it('checks job.status trace records and reports LST violations', () => {
    const checker = modelStatusChecker(table, 'job.status');
    const c = ctx();
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: [null, 'queued'] }, c);
    checker.onEvent({ kind: 'lock.acquired', subject: 'cluster/BGL', fields: ['shared'] }, c);
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: ['queued', 'running'] }, c);
    expect(c.found.length).toBe(1);
    expect(c.found[0]?.[0]).toBe('LST');
    expect(checker.name).toBe('LST:job-status');
  });

  it('forgets continuity after a process crash (the restarted daemon reloads jobs from disk)', () => {
    const checker = modelStatusChecker(table, 'job.status');
    const c = ctx();
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: [null, 'queued'] }, c);
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: ['queued', 'waiting'] }, c);
    checker.onEvent({ kind: 'proc.crash', subject: 'node1/masterd#1', fields: ['test'] }, c);
    // The queued -> waiting write was still in the volatile cache when the master crashed: the
    // reloaded job is queued again, so its next change starts from queued.
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: ['queued', 'waiting'] }, c);
    expect(c.found).toEqual([]);
  });

  it('reports malformed records', () => {
    const checker = modelStatusChecker(table, 'job.status');
    const c = ctx();
    checker.onEvent({ kind: 'job.status', subject: 'job/1', fields: [3, 'queued'] }, c);
    expect(c.found.length).toBe(1);
  });
});
