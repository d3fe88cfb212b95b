"""Prints, as JSON, what this runner offers for the checks that need hardware: always cpu; gpu and
cuda with each device's name and memory when torch sees CUDA; mps on Apple silicon."""
import json
import os

info = {"tags": ["cpu"], "devices": [{"name": "cpu", "kind": "cpu", "cores": os.cpu_count()}], "torch": None}
try:
    import torch

    info["torch"] = torch.__version__
    if torch.cuda.is_available():
        info["tags"] += ["gpu", "cuda"]
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            info["devices"].append({"name": "cuda:%d" % i, "kind": "cuda", "model": p.name,
                                    "memory_gib": round(p.total_memory / 2**30, 1)})
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        info["tags"] += ["gpu", "mps"] if "gpu" not in info["tags"] else ["mps"]
        info["devices"].append({"name": "mps", "kind": "mps"})
except Exception as e:  # noqa: BLE001 - no torch, or a broken one: a CPU runner either way
    info["torch_problem"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(info))
