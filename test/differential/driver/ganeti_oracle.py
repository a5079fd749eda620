"""Differential oracle driver: runs gnt-sim's test programs against Ganeti's own classes.

Reads one JSON request per line on stdin, {"id": n, "component": name, "program": {...}}, and
writes one JSON line per request on stdout, {"id": n, "observations": [...]} or
{"id": n, "error": "..."}. One process serves a whole batch, so Python and Ganeti are imported once.

Ganeti's modules are not part of gnt-sim: they are unpacked from Debian's ganeti-3.0 package into a
git-ignored cache (see install-oracle.sh) and put on sys.path by the caller (PYTHONPATH). Nothing
here is Ganeti's code; the fakes follow the pattern of Ganeti's own unit tests (a fake queue, a
fake opcode executor, a fake timeout strategy, scripted dependency results).

Run with /usr/bin/python3 and WITHOUT -O: Ganeti's sanity checks are asserts, and the comparison
counts them.

Components:
  shared-lock         locking.SharedLock with one real thread per owner, stepped deterministically
  job-status          jqueue._QueuedJob: CalcStatus, CalcPriority, Cancel, ChangePriority, ...
  job-processor       jqueue._JobProcessor with a fake queue and a fake opcode executor
  dependency-manager  jqueue._JobDependencyManager with a fake job-status lookup
"""

import json
import os
import select
import sys
import threading
import time
import traceback
import warnings

warnings.simplefilter("ignore")  # Thread.getName() is deprecated in 3.11; Ganeti calls it

from ganeti import constants  # noqa: E402
from ganeti import errors  # noqa: E402
from ganeti import jqueue  # noqa: E402
from ganeti import locking  # noqa: E402
from ganeti import mcpu  # noqa: E402
from ganeti import opcodes  # noqa: E402
from ganeti import query  # noqa: E402

#: How far past its deadline a timed-out poll returns. A real poll() always returns after its
#: timeout; on the virtual clock it would return exactly at it, where Ganeti's strict
#: "now > start + timeout" test would not yet see the timeout expired. Only the thread whose wait
#: timed out sees the clock this much ahead (see SharedLockRun.time_fn). Row virtual-poll-timeout
#: of test/differential/README.md.
POLL_OVERSHOOT = 1e-6

#: Real seconds a settle may take before the driver declares itself stuck (never expected).
SETTLE_LIMIT = 10.0


class _Abandon(Exception):
  """Raised inside a parked waiter at the end of a program, so its thread unwinds and exits."""


# ---------------------------------------------------------------------------------------------
# SharedLock


class _Park(object):
  """A thread blocked in Ganeti's pipe-condition wait, as the virtual clock sees it."""

  __slots__ = ["fd", "wake_r", "wake_w", "deadline", "seq", "fired", "abandon"]

  def __init__(self, fd, wake_r, wake_w, deadline, seq):
    self.fd = fd
    self.wake_r = wake_r
    self.wake_w = wake_w
    self.deadline = deadline
    self.seq = seq
    self.fired = False
    self.abandon = False


class _VirtualWaiter(object):
  """Stands in for the poll of a SingleNotifyPipeCondition (its _waiter_class hook).

  It still waits for the condition's pipe to be closed (Ganeti's notification), but a timeout is
  virtual: the driver fires it by writing to a second pipe when the program's clock passes the
  deadline, so no test ever sleeps and every run is deterministic.
  """

  def __init__(self, fd):
    self._fd = fd

  def __call__(self, timeout):
    _ACTIVE_RUN.park(self._fd, timeout)


locking.SingleNotifyPipeCondition._waiter_class = _VirtualWaiter
_ACTIVE_RUN = None


class _Owner(object):
  def __init__(self, run, index):
    self.run = run
    self.name = "o%d" % index
    self.cmd = None
    self.current = None
    self.busy = False
    self.park = None
    self.timed_out = False
    self.entered = False
    self.start = 0
    self.done = None
    self.thread = threading.Thread(name=self.name, target=self.main, daemon=True)

  def main(self):
    run = self.run
    cv = run.cv
    while True:
      with cv:
        while self.cmd is None:
          cv.wait()
        cmd = self.cmd
        self.cmd = None
        self.current = cmd["op"]
        self.busy = True
        self.timed_out = False
        self.entered = False
        self.start = run.clock
      if cmd["op"] == "stop":
        with cv:
          self.busy = False
          cv.notify_all()
        return
      try:
        out = {"result": run.execute(self, cmd)}
      except _Abandon:
        with cv:
          self.busy = False
          cv.notify_all()
        return
      except errors.LockError as err:
        out = {"error": "LockError", "message": str(err)}
      except AssertionError as err:
        out = {"error": "AssertionError", "message": str(err)}
      with cv:
        if cmd.get("timeout") is not None and cmd["op"] in ("acquire", "delete"):
          out["elapsed"] = run.clock - self.start
        self.done = out
        self.busy = False
        cv.notify_all()


class SharedLockRun(object):
  """One program against one SharedLock; owners are real threads, time is the program's clock.

  After every step the driver *settles*: it waits until each owner is idle or parked in a wait
  whose pipe is still open and whose virtual timer has not fired, so each operation has either
  returned or is known to be pending before the next one starts.
  """

  def __init__(self, program):
    self.cv = threading.Condition()
    self.clock = 0
    self.seq = 0
    self.lock = locking.SharedLock("lock", _time_fn=self.time_fn)
    self.owners = [_Owner(self, i) for i in range(program["owners"])]
    self.by_ident = {}
    self.program = program

  def time_fn(self):
    owner = self.by_ident.get(threading.get_ident())
    if owner is not None and owner.timed_out:
      return self.clock + POLL_OVERSHOOT
    return self.clock

  def execute(self, owner, cmd):
    lock = self.lock
    op = cmd["op"]
    if op == "acquire":
      def entered():
        owner.entered = True
      return lock.acquire(shared=1 if cmd["shared"] else 0, timeout=cmd["timeout"],
                          priority=cmd["priority"], test_notify=entered)
    if op == "release":
      lock.release()
      return None
    if op == "downgrade":
      return lock.downgrade()
    if op == "delete":
      return lock.delete(timeout=cmd["timeout"], priority=cmd["priority"])
    raise ValueError("unknown owner operation %r" % op)

  def park(self, fd, timeout):
    owner = self.by_ident[threading.get_ident()]
    wake_r, wake_w = os.pipe()
    with self.cv:
      owner.timed_out = False
      self.seq += 1
      deadline = None if timeout is None else self.clock + timeout
      p = _Park(fd, wake_r, wake_w, deadline, self.seq)
      owner.park = p
      self.cv.notify_all()
    poller = select.poll()
    poller.register(fd, select.POLLHUP)
    poller.register(wake_r, select.POLLIN)
    events = []
    while not events:
      events = poller.poll()
    with self.cv:
      owner.park = None
      notified = any(f == fd for (f, _) in events)
      owner.timed_out = p.fired and not notified
      abandon = p.abandon
      self.cv.notify_all()
    os.close(wake_r)
    os.close(wake_w)
    if abandon:
      raise _Abandon()

  def _quiescent(self, owner):
    if owner.cmd is not None:
      return False
    if not owner.busy:
      return True
    p = owner.park
    if p is None or p.fired or p.abandon:
      return False
    # The waiter cannot leave its park (and close this fd) without the driver's condition lock,
    # which we hold: the fd is valid.
    poller = select.poll()
    poller.register(p.fd, select.POLLHUP)
    return not poller.poll(0)

  def settle(self):
    limit = time.monotonic() + SETTLE_LIMIT
    with self.cv:
      while not all(self._quiescent(o) for o in self.owners):
        if time.monotonic() > limit:
          raise RuntimeError("shared-lock driver: threads did not settle")
        self.cv.wait(0.05)

  def tick(self, seconds):
    target = self.clock + seconds
    while True:
      with self.cv:
        due = [(o.park.deadline, o.park.seq, i) for (i, o) in enumerate(self.owners)
               if o.park is not None and o.park.deadline is not None and not o.park.fired
               and o.park.deadline <= target]
        if not due:
          break
        (deadline, _, i) = min(due)
        p = self.owners[i].park
        self.clock = max(self.clock, deadline)
        p.fired = True
        os.write(p.wake_w, b"t")
      self.settle()
    self.clock = target

  def observe(self, step_out):
    done = []
    with self.cv:
      for o in self.owners:
        if o.done is not None:
          entry = {"owner": o.name}
          entry.update(o.done)
          done.append(entry)
          o.done = None
      pending = sorted(o.name for o in self.owners if o.busy)
      for o in self.owners:
        # A pending acquire must have got into the lock (its test_notify hook ran) and be parked.
        if o.busy and o.current == "acquire" and not (o.entered and o.park is not None):
          raise RuntimeError("shared-lock driver: %s pending outside the lock" % o.name)
    (_, mode, owners, pend) = self.lock.GetLockInfo(
      frozenset([query.LQ_MODE, query.LQ_OWNER, query.LQ_PENDING]))[0]
    step_out["done"] = done
    step_out["mode"] = mode
    step_out["owners"] = sorted(owners) if owners else []
    step_out["pending"] = [[m, sorted(names)] for (m, names) in pend]
    step_out["busy"] = pending
    step_out["clock"] = self.clock
    step_out["countPending"] = self.lock._count_pending()
    step_out["empty"] = self.lock._check_empty()
    return step_out

  def run(self):
    global _ACTIVE_RUN
    _ACTIVE_RUN = self
    for o in self.owners:
      o.thread.start()
      self.by_ident[o.thread.ident] = o
    observations = []
    try:
      for step in self.program["steps"]:
        out = {}
        op = step["op"]
        if op == "tick":
          self.tick(step["seconds"])
        elif op == "notify":
          self.lock._notify_topmost()
          self.settle()
        else:
          owner = self.owners[step["owner"]]
          with self.cv:
            busy = owner.busy
            if not busy:
              owner.cmd = step
              self.cv.notify_all()
          if busy:
            out["skipped"] = True
          else:
            self.settle()
        observations.append(self.observe(out))
    finally:
      self._shutdown()
      _ACTIVE_RUN = None
    return observations

  def _shutdown(self):
    with self.cv:
      for o in self.owners:
        if o.busy and o.park is not None:
          o.park.abandon = True
          os.write(o.park.wake_w, b"a")
        elif not o.busy:
          o.cmd = {"op": "stop"}
      self.cv.notify_all()
    for o in self.owners:
      o.thread.join(SETTLE_LIMIT)
      if o.thread.is_alive():
        raise RuntimeError("shared-lock driver: owner %s did not stop" % o.name)


def run_shared_lock(program):
  return SharedLockRun(program).run()


# ---------------------------------------------------------------------------------------------
# Jobs and opcodes


def _jsonable(value):
  """Tuples become lists, as in a job file."""
  return json.loads(json.dumps(value))


def _dummy(spec):
  # A fresh reason list per opcode: OpCode() gives every unset parameter its default *object*, so
  # opcodes built without one would share a single list that AddReasons keeps appending to (row
  # driver-fresh-reason of test/differential/README.md). Ganeti's clients always send a trail.
  params = {"result": spec.get("result"), "fail": spec.get("fail"), "reason": []}
  if spec.get("priority") is not None:
    params["priority"] = spec["priority"]
  if spec.get("depends"):
    params["depends"] = [[d[0], list(d[1])] for d in spec["depends"]]
  return opcodes.OpTestDummy(**params)


def _job_state(job):
  return {
    "status": job.CalcStatus(),
    "priority": job.CalcPriority(),
    "ops": [[op.status, op.priority, _jsonable(op.result)] for op in job.ops],
    "log": [[e[0], e[2], _jsonable(e[3])] for op in job.ops for e in op.log],
    "started": [op.start_timestamp is not None for op in job.ops],
    "ended": [op.end_timestamp is not None for op in job.ops],
    "executed": [op.exec_timestamp is not None for op in job.ops],
    "finalized": job.end_timestamp is not None,
    # The reason trail each opcode got when the job was created, without the timestamp.
    "reasons": [[[r[0], r[1]] for r in op.input.reason] for op in job.ops],
  }


def _error(err):
  return {"error": err.__class__.__name__, "message": str(err)}


def run_job_status(program):
  job = jqueue._QueuedJob(None, program["jobId"], [_dummy(s) for s in program["ops"]], True)
  observations = [{"state": _job_state(job)}]
  for step in program["steps"]:
    op = step["op"]
    out = {}
    try:
      if op == "setStatus":
        job.ops[step["index"]].status = step["status"]
        ret = None
      elif op == "cancel":
        ret = job.Cancel()
      elif op == "changePriority":
        ret = job.ChangePriority(step["priority"])
      elif op == "markUnfinished":
        ret = job.MarkUnfinishedOps(step["status"], step["result"])
      elif op == "finalize":
        ret = job.Finalize()
      else:
        raise ValueError("unknown job-status step %r" % op)
      out["return"] = _jsonable(ret)
    except AssertionError as err:
      out.update(_error(err))
    out["state"] = _job_state(job)
    observations.append(out)
  return observations


# ---------------------------------------------------------------------------------------------
# Job processor


def _weyl_jitter(seed):
  """The jitter source both sides share: a Weyl sequence on 32-bit integers, as floats in [0, 1)."""
  state = [seed % 4294967296]

  def fn():
    state[0] = (state[0] + 2654435761) % 4294967296
    return state[0] / 4294967296.0
  return fn


def _ganeti_210_timeouts():
  """Ganeti's own schedule computation, fed 2.10's bounds (3.0 raised them to 5 s and 75 s).

  Row v3-lock-attempt-bounds of test/differential/README.md.
  """
  saved = (constants.LOCK_ATTEMPTS_MINWAIT, constants.LOCK_ATTEMPTS_MAXWAIT)
  constants.LOCK_ATTEMPTS_MINWAIT = 1.0
  constants.LOCK_ATTEMPTS_MAXWAIT = 15.0
  try:
    return mcpu._CalculateLockAttemptTimeouts()
  finally:
    (constants.LOCK_ATTEMPTS_MINWAIT, constants.LOCK_ATTEMPTS_MAXWAIT) = saved


_TIMEOUTS_210 = _ganeti_210_timeouts()


class _Ganeti210Strategy(mcpu.LockAttemptTimeoutStrategy):
  _TIMEOUT_PER_ATTEMPT = _TIMEOUTS_210


class _FakeTimeoutStrategy(object):
  def __init__(self, timeouts):
    self._timeouts = list(timeouts)

  def NextAttempt(self):
    if self._timeouts:
      return self._timeouts.pop(0)
    return None


class _ScriptedDepMgr(object):
  """Dependency checks answer from the program's script, per opcode, in order; then CONTINUE."""

  def __init__(self, scripts, events):
    self._scripts = scripts
    self._waiting = set()
    self._events = events

  def CheckAndRegister(self, job, dep_job_id, dep_status):
    self._events.append({"depCheck": [dep_job_id, list(dep_status)]})
    script = self._scripts.setdefault(dep_job_id, [])
    if script:
      (code, msg) = script.pop(0)
    else:
      (code, msg) = (jqueue._JobDependencyManager.CONTINUE, "Dependency job %s done" % dep_job_id)
    if code == jqueue._JobDependencyManager.WAIT:
      self._waiting.add(job)
    else:
      self._waiting.discard(job)
    return (code, msg)

  def JobWaiting(self, job):
    return job in self._waiting


class _FakeQueue(object):
  def __init__(self, depmgr):
    self.depmgr = depmgr
    self.updates = []

  def UpdateJobUnlocked(self, job, replicate=True):
    self.updates.append(bool(replicate))

  def SubmitManyJobs(self, jobs):
    raise AssertionError("the differential programs submit no jobs")


def run_job_processor(program):
  specs = program["ops"]
  ops = [_dummy(s) for s in specs]
  index_of = dict((id(op), i) for (i, op) in enumerate(ops))
  job = jqueue._QueuedJob(None, program["jobId"], ops, True)
  events = []
  armed = []
  depmgr = _ScriptedDepMgr(dict((int(k), [tuple(r) for r in v])
                                for (k, v) in program.get("depResults", {}).items()), events)
  queue = _FakeQueue(depmgr)
  attempts = [0] * len(specs)

  strategy = program["strategy"]
  if strategy["kind"] == "fake":
    def tsf():
      return _FakeTimeoutStrategy(strategy["timeouts"])
  else:
    jitter = _weyl_jitter(strategy["jitterSeed"])

    def tsf():
      return _Ganeti210Strategy(_random_fn=jitter)

  def opexec(op_input, cbs, timeout=None):
    i = index_of[id(op_input)]
    spec = specs[i]
    attempt = attempts[i]
    attempts[i] += 1
    rec = {"exec": i, "attempt": attempt,
           "timeoutUs": None if timeout is None else timeout * 1e6}
    events.append(rec)
    rec["priority"] = cbs.CurrentPriority()
    if spec.get("cancelInAttempt") == attempt:
      events.append({"cancel": _jsonable(job.Cancel()), "when": "during-attempt"})
    if timeout is not None and attempt < spec.get("lockTimeouts", 0):
      if spec.get("cancelAfterDecision") == attempt:
        armed.append(True)
      raise mcpu.LockAcquireTimeout()
    cbs.NotifyStart()
    for (log_type, msg) in spec.get("feedback", []):
      cbs.Feedback(log_type, msg)
    if spec.get("fail") == "opexec":
      raise errors.OpExecError("Error requested (%s)" % spec.get("result"))
    if spec.get("fail") == "other":
      raise ValueError("Unexpected failure (%s)" % spec.get("result"))
    return spec.get("result")

  class _Processor(jqueue._JobProcessor):
    # Question 4's window, made deterministic: a cancel that lands after the processor decided
    # the outcome of a timed-out lock attempt and before it stores that outcome.
    def _ExecOpCodeUnlocked(self, opctx):
      outcome = jqueue._JobProcessor._ExecOpCodeUnlocked(self, opctx)
      if armed:
        armed.pop()
        events.append({"cancel": _jsonable(job.Cancel()), "when": "after-decision"})
      return outcome

  # Opcodes that already succeeded before a master restart (a restored job's prefix).
  for i in range(min(program.get("restored", 0), len(job.ops))):
    job.ops[i].status = constants.OP_STATUS_SUCCESS
    job.ops[i].result = "restored %d" % i

  observations = []
  for step in program["steps"]:
    op = step["op"]
    out = {}
    del events[:]
    del queue.updates[:]
    try:
      if op == "run":
        results = []
        for _ in range(step.get("times", 1)):
          results.append(_Processor(queue, opexec, job, _timeout_strategy_factory=tsf)())
          if results[-1] == jqueue._JobProcessor.FINISHED:
            break
        out["results"] = results
      elif op == "cancel":
        out["return"] = _jsonable(job.Cancel())
      elif op == "changePriority":
        out["return"] = _jsonable(job.ChangePriority(step["priority"]))
      else:
        raise ValueError("unknown job-processor step %r" % op)
    except (AssertionError, errors.GenericError) as err:
      out.update(_error(err))
    out["events"] = _jsonable(events)
    out["updates"] = list(queue.updates)
    out["state"] = _job_state(job)
    out["pendingContext"] = job.cur_opctx is not None
    observations.append(out)
  return observations


# ---------------------------------------------------------------------------------------------
# Dependency manager


class _Job(object):
  __slots__ = ["id"]

  def __init__(self, job_id):
    self.id = job_id


def run_dependency_manager(program):
  statuses = dict((int(k), v) for (k, v) in program["statuses"].items())

  def getstatus(job_id):
    status = statuses.get(job_id, "lost")
    if status == "lost":
      raise errors.JobLost("Job %s not found" % job_id)
    return status

  mgr = jqueue._JobDependencyManager(getstatus)
  jobs = {}

  def job(job_id):
    if job_id not in jobs:
      jobs[job_id] = _Job(job_id)
    return jobs[job_id]

  observations = []
  for step in program["steps"]:
    op = step["op"]
    out = {}
    try:
      if op == "check":
        out["return"] = list(mgr.CheckAndRegister(job(step["job"]), step["dep"], list(step["statuses"])))
      elif op == "setStatus":
        statuses[step["job"]] = step["status"]
      elif op == "notify":
        # 3.0 moved the re-enqueueing to luxid; 2.10's NotifyWaiters drops empty waiter sets and
        # pops the job's waiters, which 3.0 still keeps as _RemoveEmptyWaitersUnlocked and
        # _waiters. Row v3-notify-waiters of test/differential/README.md.
        mgr._RemoveEmptyWaitersUnlocked()
        waiting = mgr._waiters.pop(step["job"], None)
        out["enqueued"] = sorted(j.id for j in waiting) if waiting else []
      else:
        raise ValueError("unknown dependency-manager step %r" % op)
    except AssertionError as err:
      out.update(_error(err))
    out["waiters"] = [[dep, sorted(j.id for j in waiting)]
                      for (dep, waiting) in sorted(mgr._waiters.items())]
    out["jobWaiting"] = sorted(j for j in jobs if mgr.JobWaiting(jobs[j]))
    observations.append(out)
  return observations


# ---------------------------------------------------------------------------------------------

COMPONENTS = {
  "shared-lock": run_shared_lock,
  "job-status": run_job_status,
  "job-processor": run_job_processor,
  "dependency-manager": run_dependency_manager,
}


def main():
  if sys.argv[1:] == ["--check"]:
    sys.stdout.write(json.dumps({"ok": True, "python": sys.version.split()[0],
                                 "debug": __debug__, "ganeti": constants.RELEASE_VERSION}) + "\n")
    return
  for line in sys.stdin:
    if not line.strip():
      continue
    req = json.loads(line)
    try:
      resp = {"id": req["id"], "observations": COMPONENTS[req["component"]](req["program"])}
    except Exception:  # pylint: disable=W0703
      resp = {"id": req.get("id"), "error": traceback.format_exc()}
    sys.stdout.write(json.dumps(resp) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
  main()
