/**
 * virtlockd (spec §2): the lock daemon of one node, a simulated process serving the `virtlockd`
 * service (program 0xEA7BEEF over `/run/libvirt/virtlockd-sock`). It holds a map of lockspaces
 * (plus the default lockspace, where resources are named by absolute path) and one record per
 * client connection: the peer's PID (`SO_PEERCRED`), the registered owner and whether the
 * connection is restricted.
 *
 * Dispatch is single-threaded (eefabb38c3): each RPC arrives in its own thread of the daemon
 * process (that is how the simulated network delivers requests) and is served under one FIFO
 * mutex, so procedures never interleave. Nothing waits for a lock: file locks are tried, not
 * waited for (`virLockSpace`).
 *
 * Owner death (spec §2.3): when a connection whose peer PID equals its owner PID closes (the
 * QEMU process died, or closed its leaked FD), every resource of that PID is released in every
 * lockspace; if anything was released the PID is killed: SIGTERM, a probe every 200 ms, SIGKILL
 * at the 8th tick, give up after 15 ticks (3 s), stop as soon as the process is gone.
 *
 * Restart (spec §2.4): `reexec()` (SIGUSR1) writes the state to `/run/virtlockd-restart-exec.json`,
 * "execs" (the daemon's memory is dropped; the process, its PID, its sockets and its file locks
 * stay), reads the file back, unlinks it and rebuilds the state when the magic equals the PID. A
 * crash (`world.processes.crashProcess`) loses everything: the kernel drops the file locks, the
 * sockets die without any release or kill, and the restarted daemon starts empty, while the
 * QEMUs it protected keep running unprotected (bsc#1217403).
 *
 * Trace: `lockd.register <daemon> <conn> <clientPid> <ownerPid>`; `lockd.call <daemon> <proc>
 * <conn> <ok|ERROR_NAME>`; `lockd.conn-close <daemon> <conn> <clientPid> <ownerPid> <released>`;
 * `lockd.kill <daemon> <pid> <signal|ESRCH|gave-up> <tick>`; `lockd.reexec <daemon> <table
 * before> <table after>`; the lockspaces emit `libvirt.resource` and `lockspace.busy`.
 */

import { Mutex } from '../lib/mutex.js';
import type { MutantSet } from '../mutants/registry.js';
import type { Proc, ProcessRef, World } from '../sim/ports.js';
import {
  LOCKD_KILL_SIGKILL_TICK,
  LOCKD_KILL_TICK_US,
  LOCKD_KILL_TICKS,
  LOCKD_RESTART_EXEC_FILE,
  LOCKD_SERVICE,
  LOCKSPACE_ACQUIRE_AUTOCREATE,
  LOCKSPACE_ACQUIRE_SHARED,
  LockdProc,
  VirErr,
  VirFrom,
  virErrName,
} from './constants.js';
import type { Storage } from './driver.js';
import { checkFlags, isVirError, VirError } from './errors.js';
import {
  LOCKD_PROC_NAMES,
  type LockdArgs,
  type LockdCallReply,
  type LockdCallRequest,
  type LockdConnectReply,
  type LockdOwner,
} from './lockd-protocol.js';
import { LockSpace, type LockSpaceIo, type LockSpaceJson } from './lockspace.js';

export interface VirtlockdOptions {
  readonly node: string;
  /** Where lockspace directories, resource files and disk images live. */
  readonly storage: Storage;
  readonly mutants: MutantSet;
}

/** One client connection as the daemon's memory holds it (`virLockDaemonClient`). */
interface ClientRecord {
  readonly conn: string;
  readonly clientPid: number;
  owner: LockdOwner | null;
  restricted: boolean;
}

/** The re-exec state file (`virLockDaemonPreExecRestart`). */
interface RestartExecJson {
  readonly magic: string;
  readonly daemon: { readonly clients: readonly (ClientRecord & { readonly fd: number })[] };
  readonly defaultLockspace: LockSpaceJson;
  readonly lockspaces: readonly LockSpaceJson[];
}

/** The daemon's memory: what a crash loses and a re-exec carries over through the state file. */
class DaemonState {
  readonly lockspaces = new Map<string, LockSpace>();
  readonly clients = new Map<string, ClientRecord>();
  constructor(readonly defaultLockspace: LockSpace) {}

  /** Every lockspace, the default one first, then by directory (stable order). */
  all(): LockSpace[] {
    return [
      this.defaultLockspace,
      ...[...this.lockspaces.keys()].sort().map((k) => this.lockspaces.get(k) as LockSpace),
    ];
  }
}

/** What the kernel keeps for a process across an exec: its sockets (conn id -> peer process). */
interface Incarnation {
  readonly proc: ProcessRef;
  readonly sockets: Map<string, ProcessRef>;
  readonly mutex: Mutex;
  state: DaemonState | null;
  nextConn: number;
  nextFd: number;
}

/**
 * The virtlockd of one node: starts the process and survives its restarts (each incarnation has
 * its own memory). Tests and scenarios use `reexec`, `dropOwnerConnection` and `table`.
 */
export class Virtlockd {
  private inc: Incarnation | null = null;
  /** Processes by PID, learned at connect: what `kill(pid, ...)` reaches (the kernel's PID table). */
  private readonly peers = new Map<number, ProcessRef>();

  private constructor(
    private readonly world: World,
    private readonly opts: VirtlockdOptions,
  ) {}

  /** Starts virtlockd on `opts.node` (a daemon process: it never keeps a run alive). */
  static start(world: World, opts: VirtlockdOptions): Virtlockd {
    const d = new Virtlockd(world, opts);
    world.processes.startProcess(opts.node, LOCKD_SERVICE, (self) => d.main(self), { daemon: true });
    return d;
  }

  /** The live daemon process, or null while it is down. */
  process(): ProcessRef | null {
    return this.world.processes.findProcess(this.opts.node, LOCKD_SERVICE);
  }

  /** Starts the daemon again after a crash (systemd socket activation); a no-op while it runs. */
  restart(): ProcessRef {
    const running = this.world.processes.findProcess(this.opts.node, LOCKD_SERVICE);
    return running ?? this.world.processes.restartProcess(this.opts.node, LOCKD_SERVICE);
  }

  /**
   * The lock table, rendered one line per record (`<lockspace>|<name> <shared|exclusive>
   * <owners>`), sorted; empty while the daemon is down or exec'ing. For invariant 11.
   */
  table(): string {
    const st = this.live()?.state;
    return st ? renderTable(st) : '';
  }

  /** The owners of a resource of the lockspace at `dir` (`""` default), for tests. */
  owners(dir: string, name: string): readonly number[] {
    const st = this.live()?.state;
    const ls = dir === '' ? st?.defaultLockspace : st?.lockspaces.get(dir);
    return ls?.owners(name) ?? [];
  }

  /** SIGUSR1: re-exec with the state carried over in the state file. Must run in a thread. */
  *reexec(): Proc<void> {
    const inc = this.live();
    if (!inc) return;
    const done = this.world.condition(`virtlockd.reexec:${this.opts.node}`);
    let finished = false;
    this.world.spawn(
      `${LOCKD_SERVICE}.reexec`,
      () =>
        (function* (d: Virtlockd) {
          yield* d.doReexec(inc);
          finished = true;
          done.notifyAll();
        })(this),
      { process: inc.proc },
    );
    this.world.processes.onExit(inc.proc, () => done.notifyAll());
    while (!finished && inc.proc.isAlive()) yield* done.wait();
  }

  /**
   * The owner connection of `pid` closes while the process lives (QEMU closed its leaked FD, or
   * the socket was reset): the daemon handles it like any connection close. Returns whether
   * such a connection existed.
   */
  dropOwnerConnection(pid: number): boolean {
    const inc = this.live();
    const st = inc?.state;
    if (!inc || !st) return false;
    for (const c of st.clients.values()) {
      if (c.owner?.pid === pid && c.clientPid === pid) {
        this.socketClosed(inc, c.conn);
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------

  private live(): Incarnation | null {
    return this.inc?.proc.isAlive() ? this.inc : null;
  }

  private *main(self: ProcessRef): Proc<void> {
    const inc: Incarnation = {
      proc: self,
      sockets: new Map(),
      mutex: new Mutex(this.world, `virtlockd.dispatch:${self.label}`, {
        order: 'fifo',
        waitsOn: `virtlockd.dispatch:${self.label}`,
      }),
      state: null,
      nextConn: 1,
      nextFd: 3,
    };
    this.inc = inc;
    inc.state = new DaemonState(yield* LockSpace.create(this.io(inc), null));
    this.world.net.serve(LOCKD_SERVICE, (method, payload, from) => this.handle(inc, method, payload, from));
    // The main loop: requests arrive in threads of their own; the process lives until killed.
    const forever = this.world.condition(`virtlockd.main:${self.label}`, { idle: true });
    for (;;) yield* forever.wait();
  }

  private io(inc: Incarnation): LockSpaceIo {
    return {
      storage: this.opts.storage,
      keyPrefix: `${this.opts.node}:`,
      emit: (kind, subject, ...fields) => this.world.emit(kind, subject, ...fields),
      allocFd: () => inc.nextFd++,
    };
  }

  private *handle(inc: Incarnation, method: string, payload: unknown, from: ProcessRef): Proc<unknown> {
    if (method === 'connect') {
      const conn = `c${inc.nextConn++}`;
      inc.sockets.set(conn, from);
      this.peers.set(from.pid, from);
      yield* inc.mutex.acquire();
      try {
        inc.state?.clients.set(conn, { conn, clientPid: from.pid, owner: null, restricted: false });
      } finally {
        inc.mutex.release();
      }
      this.world.processes.onExit(from, () => this.socketClosed(inc, conn));
      return { conn } satisfies LockdConnectReply;
    }
    if (method === 'close') {
      const { conn } = payload as { conn: string };
      this.socketClosed(inc, conn);
      return { ok: true };
    }
    if (method !== 'call') throw new Error(`virtlockd: unknown method ${method}`);
    const req = payload as LockdCallRequest;
    yield* inc.mutex.acquire();
    try {
      yield* this.dispatch(inc, req);
      this.world.emit('lockd.call', inc.proc.label, LOCKD_PROC_NAMES[req.args.proc] ?? '?', req.conn, 'ok');
      return { ok: true } satisfies LockdCallReply;
    } catch (e) {
      if (!isVirError(e)) throw e;
      this.world.emit(
        'lockd.call',
        inc.proc.label,
        LOCKD_PROC_NAMES[req.args.proc] ?? '?',
        req.conn,
        virErrName(e.code),
      );
      return { ok: false, error: e.toData() } satisfies LockdCallReply;
    } finally {
      inc.mutex.release();
    }
  }

  /** `virLockSpaceProtocolDispatch*`. */
  private *dispatch(inc: Incarnation, req: LockdCallRequest): Proc<void> {
    const st = inc.state;
    const client = st?.clients.get(req.conn);
    if (!st || !client || !inc.sockets.has(req.conn)) {
      throw new VirError(VirErr.SYSTEM_ERROR, VirFrom.RPC, 'Cannot write data: Broken pipe');
    }
    const a: LockdArgs = req.args;
    if (client.restricted) {
      throw new VirError(VirErr.OPERATION_DENIED, VirFrom.RPC, 'lock manager connection has been restricted');
    }
    switch (a.proc) {
      case LockdProc.REGISTER:
        checkFlags(a.flags, 0, 'virLockSpaceProtocolDispatchRegister', VirFrom.RPC);
        if (a.owner.id === 0) throw notRegistered();
        client.owner = { ...a.owner };
        this.world.emit('lockd.register', inc.proc.label, req.conn, client.clientPid, a.owner.pid);
        return;
      case LockdProc.RESTRICT:
        checkFlags(a.flags, 0, 'virLockSpaceProtocolDispatchRestrict', VirFrom.RPC);
        ownerOf(client);
        client.restricted = true;
        return;
      case LockdProc.NEW:
        ownerOf(client);
        if (a.path === '') {
          throw new VirError(VirErr.OPERATION_INVALID, VirFrom.RPC, 'the default lockspace already exists');
        }
        if (st.lockspaces.has(a.path)) {
          throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.RPC, `Lockspace for path ${a.path} already exists`);
        }
        st.lockspaces.set(a.path, yield* LockSpace.create(this.io(inc), a.path));
        return;
      case LockdProc.CREATE_RESOURCE:
        ownerOf(client);
        return yield* lockspaceOf(st, a.path).createResource(a.name);
      case LockdProc.DELETE_RESOURCE:
        ownerOf(client);
        return yield* lockspaceOf(st, a.path).deleteResource(a.name);
      case LockdProc.ACQUIRE_RESOURCE: {
        checkFlags(a.flags, LOCKSPACE_ACQUIRE_SHARED | LOCKSPACE_ACQUIRE_AUTOCREATE, 'acquire', VirFrom.RPC);
        const owner = ownerOf(client);
        return yield* lockspaceOf(st, a.path).acquireResource(a.name, owner.pid, a.flags);
      }
      case LockdProc.RELEASE_RESOURCE: {
        checkFlags(a.flags, 0, 'virLockSpaceProtocolDispatchReleaseResource', VirFrom.RPC);
        const owner = ownerOf(client);
        const ls = lockspaceOf(st, a.path);
        if (this.opts.mutants.has('release-all-leases')) {
          // MUTANT(release-all-leases): releasing one resource releases every resource the owner
          // holds, in every lockspace (libvirt a58cb1ac4: hot-detach of one disk released all
          // the domain's leases).
          if (ls.owners(a.name).length === 0) return yield* ls.releaseResource(a.name, owner.pid);
          for (const each of st.all()) yield* each.releaseResourcesForOwner(owner.pid);
          return;
        }
        return yield* ls.releaseResource(a.name, owner.pid);
      }
      case LockdProc.CREATE_LOCKSPACE:
        if (a.path === '' || st.lockspaces.has(a.path)) return; // de1e0ae0e3: existing is fine
        st.lockspaces.set(a.path, yield* LockSpace.create(this.io(inc), a.path));
        return;
    }
  }

  /** A socket of this incarnation closed (peer exit, explicit close, or a dropped connection). */
  private socketClosed(inc: Incarnation, conn: string): void {
    if (!inc.proc.isAlive() || !inc.sockets.delete(conn)) return;
    this.world.spawn(`${LOCKD_SERVICE}.client-free`, () => this.clientFree(inc, conn), { process: inc.proc });
  }

  /** `virLockDaemonClientFree`: release an owner's resources and kill it (spec §2.3). */
  private *clientFree(inc: Incarnation, conn: string): Proc<void> {
    yield* inc.mutex.acquire();
    try {
      const st = inc.state;
      const client = st?.clients.get(conn);
      if (!st || !client) return;
      st.clients.delete(conn);
      const ownerPid = client.owner?.pid ?? 0;
      if (client.owner === null || ownerPid === 0 || client.clientPid !== ownerPid) {
        this.world.emit('lockd.conn-close', inc.proc.label, conn, client.clientPid, ownerPid, 0);
        return;
      }
      let released = 0;
      for (const ls of st.all()) released += yield* ls.releaseResourcesForOwner(ownerPid);
      this.world.emit('lockd.conn-close', inc.proc.label, conn, client.clientPid, ownerPid, released);
      if (released === 0) return;
      // MUTANT(release-without-kill): the owner's leases are freed but the process is left
      // running (the lock daemon forgets to kill the owner on disconnect).
      if (this.opts.mutants.has('release-without-kill')) return;
      yield* this.killOwner(inc, this.peers.get(ownerPid) ?? null, ownerPid);
    } finally {
      inc.mutex.release();
    }
  }

  /** SIGTERM; probe every 200 ms; SIGKILL at tick 8; give up after 15 ticks; stop on ESRCH. */
  private *killOwner(inc: Incarnation, peer: ProcessRef | null, pid: number): Proc<void> {
    for (let tick = 0; tick < LOCKD_KILL_TICKS; tick++) {
      if (peer === null || !peer.isAlive()) {
        this.world.emit('lockd.kill', inc.proc.label, pid, 'ESRCH', tick);
        return;
      }
      const sig = tick === 0 ? 'SIGTERM' : tick === LOCKD_KILL_SIGKILL_TICK ? 'SIGKILL' : null;
      this.world.emit('lockd.kill', inc.proc.label, pid, sig ?? 'probe', tick);
      if (sig !== null) this.world.processes.signal(peer, sig);
      yield* this.world.sleep(LOCKD_KILL_TICK_US);
    }
    this.world.emit('lockd.kill', inc.proc.label, pid, 'gave-up', LOCKD_KILL_TICKS);
  }

  /** Pre-exec, exec, post-exec (spec §2.4), between two dispatches. */
  private *doReexec(inc: Incarnation): Proc<void> {
    yield* inc.mutex.acquire();
    try {
      const st = inc.state;
      if (!st) return;
      const before = renderTable(st);
      const json: RestartExecJson = {
        magic: String(inc.proc.pid),
        daemon: { clients: [...st.clients.values()].map((c, i) => ({ ...c, fd: 100 + i })) },
        defaultLockspace: st.defaultLockspace.toJson(),
        lockspaces: [...st.lockspaces.keys()].sort().map((k) => (st.lockspaces.get(k) as LockSpace).toJson()),
      };
      const disk = this.world.disk(this.opts.node);
      yield* disk.writeFile(LOCKD_RESTART_EXEC_FILE, JSON.stringify(json));
      inc.state = null; // exec: the daemon's memory is gone; PID, sockets and file locks stay
      yield* this.world.yieldNow();
      const text = yield* disk.readFile(LOCKD_RESTART_EXEC_FILE);
      yield* disk.unlink(LOCKD_RESTART_EXEC_FILE);
      const back = JSON.parse(text) as RestartExecJson;
      const io = this.io(inc);
      if (back.magic !== String(inc.proc.pid)) {
        inc.state = new DaemonState(yield* LockSpace.create(io, null)); // stale file: start fresh
      } else {
        const restored = new DaemonState(LockSpace.fromJson(io, back.defaultLockspace));
        for (const ls of back.lockspaces) restored.lockspaces.set(ls.directory ?? '', LockSpace.fromJson(io, ls));
        for (const c of back.daemon.clients) {
          restored.clients.set(c.conn, {
            conn: c.conn,
            clientPid: c.clientPid,
            owner: c.owner,
            restricted: c.restricted,
          });
        }
        inc.state = restored;
      }
      this.world.emit('lockd.reexec', inc.proc.label, before, renderTable(inc.state));
    } finally {
      inc.mutex.release();
    }
  }
}

function notRegistered(): VirError {
  return new VirError(VirErr.OPERATION_INVALID, VirFrom.RPC, 'lock owner details have not been registered');
}

function ownerOf(client: ClientRecord): LockdOwner {
  if (client.owner === null) throw notRegistered();
  return client.owner;
}

function lockspaceOf(st: DaemonState, path: string): LockSpace {
  if (path === '') return st.defaultLockspace;
  const ls = st.lockspaces.get(path);
  if (!ls) throw new VirError(VirErr.INTERNAL_ERROR, VirFrom.RPC, `Lockspace for path ${path} does not exist`);
  return ls;
}

function renderTable(st: DaemonState): string {
  const lines: string[] = [];
  for (const ls of st.all()) {
    for (const name of ls.names()) {
      lines.push(`${ls.dir ?? ''}|${name} ${ls.state(name)} ${ls.owners(name).join(',')}`);
    }
  }
  return lines.sort().join(';');
}
