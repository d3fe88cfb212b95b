"""The worker: runs inside the student's environment, one process per submission.

It imports the student's code through the pack's probes and answers the grader's requests on a
private channel (two pipes the grader opened, never stdout), so nothing the student prints can
be read as a reply. It never sees expected values: it returns outputs, the grader judges them.
Everything here is on the student's side of the line: the grader checks each reply and each
output file it reads, and nothing the driver says can turn a wrong answer into a pass.

With --keeper the process forks first: the parent (the keeper) runs no student code, becomes the
"subreaper" of everything below it and, when the driver ends or the grader stops it, kills every
process the student started, even those that detached themselves.

The protocol (harness/worker/protocol.ts names every message; keep the two in step). One JSON
object per line; requests on --req-fd, replies on --rep-fd, each reply line preceded by a newline
(which ends any half line the student's code may have written there):
  hello    worker -> grader, once, before any student code runs:
           {"type": "hello", "pid", "environment": {"python", "numpy"}, "notebook"?: report,
            "forbidden_imports"?: [{"file", "line", "verb", "name"}] (with --forbid: the static scan)}
  run      {"type": "run", "id", "nonce", "probe", "inputs": {name: .npy path}, "outdir",
            "text"?: {name: str}, "entry"?: "run" | "warm_up", "forbid"?: [names this check forbids]}
  selfcheck {"type": "selfcheck", "id", "nonce", "probe", "inputs", "directions": {name: .npy},
            "output", "dout", "h"}
  execute  {"type": "execute", "id", "nonce"}: run the notebook top to bottom (--notebook-execute);
           before each cell {"type": "progress", "id", "nonce", "cell", "text"}, then a result with
           "cells": [{"cell", "ok", "error"?}]
  exit     {"type": "exit"}: leave at once.
  result   worker -> grader, one per run or selfcheck, echoing its id and nonce:
           {"type": "result", "id", "nonce", "ok": true, "outputs": {name: path | {"npy": base64}},
            "problems"?: {name: why an output could not be sent}, "failed_steps"?: [{"step", "error"}],
            "values"?: {name: number}, "seconds", "timing": {"load", "arrays", "run"}}
           a result of any kind may add "forbidden": [{"verb", "name", "caller", "where"}] (uses the
           check's forbid list does not allow: they fail it) and "forbidden_notes": [{"verb",
           "name", "where"}] (uses while a module was imported: reported, failing nothing)
           or {"ok": false, "error": {"kind": "import" | "exception" | "bad-output" | "memory",
            "message", "traceback"}}
Replies are strict JSON: a non-finite number is sent as null (see reply), never as NaN.
"""
import argparse
import binascii
import errno
import importlib.util
import json
import math
import os
import re
import resource
import signal
import sys
import time
import traceback

import dlgrade_forbid
from dlgrade_notebook import execute_notebook, install_notebook, prepare_execution, skipped_name_hint
from dlgrade_outputs import Outputs

# Keep our own references before any student code runs: a student who rebinds json, os or
# builtins should break only their own results.
_dumps, _loads = json.dumps, json.loads
_open_file = open
_b64 = binascii.b2a_base64
_perf = time.perf_counter
_write, _read, _open, _close, _getpid, _exit = os.write, os.read, os.open, os.close, os.getpid, os._exit
_isinstance, _type, _str, _len, _repr = isinstance, type, str, len, repr
_isfinite = math.isfinite

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Far beyond any check's output (256 MB of float64): a larger array is a mistake or an attack.
MAX_ELEMENTS = 1 << 25
# Outputs up to this many bytes in all travel in the reply itself: creating files cost more than
# most probes run. The rest are written as files. (The grader reads reply lines up to 1 MiB.)
INLINE_BYTES = 256 * 1024
LIMITS = {}
# What the last request spent its time on, for the grader's --profile (never part of a verdict).
TIMING = {}

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--submission", required=True)
    ap.add_argument("--req-fd", type=int, required=True)
    ap.add_argument("--rep-fd", type=int, required=True)
    ap.add_argument("--path", action="append", default=[])
    ap.add_argument("--keeper", action="store_true")
    ap.add_argument("--limit-as", type=int, default=0)
    ap.add_argument("--limit-nproc", type=int, default=0)
    ap.add_argument("--nproc-shared", action="store_true")
    ap.add_argument("--limit-fsize", type=int, default=0)
    ap.add_argument("--limit-nofile", type=int, default=0)
    ap.add_argument("--limit-cpu", type=int, default=0)
    ap.add_argument("--legacy-numpy-names", action="store_true")
    ap.add_argument("--notebook-module", default=None)
    ap.add_argument("--notebook", action="append", default=[], help="glob patterns, tried in order")
    ap.add_argument("--notebook-execute", action="store_true", help="run the notebook top to bottom on an execute request")
    ap.add_argument("--notebook-record", type=int, action="append", default=[], help="a dimension of the shape of arrays to record after each cell")
    ap.add_argument("--forbid", action="append", default=[], help="a module or function some check forbids (dlgrade_forbid.py)")
    args = ap.parse_args()

    req, rep = protect_channel(args.req_fd, args.rep_fd)
    libc = load_libc()
    if libc is not None:
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    set_limit(resource.RLIMIT_CORE, 0)
    if args.keeper:
        keep(libc, (req, rep))  # returns only in the forked driver
    apply_limits(args)
    own_pid = _getpid()

    root = os.path.realpath(args.submission)
    os.chdir(root)
    for p in reversed(args.path or ["."]):
        sys.path.insert(0, os.path.realpath(os.path.join(root, p)))
    # dlgrade_probe (helpers for probes) sits beside this file; appended so the student's
    # modules always win a name clash.
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    if args.legacy_numpy_names:
        import numpy_compat

        numpy_compat.install()

    def reply(msg):
        # A copy of the driver that student code forked must never speak on the channel.
        if _getpid() != own_pid:
            _exit(0)
        # The leading newline ends any half line the student's code may have written into the pipe.
        data = ("\n" + _dumps(finite(msg), allow_nan=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = _write(rep, view)
            view = view[n:]

    hello = {"type": "hello", "pid": own_pid, "environment": environment()}
    policy = None
    if args.forbid:
        # Read only, before any student code runs; the guard is in place from here on.
        hello["forbidden_imports"] = dlgrade_forbid.scan(root, args.forbid)[:64]
        policy = dlgrade_forbid.install(root, args.forbid)
    if args.notebook_module and args.notebook_execute:
        # Read only: the notebook runs when the grader asks (an execute request, within its budget).
        hello["notebook"] = prepare_execution(root, args.notebook_module, args.notebook or ["*.ipynb"], args.notebook_record)
    elif args.notebook_module:
        # Parsing only: no student code runs before the first probe imports the module.
        hello["notebook"] = install_notebook(root, args.notebook_module, args.notebook or ["*.ipynb"])
    reply(hello)
    probes = {}
    for line in read_lines(req):
        if _getpid() != own_pid:
            _exit(0)
        try:
            msg = _loads(line)
        except ValueError:
            continue
        if not _isinstance(msg, dict):
            continue
        if msg.get("type") == "exit":
            # At once: threads or atexit hooks the student left behind must not hold the worker.
            _exit(0)
        if msg.get("type") not in ("run", "selfcheck", "execute"):
            continue
        started = _perf()
        head = {"type": "result", "id": msg.get("id"), "nonce": msg.get("nonce")}
        if policy is not None:
            enforced = msg.get("forbid") if msg["type"] == "run" else None
            policy.begin([n for n in enforced if _isinstance(n, _str)] if _isinstance(enforced, list) else [], msg["type"] == "execute")
        try:
            if msg["type"] == "execute":
                def progress(cell, text, head=head):
                    reply(dict(head, type="progress", cell=cell, text=text))
                answer = dict(head, ok=True, **execute_notebook(progress, lambda e: describe(e, root)))
            elif msg["type"] == "run":
                outputs, problems, failed = run_probe(msg, probes, root)
                answer = dict(head, ok=True, outputs=outputs)
                if problems:
                    answer["problems"] = problems
                if failed:
                    answer["failed_steps"] = failed
            else:
                answer = dict(head, ok=True, values=self_check(msg, probes))
        except BadOutput as e:
            answer = dict(head, ok=False, error={"kind": "bad-output", "message": safe_str(e), "traceback": ""})
        except BaseException as e:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code are their failure too
            answer = dict(head, ok=False, error=describe(e, root))
        if policy is not None:
            calls, notes = policy.end()
            if calls:
                answer["forbidden"] = calls
            if notes:
                answer["forbidden_notes"] = notes
        answer["seconds"] = _perf() - started
        answer["timing"] = dict(TIMING)
        TIMING.clear()
        reply(answer)
        reap()


class BadOutput(Exception):
    pass


def finite(value):
    """The message with every NaN or infinity replaced by None: JSON has no such numbers, and a
    reply the grader cannot parse would leave it nothing to answer the request with."""
    if _isinstance(value, float):
        return float(value) if _isfinite(value) else None
    if _type(value) is dict:
        return {k: finite(v) for k, v in value.items()}
    if _type(value) in (list, tuple):
        return [finite(v) for v in value]
    return value


def reap():
    """Collect the student's finished children: unreaped, they would count against the process
    limit for the rest of the submission."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def read_lines(fd):
    buf = b""
    while True:
        nl = buf.find(b"\n")
        if nl >= 0:
            line, buf = buf[:nl], buf[nl + 1:]
            yield line.decode("utf-8", "replace")
            continue
        chunk = _read(fd, 65536)
        if not chunk:
            return
        buf += chunk


def protect_channel(req_fd, rep_fd):
    """Move the channel out of the way: high descriptors, closed on exec, so programs the student
    starts do not inherit them, and fds 3 and 4 no longer lead anywhere."""
    import fcntl

    moved = []
    for fd in (req_fd, rep_fd):
        new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 500)
        _close(fd)
        moved.append(new)
    return moved


def load_libc():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl  # noqa: B018 - present on Linux only
        return libc
    except Exception:  # noqa: BLE001 - not Linux, or no ctypes: the keeper does less
        return None


# ---------------------------------------------------------------------------------------------
# Limits


def set_limit(kind, soft, hard=None):
    hard = soft if hard is None else hard
    _, cur_hard = resource.getrlimit(kind)
    if cur_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    resource.setrlimit(kind, (soft, hard))


def apply_limits(a):
    if a.limit_as:
        set_limit(resource.RLIMIT_AS, a.limit_as)
        LIMITS["memory"] = a.limit_as
    if a.limit_fsize:
        set_limit(resource.RLIMIT_FSIZE, a.limit_fsize)
        LIMITS["fsize"] = a.limit_fsize
    if a.limit_nofile:
        set_limit(resource.RLIMIT_NOFILE, a.limit_nofile)
    if a.limit_cpu:
        set_limit(resource.RLIMIT_CPU, a.limit_cpu, a.limit_cpu + 5)
        LIMITS["cpu"] = a.limit_cpu
    if a.limit_nproc:
        n = a.limit_nproc
        if a.nproc_shared:
            # The kernel counts every task of this user, the grader's own included: allow what
            # exists now plus the limit (approximate; only unsandboxed, as a normal user).
            n += tasks_of(os.getuid())
        set_limit(resource.RLIMIT_NPROC, n)
        LIMITS["processes"] = a.limit_nproc


def tasks_of(uid):
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat("/proc/" + name).st_uid == uid:
                count += _len(os.listdir("/proc/%s/task" % name))
        except OSError:
            continue
    return count


def fmt_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            v = n / size
            return "%s %s" % (int(v) if v == int(v) else round(v, 1), unit)
    return "%d bytes" % n


# ---------------------------------------------------------------------------------------------
# The keeper


class _Stop(BaseException):
    pass


def _stop(signum, frame):
    raise _Stop()


def keep(libc, channel):
    me = _getpid()
    grader = os.getppid()
    if libc is not None:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != grader:
        _exit(1)  # the grader died before we could ask to be told
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, _stop)
    # numpy imported here, once, before the fork: imported after it, in the copy, it cost a third
    # more (every page it touched was copied first). Not student code, and loaded from the
    # interpreter's own site-packages: the submission is not on sys.path yet.
    try:
        import numpy  # noqa: F401
    except Exception:  # noqa: BLE001 - a pack without numpy: the driver imports it when needed
        pass
    child = os.fork()
    if child == 0:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_DFL)
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != me:
            _exit(1)
        return
    for fd in channel:
        _close(fd)
    status = None
    try:
        while True:
            pid, st = os.waitpid(-1, 0)  # also reaps the orphans handed to us
            if pid == child:
                status = st
                break
    except (_Stop, ChildProcessError):
        pass
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, signal.SIG_IGN)
    try:
        os.kill(child, signal.SIGKILL)
    except OSError:
        pass
    sweep(me)
    if status is None:
        _exit(143)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        # Die the way the driver died, so the grader can say what happened.
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(me, sig)
        time.sleep(1)
        _exit(128 + sig)
    _exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def descendants(root):
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        fields = data[data.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(name))
    found, stack = [], [root]
    while stack:
        for c in children.get(stack.pop(), []):
            found.append(c)
            stack.append(c)
    return found


def sweep(me):
    """Stop, then kill, everything below us until nothing is left (a fork bomb included: stopped
    processes fork no more, and orphans come back to us as their subreaper)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        procs = descendants(me)
        if not procs:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for p in procs if sig == signal.SIGSTOP else descendants(me):
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        time.sleep(0.01)


# ---------------------------------------------------------------------------------------------
# Running a probe


def load_probe(path, probes):
    if path not in probes:
        # A pack's probes may share helpers beside them; appended so the student's modules win.
        here = os.path.dirname(path)
        if here not in sys.path:
            sys.path.append(here)
        spec = importlib.util.spec_from_file_location("dlgrade_probe_" + _str(_len(probes)), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        probes[path] = module
    return probes[path]


_NPY_HEADER = re.compile(r"^\{'descr': '([<|][a-z]\d+)', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n$")


def load_inputs(files):
    return {name: load_npy(file) for name, file in files.items()}


def load_npy(file):
    """The grader's own .npy files, read straight into a fresh (writable) array: np.load parses
    each header with a Python literal evaluator, which cost more than many probes run. Anything
    not in the grader's exact format goes to np.load."""
    import numpy as np

    with _open_file(file, "rb") as f:
        head = f.read(10)
        if head[:8] != b"\x93NUMPY\x01\x00":
            return np.load(file, allow_pickle=False)
        m = _NPY_HEADER.match(f.read(int.from_bytes(head[8:10], "little")).decode("latin1"))
        if not m:
            return np.load(file, allow_pickle=False)
        shape = tuple(int(d) for d in m.group(2).replace(" ", "").split(",") if d)
        array = np.empty(shape, dtype=np.dtype(m.group(1)))
        if f.readinto(memoryview(array.reshape(-1)).cast("B")) != array.nbytes:
            raise ValueError("%s: shorter than its header says" % file)
        return array


def self_check(msg, probes):
    """Derivatives of the student's own forward: for each input x and the grader's direction v,
    (f(x + h v) - f(x - h v)) . dout / 2h. The grader sets them against the student's backward; a
    diagnostic only, never a verdict."""
    import numpy as np

    forward = load_probe(msg["probe"], probes).forward
    inputs = load_inputs(msg["inputs"])
    dout = np.asarray(inputs[msg["dout"]], dtype=np.float64)
    values = {}
    for name, file in msg["directions"].items():
        v = np.load(file, allow_pickle=False)
        h = float(msg["h"]) * max(1.0, float(np.max(np.abs(inputs[name]))) if inputs[name].size else 1.0)
        sides = []
        for sign in (1.0, -1.0):
            moved = dict(inputs)
            moved[name] = inputs[name] + sign * h * v
            sides.append(np.asarray(forward(moved)[msg["output"]], dtype=np.float64))
        values[name] = float(np.sum((sides[0] - sides[1]) * dout) / (2 * h))
    return values


ENTRIES = ("run", "warm_up")


def run_probe(msg, probes, root):
    t0 = _perf()
    inputs = load_inputs(msg["inputs"])
    # Text inputs (a device name) come in the request itself: they are not arrays.
    for name, value in (msg.get("text") or {}).items():
        inputs[_str(name)] = _str(value)
    entry = msg.get("entry", "run")
    if entry not in ENTRIES:
        raise BadOutput("unknown probe entry %s" % _repr(entry)[:40])
    t1 = _perf()
    probe = load_probe(msg["probe"], probes)
    t2 = _perf()
    TIMING.update(arrays=t1 - t0, load=t2 - t1)
    if entry == "warm_up":
        # Untimed device start-up before a timed run; a probe without one has nothing to warm.
        warm = getattr(probe, "warm_up", None)
        try:
            if warm is not None:
                warm(inputs)
        finally:
            TIMING["run"] = _perf() - t2
        return {}, {}, []
    try:
        result = probe.run(inputs)
    finally:
        TIMING["run"] = _perf() - t2
    t3 = _perf()
    if _type(result) is not dict and _type(result) is not Outputs:
        raise BadOutput("the probe returned %s instead of a dict of outputs" % _type(result).__name__)
    written, problems = {}, {}
    # Steps of the probe that raised (dlgrade_probe.Outputs): the outputs of the others still count.
    failed = [{"step": _str(step), "error": describe(e, root)} for step, e in getattr(result, "failed_steps", [])]
    inline_left = INLINE_BYTES
    for name, value in list(result.items()):
        if not _isinstance(name, _str) or not NAME.match(name):
            raise BadOutput("output name %s is not a plain identifier" % _repr(name)[:80])
        try:
            array = to_array(name, value)
        except BadOutput as e:
            # One output the grader cannot use (None from a TODO, say) fails only what reads it.
            problems[name] = safe_str(e)
            continue
        if array.nbytes <= inline_left:
            inline_left -= array.nbytes
            written[name] = {"npy": _b64(npy_bytes(array), newline=False).decode("ascii")}
            continue
        os.makedirs(msg["outdir"], exist_ok=True)
        file = os.path.join(msg["outdir"], name + ".npy")
        save_npy(file, array, name)
        written[name] = file
    TIMING["arrays"] += _perf() - t3
    return written, problems, failed


def to_array(name, value):
    """Turn what the student's code returned into a plain numeric array, or say why not."""
    import numpy as np

    if value is None:
        raise BadOutput("%s: the code returned None (is this part still a TODO?)" % name)
    if _isinstance(value, np.ndarray) and _type(value) is not np.ndarray:
        value = value.view(np.ndarray)  # drop subclasses such as np.matrix or a student's own
    try:
        array = np.asarray(value)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        raise BadOutput("%s: cannot be read as an array (%s: %s)" % (name, _type(e).__name__, safe_str(e)))
    if _type(array) is not np.ndarray:
        array = array.view(np.ndarray)
    if array.dtype.kind not in "biuf":
        what = _type(value).__name__
        raise BadOutput("%s: returned a %s that is not a numeric array (numpy dtype %s)" % (name, what, array.dtype))
    if array.size > MAX_ELEMENTS:
        raise BadOutput("%s: an array of shape %s (%d elements), far larger than any output a check expects"
                        % (name, tuple(array.shape), array.size))
    if array.dtype.kind == "f" and array.dtype.itemsize not in (4, 8):
        array = array.astype(np.float64)
    if array.dtype.kind in "iu" and array.dtype.itemsize < 4 and array.dtype != np.uint8:
        array = array.astype(np.int32)
    if array.dtype == np.uint32 or array.dtype == np.uint64:
        array = array.astype(np.int64)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    # Not np.ascontiguousarray: it turns a 0-d array (a scalar loss) into shape (1,).
    return array if array.flags.c_contiguous else array.copy(order="C")


def save_npy(file, array, name):
    """Write a .npy ourselves (not np.save, which student code can rebind), refusing to follow or
    reuse anything already at that path."""
    limit = LIMITS.get("fsize")
    if limit and array.nbytes + 4096 > limit:
        raise BadOutput("%s: %s of data, more than the file size limit (%s)" % (name, fmt_bytes(array.nbytes), fmt_bytes(limit)))
    data = npy_bytes(array)
    try:
        fd = _open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        raise BadOutput("%s: something else already created the output file" % name)
    try:
        view = memoryview(data)
        while view:
            view = view[_write(fd, view):]
    finally:
        _close(fd)


def npy_bytes(array):
    descr = array.dtype.str
    header = "{'descr': %s, 'fortran_order': False, 'shape': %s, }" % (_repr(descr), _repr(tuple(int(d) for d in array.shape)))
    pad = 64 - (10 + _len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + _len(header).to_bytes(2, "little") + header + array.tobytes()


def safe_str(e):
    try:
        return _str(e)[:2000]
    except BaseException:  # noqa: BLE001 - a student's exception whose __str__ itself fails
        return "(its message could not be read)"


def describe(e, root):
    """The exception as a student wants to read it: their own frames, not the harness's."""
    try:
        return _describe(e, root)
    except BaseException:  # noqa: BLE001 - a student's exception that cannot even be described
        return {"kind": "exception", "message": "%s (it could not be described further)" % _type(e).__name__, "traceback": ""}


def _describe(e, root):
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if not f.filename.startswith("<") and os.path.realpath(f.filename).startswith(root + os.sep)]
    if _isinstance(e, SyntaxError) and e.filename and os.path.realpath(e.filename).startswith(root + os.sep):
        where = "%s, line %s" % (os.path.relpath(e.filename, root), e.lineno)
        text = (e.text or "").rstrip()
        return {"kind": "import", "message": "SyntaxError: %s (%s)" % (e.msg, where),
                "traceback": '  File "%s"\n    %s' % (where, text.strip())}
    lines = []
    for f in own[-8:]:
        lines.append('  File "%s", line %s, in %s' % (os.path.relpath(f.filename, root), f.lineno, f.name))
        if f.line:
            lines.append("    " + f.line.strip())
    kind = "import" if _isinstance(e, (ImportError, SyntaxError)) else "exception"
    if _isinstance(e, SystemExit):
        message = "the code called sys.exit(%s)" % ("" if e.code is None else _repr(e.code)[:200])
    elif _isinstance(e, MemoryError):
        kind = "memory"
        limit = LIMITS.get("memory")
        message = "ran out of memory%s: %s: %s" % (
            " (limit %s)" % fmt_bytes(limit) if limit else "", _type(e).__name__, safe_str(e) or "no details")
    else:
        message = "%s: %s" % (_type(e).__name__, safe_str(e))
        if _isinstance(e, OSError) and e.errno == errno.EAGAIN and "processes" in LIMITS:
            message += " (could not start another process or thread: the limit is %d)" % LIMITS["processes"]
        elif _isinstance(e, RuntimeError) and "thread" in message and "processes" in LIMITS:
            message += " (the limit is %d processes and threads)" % LIMITS["processes"]
        elif _isinstance(e, OSError) and e.errno == errno.EFBIG and "fsize" in LIMITS:
            message += " (a file grew past the limit of %s)" % fmt_bytes(LIMITS["fsize"])
        elif "NoneType" in message:
            message += " (something returned None: is one of the TODOs still unimplemented?)"
        if _isinstance(e, (NameError, AttributeError)):
            message += skipped_name_hint(e)
    return {"kind": kind, "message": message, "traceback": "\n".join(lines)[:8000]}


def environment():
    info = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        import numpy
        info["numpy"] = numpy.__version__
    except Exception:  # noqa: BLE001
        info["numpy"] = None
    return info


if __name__ == "__main__":
    main()
