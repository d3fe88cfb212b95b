"""The grader's own Python worker for a pack's reference ops (the instructor's solution code in
the pack's reference/ folder). Trusted: it runs the instructor's code, never the student's, in a
process of the grader's that no student process can see. One process per grading run answers
every request; reference/python/worker.ts starts it and sends requests.

Protocol (one JSON object per line; requests on stdin, replies on the channel, the original
stdout: what the reference code prints goes to stderr):
  request  {"id", "module", "func", "args": [.npy path], "kwargs": {name: .npy path},
            "outputs": [name or "_"], "outdir"}
  reply    {"id", "ok": true, "files": {name: .npy path}}
         | {"id", "ok": false, "error": "...", "traceback": "..."}
"""
import importlib
import json
import os
import sys
import traceback

_channel = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import numpy as np  # noqa: E402

KEPT = {"f": np.float64, "i": np.int64, "u": np.int64, "b": np.bool_}
ENDS = {"float64", "float32", "int64", "int32", "uint8", "bool"}


def load(path):
    value = np.load(path, allow_pickle=False)
    return value


def target(module, func):
    obj = importlib.import_module(module)
    for part in func.split("."):
        obj = getattr(obj, part)
    return obj


def as_array(name, value):
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError("output %s is %s, not a numeric array" % (name, type(value).__name__))
    if array.dtype.name not in ENDS:
        array = array.astype(KEPT[array.dtype.kind])
    # np.ascontiguousarray would make a 0-d result 1-d.
    return array if array.flags.c_contiguous else array.copy(order="C")


def answer(req):
    fn = target(req["module"], req["func"])
    args = [load(p) for p in req["args"]]
    kwargs = {k: load(p) for k, p in req["kwargs"].items()}
    result = fn(*args, **kwargs)
    names = req["outputs"]
    if len(names) == 1:
        values = [result]
    else:
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            raise TypeError("%s.%s returned %s; the spec names %d outputs (%s)"
                            % (req["module"], req["func"], type(result).__name__, len(names), ", ".join(names)))
        values = list(result)
    files = {}
    for name, value in zip(names, values):
        if name == "_":
            continue
        path = os.path.join(req["outdir"], name + ".npy")
        np.save(path, as_array(name, value), allow_pickle=False)
        files[name] = path
    return files


def main():
    here = sys.argv[1]
    sys.path.insert(0, here)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = {"id": req["id"], "ok": True, "files": answer(req)}
        except Exception as e:  # noqa: BLE001 - reported to the grader, which raises it
            reply = {"id": req["id"], "ok": False, "error": "%s: %s" % (type(e).__name__, e),
                     "traceback": traceback.format_exc()[-4000:]}
        _channel.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
