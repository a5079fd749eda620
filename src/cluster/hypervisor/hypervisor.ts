/**
 * The simulated hypervisor of one node: libvirtd's QEMU driver as the lock manager sees it
 * (spec §1.4). A `libvirtd` process loads the lock plugin (`nop`, `lockd` or `sanlock`) and runs every
 * lifecycle operation; each domain runs in its own `qemu-<name>` process whose guest writes to
 * its read-write disks through the simulated (shared) disk while its vCPUs run, so two writers
 * of one disk are visible in the trace (`guest.write`).
 *
 * API for callers (a scenario's workload thread, or a Ganeti instance LU through its node
 * daemon): every operation is a `Proc` that may be called from any simulated thread, runs under
 * the domain's job lock (libvirt serialises all calls for one domain), executes inside the
 * libvirtd process (so the lock daemon sees libvirtd as the peer, never the QEMU), and throws a
 * `VirError` when libvirt would report an error:
 *
 *   hv.define(def)                          // persistent definition (no lock calls)
 *   yield* hv.start(name, { paused })       // fork: ProcessStart(REGISTER_ONLY|RESTRICT); then StartCPUs
 *   yield* hv.suspend(name)                 // StopCPUs: `stop`, then ProcessPause (release)
 *   yield* hv.resume(name)                  // StartCPUs: ProcessResume (acquire), then `cont`
 *   yield* hv.attachDisk(name, disk)        // ImageAttach first, reverse rollback on failure
 *   yield* hv.detachDisk(name, target)      // guest stops using it, then ImageDetach (warn only)
 *   yield* hv.destroy(name) / shutdown(name)// QEMU dies; no lock calls (virtlockd frees on close)
 *   yield* hv.save(name) / restore(name)    // StopCPUs + kill / start paused + StartCPUs
 *   yield* migrate(src, dst, name)          // migration.ts: inquire, register, release, acquire
 *   hv.restartLibvirtd()                    // crash + restart; locks untouched
 *
 * A Ganeti LU maps as: instance startup -> `start` on the primary; shutdown -> `shutdown`;
 * migrate -> `migrate(primary, secondary)`; failover -> `destroy` on the old primary (if it is
 * reachable) then `start` on the new one; disk add/remove with hotplug (`OP_INSTANCE_SET_PARAMS`)
 * -> `attachDisk`/`detachDisk`. All are wired: `libvirtInstanceHooks(cluster, defOf)`
 * (ganeti-hooks.ts) is the LU env's `instanceHooks` (e.g. `MemoryCluster.create(rt, {
 * instanceHooks })`).
 *
 * Trace: `libvirt.domain <name>/<pid> <from> <to>` (the lock lifecycle of each QEMU, checked
 * against `models/domain-lock.machine.ts`); `guest.cpus <name>/<pid> running|stopped`;
 * `guest.write <path> <name>/<pid> <pid> <exclusive|shared>`; `guest.detach <path> <name>/<pid>
 * <pid>`; `hv.image <path> <name>/<pid> <pid> <attach|detach>` before a hotplug's lock call; `hv.op <name> <node> <op> <ok|ERROR>`; `hv.warn <name> <op> <message>`.
 */

import { Mutex } from '../../lib/mutex.js';
import { VirErr, VirFrom, virErrName } from '../../lockd/constants.js';
import { DomainLocker } from '../../lockd/domain-lock.js';
import type { DriverEnv, LockDriverFactory, Storage } from '../../lockd/driver.js';
import { isVirError, VirError } from '../../lockd/errors.js';
import { createLockdDriver } from '../../lockd/lockd-driver.js';
import { DEFAULT_LOCK_MANAGER_PLUGIN_DIR, LockModuleLoader, lockManagerPluginNew } from '../../lockd/plugin.js';
import { createSanlockDriver } from '../../lockd/sanlock-driver.js';
import type { MutantSet } from '../../mutants/registry.js';
import { DiskError, type Proc, type ProcessRef, type World } from '../../sim/ports.js';
import {
  type DomainDef,
  type DomainDisk,
  type DomainObj,
  isActive,
  isWritable,
  type LockObjState,
  lockDomainOf,
  type QemuProcess,
} from './domain.js';

export type LockManagerName = 'nop' | 'lockd' | 'sanlock';

export interface HypervisorOptions {
  readonly node: string;
  /** `lock_manager` of qemu.conf. */
  readonly lockManager: LockManagerName;
  /** Content of the plugin's `/etc/libvirt/qemu-<plugin>.conf`, written at first start (none: no file). */
  readonly lockConfig?: string;
  readonly storage: Storage;
  readonly mutants: MutantSet;
  /** Disk images to create (empty) at start when missing, like a management layer would. */
  readonly images?: readonly string[];
  /** How often a running guest writes to each of its read-write disks, µs (default 100 000). */
  readonly guestWriteEveryUs?: number;
}

const LIBVIRTD = 'libvirtd';
const CONFIG_DIR = '/etc/libvirt';
const DRIVER_URI = 'qemu:///system';
/** The time the migration stream takes once the source is stopped, µs. */
export const MIGRATION_TRANSFER_US = 10_000;

const installed: ReadonlyMap<string, LockDriverFactory> = new Map([
  [`${DEFAULT_LOCK_MANAGER_PLUGIN_DIR}/lockd.so`, createLockdDriver],
  [`${DEFAULT_LOCK_MANAGER_PLUGIN_DIR}/sanlock.so`, createSanlockDriver],
]);

export class Hypervisor {
  private readonly domains = new Map<string, DomainObj>();
  private readonly jobs = new Map<string, Mutex>();
  private libvirtd: ProcessRef | null = null;
  private locker: DomainLocker | null = null;
  private nextDomainId = 1;

  private constructor(
    readonly world: World,
    readonly opts: HypervisorOptions,
  ) {}

  static start(world: World, opts: HypervisorOptions): Hypervisor {
    const hv = new Hypervisor(world, opts);
    world.processes.startProcess(opts.node, LIBVIRTD, (self) => hv.main(self), { daemon: true });
    return hv;
  }

  get node(): string {
    return this.opts.node;
  }

  /** The lock plugin's name (for the migration cookie). */
  lockDriverName(): string {
    return this.opts.lockManager;
  }

  define(def: DomainDef): void {
    const dom = this.domains.get(def.name);
    // A domain whose QEMU is being launched (an incoming migration's Prepare, say) is active too:
    // replacing its object would orphan that QEMU and let a start launch a second one.
    if (dom && isActive(dom)) {
      throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, `domain '${def.name}' is already active`);
    }
    this.domains.set(def.name, {
      def,
      state: 'shutoff',
      qemu: null,
      lockState: null,
      saved: dom?.saved ?? false,
      starting: false,
    });
  }

  /** The domain record (for scenarios and checks); undefined when not defined here. */
  domain(name: string): Readonly<DomainObj> | undefined {
    return this.domains.get(name);
  }

  /** The domain whose QEMU has `pid`, or null. */
  domainOfPid(pid: number): string | null {
    for (const [name, dom] of this.domains) if (dom.qemu?.pid === pid) return name;
    return null;
  }

  /** libvirtd dies and comes back; QEMUs and their locks are untouched (spec §1.4). */
  restartLibvirtd(): void {
    const running = this.world.processes.findProcess(this.opts.node, LIBVIRTD);
    if (running) this.world.processes.crashProcess(running, 'restart');
    this.world.processes.restartProcess(this.opts.node, LIBVIRTD);
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle operations (see the module header)

  *start(name: string, opts: { paused?: boolean } = {}): Proc<void> {
    yield* this.job(name, 'start', (dom) => this.doStart(dom, opts.paused ?? false));
  }

  *suspend(name: string): Proc<void> {
    yield* this.job(name, 'suspend', (dom) => this.doSuspend(dom));
  }

  *resume(name: string): Proc<void> {
    yield* this.job(name, 'resume', (dom) => this.doResume(dom));
  }

  *destroy(name: string): Proc<void> {
    yield* this.job(name, 'destroy', (dom) => this.doKill(dom, 'destroy'));
  }

  *shutdown(name: string): Proc<void> {
    yield* this.job(name, 'shutdown', (dom) => this.doKill(dom, 'shutdown'));
  }

  *attachDisk(name: string, disk: DomainDisk, opts: { failAfterLock?: boolean } = {}): Proc<void> {
    yield* this.job(name, 'attach-disk', (dom) => this.doAttach(dom, disk, opts.failAfterLock ?? false));
  }

  /** Creates an empty disk image when it is missing, as a management layer does for a new disk. */
  *createImage(path: string): Proc<void> {
    const disk = this.opts.storage.diskFor(path);
    if (!(yield* disk.exists(path))) yield* disk.appendFile(path, '');
  }

  *detachDisk(name: string, target: string): Proc<void> {
    yield* this.job(name, 'detach-disk', (dom) => this.doDetach(dom, target));
  }

  *save(name: string): Proc<void> {
    yield* this.job(name, 'save', (dom) => this.doSave(dom));
  }

  *restore(name: string): Proc<void> {
    yield* this.job(name, 'restore', (dom) => this.doRestore(dom));
  }

  // -------------------------------------------------------------------------------------------
  // Steps that migration.ts composes (each runs inside libvirtd; the caller holds the job)

  /**
   * Runs `body` inside libvirtd under the domain's job lock; records `hv.op`. The job lock is
   * libvirtd's memory, taken by the libvirtd thread: a libvirtd restart starts with no jobs.
   */
  *job<T>(name: string, op: string, body: (dom: DomainObj) => Proc<T>): Proc<T> {
    try {
      const value = yield* this.inLibvirtd(op, () => this.underJob(name, body));
      this.world.emit('hv.op', name, this.node, op, 'ok');
      return value;
    } catch (e) {
      if (isVirError(e)) this.world.emit('hv.op', name, this.node, op, virErrName(e.code));
      throw e;
    }
  }

  private *underJob<T>(name: string, body: (dom: DomainObj) => Proc<T>): Proc<T> {
    const mutex = this.jobMutex(name);
    yield* mutex.acquire();
    try {
      const dom = this.domains.get(name);
      if (!dom) {
        throw new VirError(VirErr.NO_DOMAIN, VirFrom.QEMU, `Domain not found: no domain with matching name '${name}'`);
      }
      return yield* body(dom);
    } finally {
      mutex.release();
    }
  }

  /** Migration Begin: the cookie's lock part (spec §1.4). */
  *migrationBegin(dom: DomainObj): Proc<{ lockDriver: string; lockState: string | null }> {
    const lockState = dom.state === 'paused' ? dom.lockState : yield* this.lockerOf().processInquire(lockDomainOf(dom));
    return { lockDriver: this.lockDriverName(), lockState };
  }

  /** Migration Prepare on the destination: cookie check, QEMU with `-incoming` (register only). */
  *migrationPrepare(def: DomainDef, cookie: { lockDriver: string; lockState: string | null }): Proc<void> {
    const here = this.lockDriverName();
    if (cookie.lockDriver !== here) {
      throw new VirError(
        VirErr.OPERATION_FAILED,
        VirFrom.QEMU,
        `Source host lock driver ${cookie.lockDriver} different from target ${here}`,
      );
    }
    if (this.lockerOf().plugin.usesState() && cookie.lockState === null) {
      throw new VirError(VirErr.OPERATION_FAILED, VirFrom.QEMU, `Missing ${here} lock state for migration cookie`);
    }
    this.define(def);
    const dom = this.domains.get(def.name) as DomainObj;
    dom.starting = true;
    try {
      yield* this.launch(dom);
    } finally {
      dom.starting = false;
    }
    dom.state = 'paused';
    dom.lockState = cookie.lockState;
  }

  /** Migration Finish on the destination: StartCPUs (acquire with the cookie's state), or kill. */
  *migrationFinish(dom: DomainObj): Proc<void> {
    try {
      yield* this.startCpus(dom);
    } catch (e) {
      this.killQemu(dom, 'migration-failed');
      throw e;
    }
  }

  /** Source Perform: StopCPUs (release); the stream is sent while both sides are paused. */
  *migrationPerform(dom: DomainObj): Proc<void> {
    if (dom.state === 'running') yield* this.stopCpus(dom);
    yield* this.world.sleep(MIGRATION_TRANSFER_US);
  }

  /** Source Confirm: success kills the source QEMU (nothing held); cancel resumes it if it ran. */
  *migrationConfirm(dom: DomainObj, ok: boolean, wasRunning: boolean): Proc<void> {
    if (ok) {
      this.killQemu(dom, 'migrated');
      return;
    }
    if (wasRunning && dom.qemu) yield* this.startCpus(dom);
  }

  /** Runs `body` in a new thread of libvirtd and waits for it; libvirtd's death is an error. */
  *inLibvirtd<T>(op: string, body: () => Proc<T>): Proc<T> {
    const proc = this.libvirtd;
    if (!proc?.isAlive() || !this.locker) {
      throw new VirError(VirErr.SYSTEM_ERROR, VirFrom.RPC, "Failed to connect socket to '/run/libvirt/libvirt-sock'");
    }
    const done = this.world.condition(`libvirtd.${op}`);
    const out: { value?: T; error?: unknown; finished: boolean } = { finished: false };
    this.world.spawn(
      `libvirtd.${op}`,
      () =>
        (function* () {
          try {
            out.value = yield* body();
          } catch (e) {
            out.error = e;
          } finally {
            out.finished = true;
            done.notifyAll();
          }
        })(),
      { process: proc },
    );
    this.world.processes.onExit(proc, () => done.notifyAll());
    while (!out.finished) {
      if (!proc.isAlive()) {
        throw new VirError(VirErr.SYSTEM_ERROR, VirFrom.RPC, 'End of file while reading data: Input/output error');
      }
      yield* done.wait();
    }
    if ('error' in out) throw out.error;
    return out.value as T;
  }

  // -------------------------------------------------------------------------------------------

  private jobMutex(name: string): Mutex {
    let m = this.jobs.get(name);
    if (!m) {
      m = new Mutex(this.world, `domain-job:${this.node}:${name}`, {
        order: 'fifo',
        waitsOn: `domain-job:${this.node}:${name}`,
      });
      this.jobs.set(name, m);
    }
    return m;
  }

  private lockerOf(): DomainLocker {
    if (!this.locker) throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.QEMU, 'lock manager is not loaded');
    return this.locker;
  }

  /** libvirtd start-up: provision, load the lock plugin, reconnect to running QEMUs. */
  private *main(self: ProcessRef): Proc<void> {
    this.libvirtd = self;
    this.locker = null;
    this.jobs.clear();
    const local = this.world.disk(this.node);
    const configFile = `${CONFIG_DIR}/qemu-${this.opts.lockManager}.conf`;
    if (this.opts.lockConfig !== undefined && !(yield* local.exists(configFile))) {
      yield* local.writeFile(configFile, this.opts.lockConfig);
    }
    for (const image of this.opts.images ?? []) yield* this.createImage(image);
    const env: DriverEnv = {
      world: this.world,
      node: this.node,
      storage: this.opts.storage,
      mutants: this.opts.mutants,
    };
    const plugin = yield* lockManagerPluginNew(
      new LockModuleLoader(env, installed),
      this.opts.lockManager,
      'qemu',
      CONFIG_DIR,
      0,
    );
    // qemuProcessReconnect: the state comes from the running QEMUs; a QEMU whose start job was
    // interrupted by the restart is killed (qemuProcessStop for QEMU_ASYNC_JOB_START).
    for (const dom of this.domains.values()) {
      if (dom.starting) {
        dom.starting = false;
        this.killQemu(dom, 'start-interrupted');
      }
      if (dom.qemu) dom.state = dom.qemu.cpusRunning ? 'running' : 'paused';
    }
    this.locker = new DomainLocker(plugin, DRIVER_URI, this.world);
    // The event loop: operations run in threads of their own; the process lives until killed.
    const forever = this.world.condition(`libvirtd.main:${self.label}`, { idle: true });
    for (;;) yield* forever.wait();
  }

  private *doStart(dom: DomainObj, paused: boolean): Proc<void> {
    if (dom.state !== 'shutoff') {
      throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is already running');
    }
    dom.starting = true;
    try {
      yield* this.launch(dom);
      dom.state = 'paused';
      if (paused) return;
      try {
        yield* this.startCpus(dom);
      } catch (e) {
        // A fresh start whose CPUs cannot start is killed (which frees whatever it acquired).
        this.killQemu(dom, 'start-failed');
        throw e;
      }
    } finally {
      dom.starting = false;
    }
  }

  /**
   * Forks QEMU: in the child, ProcessStart(paused) registers the PID on a restricted connection
   * that is leaked into QEMU; then the guest runs (vCPUs stopped: `-S`).
   */
  private *launch(dom: DomainObj): Proc<void> {
    const locker = this.lockerOf();
    const handshake = this.world.condition(`qemu-launch:${dom.def.name}`);
    const result: { ok?: boolean; error?: unknown } = {};
    const id = this.nextDomainId++;
    const everyUs = this.opts.guestWriteEveryUs ?? 100_000;
    const hv = this;
    let qemu: QemuProcess | null = null;
    const proc = this.world.processes.startProcess(
      this.node,
      `qemu-${dom.def.name}`,
      function* (self) {
        const q: QemuProcess = {
          proc: self,
          pid: self.pid,
          id,
          subject: `${dom.def.name}/${self.pid}`,
          cpusRunning: false,
          cpuWake: hv.world.condition(`vcpu:${dom.def.name}/${self.pid}`),
          lockState: 'defined',
        };
        qemu = q;
        dom.qemu = q;
        hv.world.emit('libvirt.domain', q.subject, null, 'defined');
        try {
          yield* locker.processStart(lockDomainOf(dom), true, true);
        } catch (e) {
          result.error = e;
          handshake.notifyAll();
          return; // the child exits: the start fails
        }
        hv.setLockState(q, 'registered');
        result.ok = true;
        handshake.notifyAll();
        yield* hv.guest(dom, q, everyUs);
      },
      { daemon: true },
    );
    this.world.processes.onExit(proc, () => {
      const q = qemu as QemuProcess | null;
      if (q) this.setLockState(q, 'dead');
      if (dom.qemu === q && q !== null) {
        dom.qemu = null;
        dom.state = 'shutoff';
        dom.lockState = null;
      }
      handshake.notifyAll();
    });
    while (result.ok === undefined && result.error === undefined && proc.isAlive()) yield* handshake.wait();
    if (result.ok) return;
    if (proc.isAlive()) this.world.processes.crashProcess(proc, 'start-failed');
    if (result.error !== undefined) throw result.error;
    throw new VirError(VirErr.OPERATION_FAILED, VirFrom.QEMU, 'guest crashed during start-up');
  }

  /** The guest: while the vCPUs run, write every read-write disk, then wait a tick (or a `cont`). */
  private *guest(dom: DomainObj, q: QemuProcess, everyUs: number): Proc<void> {
    for (;;) {
      if (q.cpusRunning) {
        for (const d of dom.def.disks) {
          if (!isWritable(d.source) || d.source.path === null || !q.cpusRunning) continue;
          const path = d.source.path;
          try {
            yield* this.opts.storage.diskFor(path).writeFile(path, `${q.subject}`);
          } catch (e) {
            if (!(e instanceof DiskError)) throw e;
            this.world.emit('guest.io-error', path, q.subject, e.code);
            continue;
          }
          // Still attached and running after the write: the write is the guest's.
          if (q.cpusRunning && dom.def.disks.includes(d)) {
            this.world.emit('guest.write', path, q.subject, q.pid, d.source.shared ? 'shared' : 'exclusive');
          }
        }
      }
      yield* q.cpuWake.wait(everyUs);
    }
  }

  setLockState(q: QemuProcess, to: LockObjState): void {
    if (q.lockState === to || q.lockState === 'dead') return;
    this.world.emit('libvirt.domain', q.subject, q.lockState, to);
    q.lockState = to;
  }

  /** `qemuProcessStartCPUs`: acquire (ProcessResume), then `cont`. */
  *startCpus(dom: DomainObj): Proc<void> {
    const q = dom.qemu;
    if (!q) throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    const locker = this.lockerOf();
    if (this.opts.mutants.has('acquire-after-resume')) {
      // MUTANT(acquire-after-resume): the vCPUs are started before the leases are acquired
      // (libvirt e8f167a62); a failed acquire stops them again, after the guest already ran.
      this.cont(dom, q);
      try {
        yield* locker.processResume(lockDomainOf(dom), dom.lockState);
      } catch (e) {
        this.stop(q);
        dom.state = 'paused';
        this.setLockState(q, 'paused');
        throw e;
      }
      dom.lockState = null;
      return;
    }
    yield* locker.processResume(lockDomainOf(dom), dom.lockState);
    dom.lockState = null;
    this.cont(dom, q);
  }

  /**
   * The guest's vCPUs are resumed by QEMU itself (a monitor `cont` or guest agent behind libvirt's
   * back, spec §6.4 invariant 8 (b)): no lock call is made, libvirt still believes the domain
   * paused, and the guest writes its disks without holding their locks until libvirt stops or
   * resumes it properly. A documented unsafe window, traced as `guest.unsafe-resume`.
   */
  qemuSideResume(name: string): boolean {
    const dom = this.domain(name);
    const q = dom?.qemu;
    if (!dom || !q || dom.state !== 'paused' || q.cpusRunning) return false;
    this.world.emit('guest.unsafe-resume', q.subject, q.pid);
    q.cpusRunning = true;
    this.world.emit('guest.cpus', q.subject, 'running');
    q.cpuWake.notifyAll();
    return true;
  }

  private cont(dom: DomainObj, q: QemuProcess): void {
    q.cpusRunning = true;
    dom.state = 'running';
    this.world.emit('guest.cpus', q.subject, 'running');
    this.setLockState(q, 'running');
    q.cpuWake.notifyAll();
  }

  private stop(q: QemuProcess): void {
    q.cpusRunning = false;
    this.world.emit('guest.cpus', q.subject, 'stopped');
  }

  /** `qemuProcessStopCPUs`: `stop`, then ProcessPause (release; a failure is only a warning). */
  *stopCpus(dom: DomainObj): Proc<void> {
    const q = dom.qemu;
    if (!q) return;
    this.stop(q);
    dom.state = 'paused';
    try {
      dom.lockState = yield* this.lockerOf().processPause(lockDomainOf(dom));
    } catch (e) {
      if (!isVirError(e)) throw e;
      this.world.emit('hv.warn', dom.def.name, 'ProcessPause', e.message);
    }
    if (dom.qemu === q) this.setLockState(q, 'paused');
  }

  private *doSuspend(dom: DomainObj): Proc<void> {
    if (dom.state === 'shutoff') throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    if (dom.state === 'paused') return;
    yield* this.stopCpus(dom);
  }

  private *doResume(dom: DomainObj): Proc<void> {
    if (dom.state === 'shutoff') throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    if (dom.state === 'running') return;
    // On failure the domain stays paused with its lock state kept for a retry.
    yield* this.startCpus(dom);
  }

  /** Destroy or shutdown: the QEMU process goes away; no lock-manager call at all. */
  // biome-ignore lint/correctness/useYield: a kill is immediate; it is a Proc like every operation
  private *doKill(dom: DomainObj, why: string): Proc<void> {
    if (dom.state === 'shutoff') throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    this.killQemu(dom, why);
  }

  killQemu(dom: DomainObj, why: string): void {
    const q = dom.qemu;
    if (!q) return;
    if (q.cpusRunning) this.stop(q);
    this.world.processes.crashProcess(q.proc, why);
  }

  private *doAttach(dom: DomainObj, disk: DomainDisk, failAfterLock: boolean): Proc<void> {
    if (dom.def.disks.some((d) => d.target === disk.target)) {
      throw new VirError(VirErr.OPERATION_FAILED, VirFrom.QEMU, `target ${disk.target} already exists`);
    }
    if (dom.state === 'shutoff') {
      dom.def = { ...dom.def, disks: [...dom.def.disks, disk] }; // inactive: the definition only
      return;
    }
    const locker = this.lockerOf();
    this.imageOp(dom, disk, 'attach');
    yield* locker.imageAttach(lockDomainOf(dom), disk.source);
    if (failAfterLock) {
      // A later step (namespace, label, cgroup, device_add) failed: roll back in reverse order.
      this.imageOp(dom, disk, 'detach');
      yield* locker.imageDetach(lockDomainOf(dom), disk.source);
      throw new VirError(VirErr.OPERATION_FAILED, VirFrom.QEMU, `unable to execute QEMU command 'device_add'`);
    }
    dom.def = { ...dom.def, disks: [...dom.def.disks, disk] };
  }

  /** Trace: a hotplug's lock call is about to be made (so an interrupted one is recognisable). */
  private imageOp(dom: DomainObj, disk: DomainDisk, what: 'attach' | 'detach'): void {
    if (dom.qemu && disk.source.path !== null) {
      this.world.emit('hv.image', disk.source.path, dom.qemu.subject, dom.qemu.pid, what);
    }
  }

  private *doDetach(dom: DomainObj, target: string): Proc<void> {
    const disk = dom.def.disks.find((d) => d.target === target);
    if (!disk) throw new VirError(VirErr.OPERATION_FAILED, VirFrom.QEMU, `disk ${target} not found`);
    const before = lockDomainOf(dom);
    dom.def = { ...dom.def, disks: dom.def.disks.filter((d) => d !== disk) };
    if (dom.state === 'shutoff' || !dom.qemu) return;
    if (disk.source.path !== null) this.world.emit('guest.detach', disk.source.path, dom.qemu.subject, dom.qemu.pid);
    this.imageOp(dom, disk, 'detach');
    try {
      yield* this.lockerOf().imageDetach(before, disk.source);
    } catch (e) {
      if (!isVirError(e)) throw e;
      this.world.emit('hv.warn', dom.def.name, 'ImageDetach', e.message);
    }
  }

  private *doSave(dom: DomainObj): Proc<void> {
    if (dom.state === 'shutoff') throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is not running');
    if (dom.state === 'running') yield* this.stopCpus(dom);
    this.killQemu(dom, 'saved');
    dom.saved = true;
  }

  private *doRestore(dom: DomainObj): Proc<void> {
    if (!dom.saved) throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'no managed save image');
    if (dom.state !== 'shutoff')
      throw new VirError(VirErr.OPERATION_INVALID, VirFrom.QEMU, 'domain is already running');
    dom.starting = true;
    try {
      yield* this.launch(dom);
      dom.state = 'paused';
      try {
        yield* this.startCpus(dom);
      } catch (e) {
        this.killQemu(dom, 'restore-failed');
        throw e;
      }
    } finally {
      dom.starting = false;
    }
    dom.saved = false;
  }
}
