/**
 * The lock daemons' tables (libvirt spec §6.4, invariants 1, 2, 6 and 11), from trace events:
 *
 * - `MX`: an exclusive record has exactly one owner, and a resource held exclusively by one
 *   node's daemon is held by no other node's daemon (the file lock on shared storage arbitrates).
 * - `FREE` (crash frees): once an owner connection closed, the owner PID is in no exclusive
 *   record of that daemon. A shared record acquired twice by the same PID keeps one stale
 *   occurrence (one occurrence is removed per record): a faithful quirk, not a finding.
 * - `REEXEC`: a re-exec leaves the table exactly as it was.
 */

import { isEvent } from '../sim/events.js';
import type { TraceRecord } from '../sim/trace.js';
import type { CheckContext, Checker } from './checker.js';
import { LibvirtView, nodeOfLabel } from './libvirt-view.js';

export function libvirtLockTableChecker(): Checker {
  const view = new LibvirtView();
  return {
    name: 'libvirt-lock-table',
    onEvent(r: TraceRecord, ctx: CheckContext) {
      view.observe(r);
      if (isEvent(r, 'libvirt.resource')) {
        const sep = r.subject.indexOf(':');
        const key = r.subject.slice(sep + 1);
        const records = view.recordsOf(key);
        for (const [node, rec] of records) {
          if (rec.mode === 'exclusive' && rec.owners.length !== 1) {
            ctx.violation('MX', `${node}:${key}: exclusive with owners [${rec.owners.join(',')}]`, [r.subject]);
            return;
          }
        }
        if (records.length > 1 && records.some(([, rec]) => rec.mode === 'exclusive')) {
          const held = records.map(([node, rec]) => `${node} ${rec.mode} [${rec.owners.join(',')}]`).join('; ');
          ctx.violation('MX', `${key}: held exclusively on one node and also elsewhere: ${held}`, [key]);
        }
      } else if (isEvent(r, 'lockd.conn-close')) {
        const [, clientPid, ownerPid] = r.fields;
        if (ownerPid === 0 || clientPid !== ownerPid) return;
        for (const [key, rec] of view.table(nodeOfLabel(r.subject))) {
          if (rec.mode === 'exclusive' && rec.owners.includes(ownerPid)) {
            ctx.violation('FREE', `${key}: still held by ${ownerPid} after its owner connection closed`, [key]);
            return;
          }
        }
      } else if (isEvent(r, 'lockd.reexec')) {
        const [before, after] = r.fields;
        if (before !== after) {
          ctx.violation('REEXEC', `${r.subject}: re-exec changed the lock table from "${before}" to "${after}"`, [
            r.subject,
          ]);
        }
      }
    },
  };
}
