/**
 * Live migration v3 between two simulated hypervisors (spec §1.4, §6.3): Begin (source: the
 * cookie's lock state by inquire), Prepare (destination: QEMU with `-incoming`, registered
 * only), Perform (source: stop the vCPUs and release, then send), Finish (destination: acquire
 * with the cookie's state, then `cont`; on failure its QEMU is killed), Confirm (source: kill
 * its QEMU on success; on cancel resume it, re-acquiring, if it ran before).
 *
 * Between the source's release and the destination's acquire both sides are paused, so no disk
 * has two writers (invariant 10). The source's job lock is held throughout; the destination's
 * only around its own steps, so two opposite migrations cannot deadlock on job locks.
 */
import { VirErr, VirFrom } from '../../lockd/constants.js';
import { isVirError, VirError } from '../../lockd/errors.js';
import type { Proc } from '../../sim/ports.js';
import type { DomainObj } from './domain.js';
import type { Hypervisor } from './hypervisor.js';

export function* migrate(src: Hypervisor, dst: Hypervisor, name: string): Proc<void> {
  if (src === dst)
    throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'source and destination are the same host');
  yield* src.job(name, 'migrate', function* (dom: DomainObj) {
    if (dom.state === 'shutoff' || !dom.qemu) {
      throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    }
    const wasRunning = dom.state === 'running';
    const cookie = yield* src.migrationBegin(dom);
    const def = dom.def;
    if (!dst.domain(name)) dst.define(def);
    yield* dst.job(name, 'migrate-prepare', () => dst.migrationPrepare(def, cookie));
    let ok = false;
    try {
      yield* src.migrationPerform(dom);
      yield* dst.job(name, 'migrate-finish', (incoming: DomainObj) => dst.migrationFinish(incoming));
      ok = true;
    } catch (e) {
      if (!isVirError(e)) throw e;
      yield* src.migrationConfirm(dom, false, wasRunning);
      throw e;
    }
    yield* src.migrationConfirm(dom, ok, wasRunning);
  });
}
