"""A model's parameter count and the shape of its output on a batch of grey images."""
import numpy as np
import torch

import models


def run(inputs):
    name = inputs["model"]
    cls = getattr(models, name, None)
    if cls is None:
        raise AttributeError("models.py has no class %s" % name)
    torch.manual_seed(0)
    model = cls()
    size = int(inputs["size"])
    with torch.no_grad():
        out = model.eval()(torch.zeros(int(inputs["batch"]), 1, size, size))
    if not torch.is_tensor(out):
        raise TypeError("%s.forward returned %s, not a tensor" % (name, type(out).__name__))
    return {
        "params": np.int64(sum(p.numel() for p in model.parameters())),
        "out_shape": np.asarray(out.shape, dtype=np.int64),
    }
