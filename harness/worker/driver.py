"""The worker: runs inside the student's environment, one process per submission.

It imports the student's code through the pack's probes and answers the grader's requests on a
private channel (two pipes the grader opened, never stdout), so nothing the student prints can
be read as a reply. It never sees expected values: it returns outputs, the grader judges them.
"""
import argparse
import importlib.util
import json
import os
import sys
import time
import traceback

# Keep our own references before any student code runs: a student who rebinds json, np or os
# functions should break only their own results.
_dumps, _loads = json.dumps, json.loads
_perf = time.perf_counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--submission", required=True)
    ap.add_argument("--req-fd", type=int, required=True)
    ap.add_argument("--rep-fd", type=int, required=True)
    ap.add_argument("--path", action="append", default=[])
    ap.add_argument("--legacy-numpy-names", action="store_true")
    args = ap.parse_args()

    requests = os.fdopen(args.req_fd, "r", encoding="utf-8")
    replies = os.fdopen(args.rep_fd, "w", encoding="utf-8")
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
        replies.write(_dumps(msg) + "\n")
        replies.flush()

    reply({"type": "hello", "pid": os.getpid(), "environment": environment()})
    probes = {}
    for line in requests:
        msg = _loads(line)
        if msg.get("type") == "exit":
            break
        if msg.get("type") not in ("run", "selfcheck"):
            continue
        started = _perf()
        try:
            if msg["type"] == "run":
                body = {"outputs": run_probe(msg, probes, root)}
            else:
                body = {"values": self_check(msg, probes)}
            reply({"type": "result", "id": msg["id"], "nonce": msg["nonce"], "ok": True,
                   "seconds": _perf() - started, **body})
        except BadOutput as e:
            reply({"type": "result", "id": msg["id"], "nonce": msg["nonce"], "ok": False,
                   "error": {"kind": "bad-output", "message": str(e), "traceback": ""},
                   "seconds": _perf() - started})
        except BaseException as e:  # noqa: BLE001 - SystemExit from student code is their failure too
            if isinstance(e, KeyboardInterrupt):
                raise
            reply({"type": "result", "id": msg["id"], "nonce": msg["nonce"], "ok": False,
                   "error": describe(e, root), "seconds": _perf() - started})


class BadOutput(Exception):
    pass


def load_probe(path, probes):
    if path not in probes:
        spec = importlib.util.spec_from_file_location("dlgrade_probe_" + str(len(probes)), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        probes[path] = module
    return probes[path]


def load_inputs(files):
    import numpy as np

    return {name: np.load(file, allow_pickle=False) for name, file in files.items()}


def run_probe(msg, probes, root):
    import numpy as np

    inputs = load_inputs(msg["inputs"])
    result = load_probe(msg["probe"], probes).run(inputs)
    if not isinstance(result, dict):
        raise BadOutput("the probe returned %s instead of a dict of outputs" % type(result).__name__)
    os.makedirs(msg["outdir"], exist_ok=True)
    written = {}
    for name, value in result.items():
        array = to_array(name, value)
        file = os.path.join(msg["outdir"], name + ".npy")
        np.save(file, array, allow_pickle=False)
        written[name] = file
    return written


def self_check(msg, probes):
    """Directional derivatives of the student's own forward: for each input x and the grader's
    random direction v, (f(x + h v) - f(x - h v)) . dout / 2h. The grader sets them against the
    student's backward; a diagnostic only, never a verdict, so two forward calls per direction
    replace the course's two per input element."""
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


def to_array(name, value):
    """Turn what the student's code returned into a plain numeric array, or say why not."""
    import numpy as np

    if value is None:
        raise BadOutput("%s: the code returned None (is this part still a TODO?)" % name)
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        value = np.asarray(value)  # drop subclasses such as np.matrix or a student's own
    try:
        array = np.asarray(value)
    except Exception as e:  # noqa: BLE001
        raise BadOutput("%s: cannot be read as an array (%s: %s)" % (name, type(e).__name__, e))
    if array.dtype.kind not in "biuf":
        what = type(value).__name__
        raise BadOutput("%s: returned a %s that is not a numeric array (numpy dtype %s)" % (name, what, array.dtype))
    if array.dtype.kind == "f" and array.dtype.itemsize not in (4, 8):
        array = array.astype(np.float64)
    if array.dtype.kind in "iu" and array.dtype.itemsize < 4 and array.dtype != np.uint8:
        array = array.astype(np.int32)
    if array.dtype == np.uint32 or array.dtype == np.uint64:
        array = array.astype(np.int64)
    if array.dtype.kind in "iu" and array.dtype.itemsize == 2:
        array = array.astype(np.int32)
    # Not np.ascontiguousarray: it turns a 0-d array (a scalar loss) into shape (1,).
    return array if array.flags.c_contiguous else array.copy(order="C")


def describe(e, root):
    """The exception as a student wants to read it: their own frames, not the harness's."""
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if not f.filename.startswith("<") and os.path.realpath(f.filename).startswith(root + os.sep)]
    if isinstance(e, SyntaxError) and e.filename and os.path.realpath(e.filename).startswith(root + os.sep):
        where = "%s, line %s" % (os.path.relpath(e.filename, root), e.lineno)
        text = (e.text or "").rstrip()
        return {"kind": "import", "message": "SyntaxError: %s (%s)" % (e.msg, where),
                "traceback": '  File "%s"\n    %s' % (where, text.strip())}
    lines = []
    for f in own[-8:]:
        lines.append('  File "%s", line %s, in %s' % (os.path.relpath(f.filename, root), f.lineno, f.name))
        if f.line:
            lines.append("    " + f.line.strip())
    if isinstance(e, SystemExit):
        message = "the code called sys.exit(%s)" % ("" if e.code is None else repr(e.code))
    else:
        message = "%s: %s" % (type(e).__name__, e)
        if "NoneType" in message:
            message += " (something returned None: is one of the TODOs still unimplemented?)"
    kind = "import" if isinstance(e, (ImportError, SyntaxError)) else "exception"
    return {"kind": kind, "message": message, "traceback": "\n".join(lines)}


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
