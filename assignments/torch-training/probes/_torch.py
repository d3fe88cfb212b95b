"""Helpers for the torch-training probes: turning the grader's arrays into what the homework's
functions take (float tensors, loaders), and loading fixed weights into a student's model
whatever its layers are called. Probes call the student's code and return what it produced;
the grader judges it."""
import numpy as np
import torch
from torch import nn

from dlgrade_probe import returned


def images(array, size=None):
    """uint8 pixels (N, H, W) as float32 (N, 1, H, W) in [0, 1], zero-padded to size x size."""
    x = torch.from_numpy(np.ascontiguousarray(array)).to(torch.float32).unsqueeze(1) / 255.0
    if size is not None and x.shape[-1] < size:
        pad = (size - x.shape[-1]) // 2
        x = nn.functional.pad(x, (pad, size - x.shape[-1] - pad, pad, size - x.shape[-2] - pad))
    return x


class BatchLoader:
    """Batches of (x, y) in a seeded order, a fresh shuffle each epoch, as a DataLoader would give
    them: iterating slices of whole tensors leaves the time to the model, not to per-item loading."""

    def __init__(self, x, y, batch_size, seed=0, shuffle=True):
        self.x, self.y, self.batch_size, self.shuffle = x, y, int(batch_size), shuffle
        self.generator = torch.Generator().manual_seed(int(seed))

    def __len__(self):
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = torch.randperm(len(self.x), generator=self.generator) if self.shuffle else torch.arange(len(self.x))
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            yield self.x[idx], self.y[idx]


def linears(model):
    """The model's Linear layers in the order they were defined (the order data flows through
    a Sequential or through layers assigned in __init__ in forward's order)."""
    found = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not found:
        raise ValueError("%s has no nn.Linear layers: is __init__ still a TODO?" % type(model).__name__)
    return found


def set_linears(model, inputs):
    """Load w1, b1, w2, ... (torch's (out, in) layout, float64) into the model's Linear layers."""
    layers = linears(model)
    given = sum(1 for k in inputs if k.startswith("w") and k[1:].isdigit())
    if len(layers) != given:
        shapes = ", ".join("%s" % (tuple(l.weight.shape),) for l in layers)
        raise ValueError("%s has %d Linear layers (%s); this check expects %d" % (type(model).__name__, len(layers), shapes, given))
    model.double()
    with torch.no_grad():
        for i, layer in enumerate(layers, 1):
            w, b = inputs["w%d" % i], inputs["b%d" % i]
            if tuple(layer.weight.shape) != w.shape:
                raise ValueError("Linear layer %d has a weight of shape %s; the architecture needs %s"
                                 % (i, tuple(layer.weight.shape), w.shape))
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    return layers


def linear_params(model):
    """w1, b1, w2, ... of the model's Linear layers, as float64 arrays."""
    out = {}
    for i, layer in enumerate(linears(model), 1):
        out["w%d" % i] = layer.weight.detach().cpu().double().numpy()
        out["b%d" % i] = layer.bias.detach().cpu().double().numpy()
    return out


def scores_of(predicted, n, what="predict"):
    """The student's predictions as a float array (n, classes), said clearly when it is not one."""
    returned(predicted, what)
    scores = predicted.detach().cpu().double().numpy() if torch.is_tensor(predicted) else np.asarray(predicted, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != n:
        raise ValueError("%s should return scores of shape (%d, classes), got %s" % (what, n, scores.shape))
    return scores
