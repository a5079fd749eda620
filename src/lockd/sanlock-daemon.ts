/**
 * The sanlock daemon of one node (spec §3), as the libvirt plugin uses it: a `sanlock` process
 * serving the `sanlock` service.
 *
 * - Delta leases: the node joins a lockspace with its `host_id`; a renewal thread writes its
 *   delta lease (`<lockspace file>.<host_id>`, the renewal time) every `2 * io_timeout`. When no
 *   renewal succeeded for `8 * io_timeout` the lease is lost: every registered process holding
 *   resources in the lockspace is stopped (`on_lockfailure` default: SIGTERM, SIGKILL one
 *   `io_timeout` later; `pause`/`poweroff`: the kill-path helper asks libvirtd to suspend or
 *   destroy the domain). If such a process is still alive `10 * io_timeout` after the last
 *   renewal, the watchdog resets the host (`crashNode`): fencing.
 * - Resource leases: one lease file per resource on shared storage, holding its owners
 *   (`host_id:pid` entries; exclusive unless SHARED). Acquire never waits: a lease owned by a
 *   live host is EBUSY. Leases of a host whose delta lease is older than `14 * io_timeout`
 *   (`host_dead_seconds`) may be taken over. Reads and writes of one lease file are made atomic
 *   by a short non-blocking file lock (standing in for Disk Paxos ballots: a contended ballot
 *   fails, it never waits).
 * - Processes register (`sanlock_register`) on a connection; when the process dies the daemon
 *   releases its leases. Restricted connections refuse further calls.
 *
 * Trace: `sanlock.register <daemon> <pid>`, `sanlock.acquire|release <daemon> <pid> <resources>
 * <ok|errno>`, `sanlock.renew <daemon> <lockspace> <ok|fail>`, `sanlock.lease-lost <daemon>
 * <lockspace>`, `sanlock.kill <daemon> <pid> <signal|killpath>`, `sanlock.fence <node>`.
 */
import type { MutantSet } from '../mutants/registry.js';
import { DiskError, type Proc, type ProcessRef, type World } from '../sim/ports.js';
import type { Storage } from './driver.js';

/** sanlock's own timing, derived from `io_timeout` (seconds in sanlock; µs here). */
export interface SanlockTiming {
  readonly ioTimeoutUs: number;
}

export const SANLOCK_DEFAULT_IO_TIMEOUT_US = 10_000_000;
export const renewalEveryUs = (t: SanlockTiming) => 2 * t.ioTimeoutUs;
export const renewalFailUs = (t: SanlockTiming) => 8 * t.ioTimeoutUs;
export const watchdogFireUs = (t: SanlockTiming) => 10 * t.ioTimeoutUs;
export const hostDeadUs = (t: SanlockTiming) => 14 * t.ioTimeoutUs;

export const SANLOCK_SERVICE = 'sanlock';

/** A resource lease as the plugin names it (`struct sanlk_resource` with one disk). */
export interface SanlockResource {
  readonly lockspace: string;
  readonly name: string;
  readonly path: string;
  readonly offset: number;
  readonly shared: boolean;
}

/** What `on_lockfailure` asks of the kill-path helper (or null: sanlock kills the PID itself). */
export type KillPathAction = 'pause' | 'poweroff';

export interface SanlockDaemonOptions {
  readonly node: string;
  readonly storage: Storage;
  readonly mutants: MutantSet;
  readonly timing?: SanlockTiming;
  /** `libvirt_sanlock_helper`: asks libvirtd to suspend or destroy the domain of `pid`. */
  readonly killPath?: (pid: number, action: KillPathAction) => Proc<void>;
}

export type SanlockRequest =
  | { readonly op: 'add_lockspace'; readonly lockspace: string; readonly hostId: number; readonly path: string }
  | { readonly op: 'register' }
  | { readonly op: 'restrict'; readonly conn: string }
  | { readonly op: 'killpath'; readonly conn: string; readonly action: KillPathAction }
  | { readonly op: 'init_resource'; readonly path: string }
  | {
      readonly op: 'acquire';
      readonly conn: string | null;
      readonly pid: number;
      readonly res: readonly SanlockResource[];
    }
  | {
      readonly op: 'release';
      readonly conn: string | null;
      readonly pid: number;
      readonly res: readonly SanlockResource[];
    }
  | { readonly op: 'inquire'; readonly pid: number };

export type SanlockReply =
  | { readonly ok: true; readonly conn?: string; readonly state?: string; readonly registered?: boolean }
  | { readonly ok: false; readonly errno: string };

interface Client {
  readonly proc: ProcessRef;
  restricted: boolean;
  killPath: KillPathAction | null;
  /** Leases held: `path` -> resource. */
  readonly held: Map<string, SanlockResource>;
}

interface Lockspace {
  readonly name: string;
  readonly hostId: number;
  readonly path: string;
  lastRenewalUs: number;
  lost: boolean;
}

class SanlockError extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}

/** Lease file content: one `host_id:pid` per line (several when shared). */
function parseOwners(text: string): Array<{ hostId: number; pid: number; shared: boolean }> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [h, p, s] = l.split(':');
      return { hostId: Number(h), pid: Number(p), shared: s === 's' };
    });
}

function formatOwners(owners: ReadonlyArray<{ hostId: number; pid: number; shared: boolean }>): string {
  return owners.map((o) => `${o.hostId}:${o.pid}:${o.shared ? 's' : 'e'}\n`).join('');
}

export class SanlockDaemon {
  private readonly clients = new Map<string, Client>();
  private readonly lockspaces = new Map<string, Lockspace>();
  private proc: ProcessRef | null = null;
  private nextConn = 1;
  readonly timing: SanlockTiming;

  private constructor(
    private readonly world: World,
    private readonly opts: SanlockDaemonOptions,
  ) {
    this.timing = opts.timing ?? { ioTimeoutUs: SANLOCK_DEFAULT_IO_TIMEOUT_US };
  }

  static start(world: World, opts: SanlockDaemonOptions): SanlockDaemon {
    const d = new SanlockDaemon(world, opts);
    world.processes.startProcess(opts.node, SANLOCK_SERVICE, (self) => d.main(self), { daemon: true });
    return d;
  }

  /** Leases `pid` holds here (paths), for tests. */
  heldBy(pid: number): string[] {
    const out: string[] = [];
    for (const c of this.clients.values()) if (c.proc.pid === pid) out.push(...c.held.keys());
    return out.sort();
  }

  private *main(self: ProcessRef): Proc<void> {
    this.proc = self;
    this.clients.clear();
    this.lockspaces.clear();
    this.world.net.serve(SANLOCK_SERVICE, (_m, payload, from) => this.handle(payload as SanlockRequest, from));
    const forever = this.world.condition(`sanlock.main:${self.label}`, { idle: true });
    for (;;) yield* forever.wait();
  }

  private label(): string {
    return this.proc?.label ?? `${this.opts.node}/sanlock`;
  }

  private *handle(req: SanlockRequest, from: ProcessRef): Proc<SanlockReply> {
    try {
      return yield* this.dispatch(req, from);
    } catch (e) {
      if (e instanceof SanlockError) return { ok: false, errno: e.errno };
      if (e instanceof DiskError) return { ok: false, errno: e.code };
      throw e;
    }
  }

  private client(conn: string | null): Client | null {
    if (conn === null) return null;
    const c = this.clients.get(conn);
    if (!c) throw new SanlockError('EBADF');
    if (c.restricted) throw new SanlockError('EPERM');
    return c;
  }

  private clientOfPid(pid: number): Client | null {
    for (const c of this.clients.values()) if (c.proc.pid === pid && c.proc.isAlive()) return c;
    return null;
  }

  private *dispatch(req: SanlockRequest, from: ProcessRef): Proc<SanlockReply> {
    switch (req.op) {
      case 'add_lockspace': {
        if (this.lockspaces.has(req.lockspace)) return { ok: true }; // EEXIST counts as success
        const ls: Lockspace = { ...req, name: req.lockspace, lastRenewalUs: 0, lost: false };
        yield* this.renew(ls);
        if (ls.lastRenewalUs === 0) throw new SanlockError('EIO');
        this.lockspaces.set(req.lockspace, ls);
        const self = this.proc;
        if (self) this.world.spawn(`sanlock.renewal:${req.lockspace}`, () => this.renewalLoop(ls), { process: self });
        return { ok: true };
      }
      case 'register': {
        const conn = `s${this.nextConn++}`;
        this.clients.set(conn, { proc: from, restricted: false, killPath: null, held: new Map() });
        this.world.processes.onExit(from, () => this.clientDied(conn));
        this.world.emit('sanlock.register', this.label(), from.pid);
        return { ok: true, conn };
      }
      case 'restrict': {
        const c = this.client(req.conn);
        if (c) c.restricted = true;
        return { ok: true };
      }
      case 'killpath': {
        const c = this.client(req.conn);
        if (c) c.killPath = req.action;
        return { ok: true };
      }
      case 'init_resource': {
        // O_CREAT|O_EXCL in libvirt: a lease file that exists (maybe held) is never rewritten.
        const disk = this.opts.storage.diskFor(req.path);
        if (!(yield* disk.exists(req.path))) yield* disk.appendFile(req.path, '');
        return { ok: true };
      }
      case 'acquire': {
        this.client(req.conn);
        const c = this.clientOfPid(req.pid);
        if (!c) throw new SanlockError('ESRCH');
        const done: SanlockResource[] = [];
        try {
          for (const r of req.res) {
            yield* this.acquireLease(c, r);
            done.push(r);
          }
        } catch (e) {
          // sanlock_acquire is all or nothing.
          for (const r of done) yield* this.releaseLease(c, r);
          this.world.emit('sanlock.acquire', this.label(), req.pid, req.res.map((r) => r.name).join(','), String(e));
          throw e;
        }
        this.world.emit('sanlock.acquire', this.label(), req.pid, req.res.map((r) => r.name).join(','), 'ok');
        return { ok: true };
      }
      case 'release': {
        this.client(req.conn);
        const c = this.clientOfPid(req.pid);
        if (!c) throw new SanlockError('ESRCH');
        // The lease leaves the process at once; a failed write of the lease file is reported,
        // and the stale entry is ignored by other hosts once this host's delta lease is dead.
        let errno: string | null = null;
        const released: string[] = [];
        for (const r of req.res) {
          if (!c.held.has(r.path)) continue;
          released.push(r.name);
          try {
            yield* this.releaseLease(c, r);
          } catch (e) {
            if (!(e instanceof DiskError) && !(e instanceof SanlockError)) throw e;
            errno ??= e instanceof DiskError ? e.code : e.errno;
          }
        }
        this.world.emit('sanlock.release', this.label(), req.pid, released.join(','), 'ok');
        return errno === null ? { ok: true } : { ok: false, errno };
      }
      case 'inquire': {
        const c = this.clientOfPid(req.pid);
        if (!c) return { ok: true, registered: false };
        const state = [...c.held.values()]
          .map((r) => `${r.lockspace}:${r.name}:${r.path}:${r.offset}${r.shared ? ':SH' : ''}`)
          .join(' ');
        return { ok: true, registered: true, state };
      }
    }
  }

  /** Lease files with a ballot in progress in this daemon (file locks never conflict within it). */
  private readonly balloting = new Set<string>();

  /**
   * A lease file's read-modify-write under a short ballot: exclusive against other ballots of
   * this daemon and (by a non-blocking file lock) of other hosts. A contended ballot fails.
   */
  private *ballot<T>(path: string, body: (text: string) => Proc<T>): Proc<T> {
    if (this.balloting.has(path)) throw new SanlockError('EBUSY');
    const disk = this.opts.storage.diskFor(path);
    this.balloting.add(path);
    try {
      if (!(yield* disk.flock(path, 'exclusive', { wait: false }))) throw new SanlockError('EBUSY');
      try {
        return yield* body(yield* disk.readFile(path));
      } finally {
        disk.funlock(path);
      }
    } finally {
      this.balloting.delete(path);
    }
  }

  private hostAlive(hostId: number, lockspace: string): boolean {
    const ls = this.lockspaces.get(lockspace);
    if (ls && ls.hostId === hostId) return !ls.lost;
    // Another host: its delta lease must have been renewed within host_dead.
    const peers = this.peerRenewals.get(`${lockspace}#${hostId}`);
    return peers !== undefined && this.world.now() - peers < hostDeadUs(this.timing);
  }

  /** Last renewal time seen of other hosts' delta leases, `lockspace#host_id` -> µs. */
  private readonly peerRenewals = new Map<string, number>();

  private *readPeers(ls: Lockspace): Proc<void> {
    const disk = this.opts.storage.diskFor(ls.path);
    const dir = ls.path.slice(0, ls.path.lastIndexOf('/'));
    const base = ls.path.slice(ls.path.lastIndexOf('/') + 1);
    for (const f of yield* disk.list(dir)) {
      if (!f.startsWith(`${base}.`)) continue;
      const hostId = Number(f.slice(base.length + 1));
      const t = Number(yield* disk.readFile(`${dir}/${f}`));
      this.peerRenewals.set(`${ls.name}#${hostId}`, t);
    }
  }

  private *acquireLease(c: Client, r: SanlockResource): Proc<void> {
    const ls = this.lockspaces.get(r.lockspace);
    if (!ls) throw new SanlockError('ENOSPC'); // lockspace not joined
    if (ls.lost) throw new SanlockError('EIO');
    yield* this.readPeers(ls);
    yield* this.ballot(
      r.path,
      function* (this: SanlockDaemon, text: string) {
        const owners = parseOwners(text).filter((o) => this.hostAlive(o.hostId, r.lockspace));
        const conflict = owners.some((o) => !(o.shared && r.shared));
        if (conflict) throw new SanlockError('EBUSY');
        yield* this.opts.storage
          .diskFor(r.path)
          .writeFile(r.path, formatOwners([...owners, { hostId: ls.hostId, pid: c.proc.pid, shared: r.shared }]));
      }.bind(this),
    );
    c.held.set(r.path, r);
  }

  private *releaseLease(c: Client, r: SanlockResource): Proc<void> {
    c.held.delete(r.path);
    const ls = this.lockspaces.get(r.lockspace);
    const hostId = ls?.hostId ?? 0;
    const pid = c.proc.pid;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        yield* this.ballot(
          r.path,
          function* (this: SanlockDaemon, text: string) {
            const rest = parseOwners(text).filter((o) => !(o.hostId === hostId && o.pid === pid));
            yield* this.opts.storage.diskFor(r.path).writeFile(r.path, formatOwners(rest));
          }.bind(this),
        );
        return;
      } catch (e) {
        if (!(e instanceof SanlockError) || e.errno !== 'EBUSY') throw e;
        yield* this.world.sleep(1_000);
      }
    }
  }

  private clientDied(conn: string): void {
    const c = this.clients.get(conn);
    this.clients.delete(conn);
    const self = this.proc;
    if (!c || !self?.isAlive() || c.held.size === 0) return;
    const leases = [...c.held.values()];
    this.world.spawn(
      'sanlock.client-dead',
      () =>
        function* (this: SanlockDaemon) {
          for (const r of leases) {
            try {
              yield* this.releaseLease(c, r);
            } catch (e) {
              if (!(e instanceof DiskError) && !(e instanceof SanlockError)) throw e;
            }
          }
        }.call(this),
      { process: self },
    );
  }

  private *renew(ls: Lockspace): Proc<void> {
    try {
      yield* this.opts.storage.diskFor(ls.path).writeFile(`${ls.path}.${ls.hostId}`, String(this.world.now()));
      ls.lastRenewalUs = this.world.now();
      this.world.emit('sanlock.renew', this.label(), ls.name, 'ok');
    } catch (e) {
      if (!(e instanceof DiskError)) throw e;
      this.world.emit('sanlock.renew', this.label(), ls.name, 'fail');
    }
  }

  /** Renews the delta lease; on loss stops the holders, and fences the host if they live on. */
  private *renewalLoop(ls: Lockspace): Proc<void> {
    while (!ls.lost) {
      yield* this.world.sleep(Math.min(renewalEveryUs(this.timing), this.timing.ioTimeoutUs));
      if (this.world.now() - ls.lastRenewalUs >= renewalEveryUs(this.timing)) yield* this.renew(ls);
      if (this.world.now() - ls.lastRenewalUs >= renewalFailUs(this.timing)) ls.lost = true;
    }
    this.world.emit('sanlock.lease-lost', this.label(), ls.name);
    const victims = [...this.clients.values()].filter((c) => [...c.held.values()].some((r) => r.lockspace === ls.name));
    for (const c of victims) {
      if (c.killPath && this.opts.killPath) {
        this.world.emit('sanlock.kill', this.label(), c.proc.pid, `killpath:${c.killPath}`);
        const action = c.killPath;
        const pid = c.proc.pid;
        const kill = this.opts.killPath;
        this.world.spawn('sanlock.killpath', () => kill(pid, action), { process: this.proc });
      } else {
        this.world.emit('sanlock.kill', this.label(), c.proc.pid, 'SIGTERM');
        this.world.processes.signal(c.proc, 'SIGTERM');
      }
    }
    const fenceAt = ls.lastRenewalUs + watchdogFireUs(this.timing);
    const sigkillAt = ls.lastRenewalUs + renewalFailUs(this.timing) + this.timing.ioTimeoutUs;
    if (sigkillAt > this.world.now()) yield* this.world.sleep(sigkillAt - this.world.now());
    for (const c of victims) {
      if (c.proc.isAlive() && !c.killPath) {
        this.world.emit('sanlock.kill', this.label(), c.proc.pid, 'SIGKILL');
        this.world.processes.signal(c.proc, 'SIGKILL');
      }
    }
    if (fenceAt > this.world.now()) yield* this.world.sleep(fenceAt - this.world.now());
    // The watchdog: a holder still alive (or still holding) means the host must be reset.
    if (victims.some((c) => c.proc.isAlive() && c.held.size > 0)) {
      this.world.emit('sanlock.fence', this.opts.node);
      this.world.processes.crashNode(this.opts.node);
    }
  }
}
