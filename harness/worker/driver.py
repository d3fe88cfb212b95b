"""The worker: runs inside the student's environment, one process per submission.

It imports the student's code through the pack's probes and answers the grader's requests on a
private channel (two pipes the grader opened, never stdout), so nothing the student prints can
be read as a reply. It never sees expected values: it returns outputs, the grader judges them.
Everything here is on the student's side of the line: the grader checks each reply and each
output file it reads, and nothing the driver says can turn a wrong answer into a pass.

With --keeper the process forks first: the parent (the keeper) runs no student code, becomes the
"subreaper" of everything below it and, when the driver ends or the grader stops it, kills every
process the student started, even those that detached themselves.
"""
import argparse
import binascii
import errno
import ast
import fnmatch
import importlib.util
import json
import linecache
import os
import re
import resource
import signal
import sys
import time
import traceback

# Keep our own references before any student code runs: a student who rebinds json, os or
# builtins should break only their own results.
_dumps, _loads = json.dumps, json.loads
_open_file = open
_b64 = binascii.b2a_base64
_perf = time.perf_counter
_write, _read, _open, _close, _getpid, _exit = os.write, os.read, os.open, os.close, os.getpid, os._exit
_isinstance, _type, _str, _len, _repr = isinstance, type, str, len, repr

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
        data = ("\n" + _dumps(msg) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = _write(rep, view)
            view = view[n:]

    hello = {"type": "hello", "pid": own_pid, "environment": environment()}
    if args.notebook_module:
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
        if msg.get("type") not in ("run", "selfcheck"):
            continue
        started = _perf()
        head = {"type": "result", "id": msg.get("id"), "nonce": msg.get("nonce")}
        try:
            if msg["type"] == "run":
                answer = dict(head, ok=True, outputs=run_probe(msg, probes, root))
            else:
                answer = dict(head, ok=True, values=self_check(msg, probes))
        except BadOutput as e:
            answer = dict(head, ok=False, error={"kind": "bad-output", "message": safe_str(e), "traceback": ""})
        except BaseException as e:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code are their failure too
            answer = dict(head, ok=False, error=describe(e, root))
        answer["seconds"] = _perf() - started
        answer["timing"] = dict(TIMING)
        TIMING.clear()
        reply(answer)
        reap()


class BadOutput(Exception):
    pass


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
        return {}
    try:
        result = probe.run(inputs)
    finally:
        TIMING["run"] = _perf() - t2
    t3 = _perf()
    if _type(result) is not dict:
        raise BadOutput("the probe returned %s instead of a dict of outputs" % _type(result).__name__)
    written = {}
    inline_left = INLINE_BYTES
    for name, value in list(result.items()):
        if not _isinstance(name, _str) or not NAME.match(name):
            raise BadOutput("output name %s is not a plain identifier" % _repr(name)[:80])
        array = to_array(name, value)
        if array.nbytes <= inline_left:
            inline_left -= array.nbytes
            written[name] = {"npy": _b64(npy_bytes(array), newline=False).decode("ascii")}
            continue
        os.makedirs(msg["outdir"], exist_ok=True)
        file = os.path.join(msg["outdir"], name + ".npy")
        save_npy(file, array, name)
        written[name] = file
    TIMING["arrays"] += _perf() - t3
    return written


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


# ---------------------------------------------------------------------------------------------
# Notebooks. A notebook is graded from what it defines, never by running it top to bottom: the
# cells that train for an hour, plot, download data or call the shell are what a grader must not
# run. The filter works on the syntax tree of each code cell and keeps, in order:
#   - imports (but not of plotting or notebook-display modules, and not __future__ imports);
#   - def, async def and class statements (their bodies run only when a probe calls them;
#     decorators, default values and class bodies do run, within the check's time limit);
#   - assignments whose value is a constant expression: literals and containers of them,
#     arithmetic, comparisons, names the filter has kept, lambdas, comprehensions over constant
#     iterables, and calls of side-effect-free functions (numpy and math outside file I/O, the
#     standard library's random, safe builtins such as range, zip, len) or of methods of values
#     kept so far -- so `weights = [np.random.normal(size=(a, b)) for a, b in zip(s, s[1:])]`
#     stays and `X = np.load("mnist.npz")` or `model = train()` go;
#   - calls of that kind as statements (np.random.seed(0), weights.append(np.zeros(3)));
#   - for loops over a constant iterable, and if statements with a constant test, whose every
#     statement is one of the above (the loop that fills `weights` layer by layer).
# Everything else is skipped and reported: while loops, other loops and calls (training,
# plotting, printing), with/try blocks, and `!shell`, `%magic` and `%%cell magic` lines.
# A name assigned only by skipped code is remembered, so a NameError can say where it was.

DISPLAY_MODULES = {"matplotlib", "seaborn", "plotly", "IPython", "ipywidgets", "google", "bokeh", "pylab"}
# Modules whose functions compute without side effects, with the exceptions that read or write
# files or fetch data.
PURE_MODULES = {
    "numpy": {"load", "loadtxt", "genfromtxt", "fromfile", "fromregex", "save", "savez",
              "savez_compressed", "savetxt", "memmap", "DataSource", "lib", "ctypeslib", "testing"},
    "math": set(), "cmath": set(), "random": set(), "itertools": set(), "functools": set(),
    "operator": set(), "string": set(), "collections": set(), "fractions": set(), "decimal": set(),
}
SAFE_BUILTINS = {"abs", "all", "any", "bool", "complex", "dict", "divmod", "enumerate", "float",
                 "frozenset", "int", "len", "list", "map", "max", "min", "pow", "range",
                 "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip",
                 "filter", "isinstance", "type", "object", "Exception", "ValueError"}

_notebook = {"skipped_names": {}}


class NotebookFilter(object):
    """Decides, statement by statement, what of a notebook is safe to run at import."""

    def __init__(self):
        self.constants = set()   # names bound by kept assignments, loops and comprehensions
        self.defined = set()     # names bound by kept def/class statements and imports
        self.pure = {}           # alias -> dotted name, for names bound to pure modules/functions

    # -- expressions --

    def dotted(self, node):
        """'np.random.normal' for an attribute chain rooted at a name, else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def pure_callable(self, func):
        name = self.dotted(func)
        if name is None:
            return False
        root, _, rest = name.partition(".")
        if not rest and root in SAFE_BUILTINS and root not in self.constants | self.defined:
            return True
        if root in self.pure:
            full = (self.pure[root] + ("." + rest if rest else "")).split(".")
            denied = PURE_MODULES.get(full[0], None)
            return denied is not None and not (set(full[1:]) & denied)
        # A method of a value the filter kept (weights.append, sizes.copy): no user code runs.
        return root in self.constants and bool(rest)

    def constant(self, node, local=frozenset()):
        c = lambda n: self.constant(n, local)  # noqa: E731
        if node is None or isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return (node.id in local or node.id in self.constants or node.id in self.defined
                    or node.id in self.pure or node.id in SAFE_BUILTINS)
        if isinstance(node, ast.Attribute):
            return c(node.value)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(c(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(c(k) for k in node.keys if k is not None) and all(c(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return c(node.operand)
        if isinstance(node, ast.BinOp):
            return c(node.left) and c(node.right)
        if isinstance(node, ast.BoolOp):
            return all(c(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return c(node.left) and all(c(v) for v in node.comparators)
        if isinstance(node, ast.IfExp):
            return c(node.test) and c(node.body) and c(node.orelse)
        if isinstance(node, ast.Subscript):
            return c(node.value) and c(node.slice)
        if isinstance(node, ast.Slice):
            return c(node.lower) and c(node.upper) and c(node.step)
        if isinstance(node, ast.Starred):
            return c(node.value)
        if isinstance(node, ast.JoinedStr):
            return all(c(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return c(node.value) and c(node.format_spec)
        if isinstance(node, ast.Lambda):
            # A function written as an expression: its body runs only when called.
            a = node.args
            return all(c(d) for d in a.defaults + [d for d in a.kw_defaults if d is not None])
        if isinstance(node, ast.Call):
            return (self.pure_callable(node.func) and all(c(a) for a in node.args)
                    and all(c(k.value) for k in node.keywords))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            bound = set(local)
            for gen in node.generators:
                if gen.is_async or not self.constant(gen.iter, frozenset(bound)):
                    return False
                bound |= set(target_names(gen.target))
                if not all(self.constant(i, frozenset(bound)) for i in gen.ifs):
                    return False
            inner = frozenset(bound)
            if isinstance(node, ast.DictComp):
                return self.constant(node.key, inner) and self.constant(node.value, inner)
            return self.constant(node.elt, inner)
        return False

    def target_ok(self, target, local=frozenset()):
        if isinstance(target, ast.Name):
            return True
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(self.target_ok(t, local) for t in target.elts)
        if isinstance(target, ast.Starred):
            return self.target_ok(target.value, local)
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            root = target
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            return (isinstance(root, ast.Name) and (root.id in self.constants or root.id in local)
                    and self.constant(target, local))
        return False

    # -- statements --

    def why_not(self, node, local=frozenset()):
        """None when the statement is kept (and its names are recorded), else why it is not."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module == "__future__":
                return ""  # dropped silently: every Python 3 has these features
            roots = [module.split(".")[0]] if module else [a.name.split(".")[0] for a in node.names]
            if any(r in DISPLAY_MODULES for r in roots) or (node.level if isinstance(node, ast.ImportFrom) else 0):
                return "imports a plotting or notebook-display module" if not getattr(node, "level", 0) else "a relative import"
            for a in node.names:
                bound = (a.asname or a.name.split(".")[0]) if isinstance(node, ast.Import) else (a.asname or a.name)
                if a.name == "*":
                    continue
                full = (module + "." + a.name) if module else (a.name if a.asname else a.name.split(".")[0])
                if full.split(".")[0] in PURE_MODULES:
                    self.pure[bound] = full
                else:
                    self.defined.add(bound)
            return None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.defined.add(node.name)
            return None
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AugAssign) and not self.constant(node.target, local):
                return "updates a value the grader does not have"
            if node.value is not None and not self.constant(node.value, local):
                return "its value needs code to run (a call, or a name set by skipped code)"
            if not all(self.target_ok(t, local) for t in targets):
                return "assigns into a value the grader does not have"
            for t in targets:
                self.constants.update(target_names(t))
            return None
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant):
                return ""  # a docstring or a bare value: nothing to run
            if isinstance(node.value, ast.Call) and self.constant(node.value, local):
                return None
            return "a call at top level"
        if isinstance(node, ast.For):
            if node.orelse or isinstance(node, ast.AsyncFor) or not self.constant(node.iter, local):
                return "a loop at top level (training?)"
            inner = frozenset(set(local) | set(target_names(node.target)))
            if all(self.why_not(b, inner) is None for b in node.body):
                return None
            return "a loop at top level (training?)"
        if isinstance(node, ast.If):
            if self.constant(node.test, local) and all(self.why_not(b, local) is None for b in node.body + node.orelse):
                return None
            return "a conditional that runs code at top level"
        if isinstance(node, (ast.While, ast.AsyncFor)):
            return "a loop at top level (training?)"
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return "a with block at top level"
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return "a try block at top level"
        if isinstance(node, ast.Pass):
            return None
        return "%s at top level" % type(node).__name__.lower()


def target_names(node):
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for t in node.elts for n in target_names(t)]
    if isinstance(node, ast.Starred):
        return target_names(node.value)
    return []


def assigned_names(node):
    """Names a statement binds at top level, to explain a later NameError."""
    if isinstance(node, (ast.Assign,)):
        return [n for t in node.targets for n in target_names(t)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For)):
        names = target_names(node.target)
        if isinstance(node, ast.For):
            names += [n for b in node.body for n in assigned_names(b)]
        return names
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, (ast.If, ast.While, ast.With, ast.Try)):
        body = list(node.body) + list(getattr(node, "orelse", [])) + list(getattr(node, "finalbody", []))
        for h in getattr(node, "handlers", []):
            body += h.body
        return [n for b in body for n in assigned_names(b)]
    return []


# `!cmd`, `%magic`, `files = !ls`; and IPython's help lines, `np.sum?` and `??np.sum`.
_SHELL = re.compile(r"^(\s*)(?:[A-Za-z_][\w, ]*=\s*)?([!%])")
_HELP = re.compile(r"^(\s*)(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def extract_notebook(text, where):
    """(cells to run as [(number, source, kept nodes)], skipped as [{cell, line, text, why}],
    names bound only by skipped code). `number` counts every cell from 1, markdown too, which is
    the position a student sees."""
    try:
        nb = json.loads(text)
    except ValueError as e:
        raise ValueError("%s is not a notebook (not JSON: %s)" % (where, e))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("%s is not a notebook of format 4 (it has no list of cells)" % where)
    flt = NotebookFilter()
    kept_cells, skipped, skipped_names = [], [], {}

    def skip(number, line, text, why, names=()):
        record = {"cell": number, "line": line, "text": text.strip()[:80], "why": why}
        skipped.append(record)
        for n in names:
            if n not in flt.constants and n not in flt.defined and n not in flt.pure:
                skipped_names.setdefault(n, record)

    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        lines = source.split("\n")
        first = next((l for l in lines if l.strip()), "")
        if not first:
            continue
        if first.lstrip().startswith("%%"):
            skip(number, 1, first, "a cell magic (%s)" % first.split()[0])
            continue
        clean = []
        for i, line in enumerate(lines, 1):
            m = _SHELL.match(line) or _HELP.match(line)
            if m:
                # Keep the line count (tracebacks quote the notebook's own line numbers) and a
                # statement in its place, so the block around it still parses.
                what = {"!": "a shell command", "%": "an IPython magic"}.get(m.group(2), "an IPython help line")
                skip(number, i, line, what)
                clean.append(m.group(1) + "pass")
            else:
                clean.append(line)
        code = "\n".join(clean)
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            # What the cell would have defined, read off its lines, so a NameError can point here.
            names = re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=[^=]", code, re.M)
            skip(number, e.lineno or 1, (lines[(e.lineno or 1) - 1] if e.lineno and e.lineno <= len(lines) else first),
                 "does not parse: %s (line %s)" % (e.msg, e.lineno), [a or b for a, b in names])
            continue
        kept = []
        for node in tree.body:
            why = flt.why_not(node)
            if why is None:
                kept.append(node)
            elif why:
                skip(number, node.lineno, clean[node.lineno - 1], why, assigned_names(node))
        if kept:
            kept_cells.append((number, code, kept))
    skipped.sort(key=lambda r: (r["cell"], r["line"]))
    for n in list(skipped_names):
        if n in flt.constants or n in flt.defined or n in flt.pure:
            del skipped_names[n]
    return kept_cells, skipped, skipped_names


class NotebookLoader:  # a meta path finder and loader; not importlib.abc's, whose import costs every worker
    """Makes `import <module>` run the kept parts of the notebook, cell by cell, as one module.
    Each cell compiles under the name '<notebook>#cell<N>', so a traceback points at the cell
    and the line a student sees."""

    def __init__(self, name, path, cells, problem=None):
        self.name, self.path, self.cells, self.problem = name, path, cells, problem

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.path)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        if self.problem:
            raise ImportError(self.problem)
        module.__file__ = self.path
        for number, code, nodes in self.cells:
            filename = "%s#cell%d" % (self.path, number)
            linecache.cache[filename] = (len(code), None, [l + "\n" for l in code.split("\n")], filename)
            for node in nodes:
                unit = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    exec(unit, module.__dict__)
                    continue
                try:
                    exec(unit, module.__dict__)
                except ModuleNotFoundError as e:
                    # Notebooks import what only their skipped cells use (a data loader, a
                    # progress bar): a module the grader's Python lacks fails only the code
                    # that uses it, with a NameError that says why.
                    record = {"cell": number, "line": node.lineno, "why": "its import failed (%s)" % e}
                    for name in assigned_names(node):
                        _notebook["skipped_names"].setdefault(name, record)


def find_notebook(root, patterns):
    """The notebook the patterns pick (the first pattern matching exactly one), or why none."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames if f.endswith(".ipynb")]
    for pattern in patterns:
        hits = sorted(f for f in found if fnmatch.fnmatch(f, pattern))
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            return None, "several notebooks match %s: %s (hand in one)" % (pattern, ", ".join(hits))
    return None, "no notebook matching %s in the submission" % " or ".join(patterns)


def install_notebook(root, module, patterns):
    report = {"module": module, "file": None, "skipped": [], "kept_cells": []}
    rel, problem = find_notebook(root, patterns)
    if rel is None:
        if os.path.exists(os.path.join(root, module + ".py")):
            return report  # a plain module: imported as usual
        report["error"] = problem
        sys.meta_path.insert(0, NotebookLoader(module, None, [], problem + " (nor a %s.py)" % module))
        return report
    path = os.path.join(root, rel)
    report["file"] = rel
    try:
        with open(path, encoding="utf-8") as f:
            cells, skipped, names = extract_notebook(f.read(), rel)
    except (OSError, ValueError) as e:
        report["error"] = str(e)
        sys.meta_path.insert(0, NotebookLoader(module, path, [], str(e)))
        return report
    report["skipped"] = skipped
    report["kept_cells"] = [number for number, _, _ in cells]
    _notebook.update(skipped_names=names, file=rel, module=module)
    sys.meta_path.insert(0, NotebookLoader(module, path, cells))
    return report


def skipped_name_hint(e):
    """Why a name the notebook seems to define is missing: the cell that sets it was skipped."""
    if isinstance(e, NameError):
        m = re.search(r"name '([^']+)' is not defined", str(e))
    else:  # only `module 'mnist_mlp' has no attribute 'x'`, for the notebook's own module
        m = re.search(r"^module '%s' has no attribute '([^']+)'" % re.escape(_notebook.get("module") or "\0"), str(e))
    record = _notebook["skipped_names"].get(m.group(1)) if m else None
    if not record:
        return ""
    name, where = m.group(1), _notebook.get("file")
    if record["why"].startswith("its import failed"):
        return " (in %s, `%s` comes from cell %d, line %d: %s)" % (where, name, record["cell"], record["line"], record["why"])
    if record["why"].startswith("does not parse"):
        return " (in %s, `%s` is defined in cell %d, which the grader skipped because it %s)" % (
            where, name, record["cell"], record["why"])
    return (" (in %s, `%s` is only set by cell %d, line %d, which the grader skipped: %s; graded code may"
            " rely only on imports, functions, classes and constant assignments)"
            % (_notebook.get("file"), name, record["cell"], record["line"], record["why"]))


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
