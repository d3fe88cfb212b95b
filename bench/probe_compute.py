"""The student's own compute per check, without the grader around it: imports a submission once and
runs each check's probe on its published inputs (the same probes and arrays dlgrade uses), timing
each call. Set against dlgrade's per-case seconds, the difference is what the grader adds (round
trip, .npy files, judging).

    python bench/probe_compute.py SUBMISSION FIXTURES_DIR PACK [PACK...]   -> JSON on stdout
"""
import glob
import json
import os
import sys
import time

import numpy as np
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sub, fixtures, packs = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3:]
sys.path.insert(0, sub)
sys.path.append(os.path.join(REPO, "harness", "worker"))
os.chdir(sub)

t0 = time.perf_counter()
import lib.cnn.cnn_models  # noqa: E402,F401
import lib.mlp.fully_conn  # noqa: E402,F401
import lib.optim  # noqa: E402,F401
imports = time.perf_counter() - t0

import importlib.util  # noqa: E402

out = {"imports_seconds": imports, "checks": {}}
for pack in packs:
    with open(os.path.join(REPO, "assignments", pack, "assignment.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    probes = {}
    for check in spec["checks"]:
        if "probe" not in check:
            continue
        if check["probe"] not in probes:
            path = os.path.join(REPO, "assignments", pack, "probes", check["probe"] + ".py")
            s = importlib.util.spec_from_file_location("probe_" + check["probe"], path)
            m = importlib.util.module_from_spec(s)
            s.loader.exec_module(m)
            probes[check["probe"]] = m
        total, cases = 0.0, 0
        for f in sorted(glob.glob(os.path.join(fixtures, pack, check["id"], "*.inputs.npz"))):
            with np.load(f) as z:
                inputs = {k: z[k] for k in z.files}
            t0 = time.perf_counter()
            try:
                probes[check["probe"]].run(inputs)
            except Exception:  # noqa: BLE001 - a mutant's failure costs its time all the same
                pass
            total += time.perf_counter() - t0
            cases += 1
        out["checks"]["%s/%s" % (pack, check["id"])] = {"seconds": total, "published_cases": cases}
print(json.dumps(out))
