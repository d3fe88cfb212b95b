"""Helpers for probes of packs written against the course skeleton (layers with .params and
.grads dicts, networks holding a `sequential` in `.net`). Probes only call the student's code and
return what it produced; they never judge it (the grader does, in its own process)."""
import numpy as np

from dlgrade_outputs import Outputs  # noqa: F401 - probes import it from here



def set_fc(layer, w, b=None):
    """Give a weighted layer (fc, conv) fixed weights, under the names the layer declares."""
    w_name = getattr(layer, "w_name", layer.name + "_w")
    b_name = getattr(layer, "b_name", layer.name + "_b")
    layer.params[w_name] = w
    if b is not None:
        layer.params[b_name] = b
    return w_name, b_name


def params_by_shape(net):
    """Map each parameter of a student's network to its shape: students name layers freely, but
    the architecture fixes the shapes, so (shape -> name) finds them whatever they are called."""
    seq = net.net
    seq.gather_params()
    found = {}
    for name, value in seq.params.items():
        if value is None:
            continue
        shape = tuple(np.shape(value))
        if shape in found:
            raise ValueError("two parameters of shape %s (%s and %s): cannot tell them apart" % (shape, found[shape], name))
        found[shape] = name
    return found


def assign_by_shape(net, arrays):
    """Load the grader's arrays into the student's network, matching parameters by shape."""
    names = params_by_shape(net)
    if not names:
        raise ValueError("%s has no parameters: is its sequential(...) still a TODO?" % type(net).__name__)
    chosen = {}
    for key, value in arrays.items():
        shape = tuple(value.shape)
        if shape not in names:
            have = ", ".join("%s %s" % (n, s) for s, n in names.items()) or "none"
            raise ValueError("the network has no parameter of shape %s for %s (it has: %s)" % (shape, key, have))
        net.net.assign(names[shape], value)
        chosen[key] = names[shape]
    net.net.gather_params()
    return chosen


def grads_of(net, chosen):
    """The gradient of each assigned parameter after backward, under the grader's keys."""
    net.net.gather_grads()
    return {"d" + key: net.net.get_grads(name) for key, name in chosen.items()}


def returned(value, what):
    """Stop at the first part that is still a TODO, instead of failing later somewhere else."""
    if value is None:
        raise NotImplementedError("%s returned None: is it still a TODO?" % what)
    return value


def pooled_init(make, first_seed, count):
    """Weights and biases of `count` networks built by make() under seeds first_seed, ...: one
    draw of a few hundred weights cannot tell a correct init scale from a slightly wrong one
    without failing correct code now and then; thousands pooled can."""
    weights, biases = [], []
    for seed in range(first_seed, first_seed + count):
        np.random.seed(seed)
        net = make()
        net.net.gather_params()
        if not net.net.params:
            raise ValueError("%s has no parameters: is its sequential(...) still a TODO?" % type(net).__name__)
        for value in net.net.params.values():
            value = np.asarray(value, dtype=np.float64)
            (biases if value.ndim == 1 else weights).append(value.ravel())
    return {"weights": np.concatenate(weights), "biases": np.concatenate(biases)}


def notebook_values():
    """What an executed notebook left, as recorded after each cell (the pack's notebook.record
    shape): {"values": (k, ...) array, "cells": (k,) cell numbers, "names": the names, comma-
    separated, as uint8 bytes}. Only the driver's record is read: nothing the notebook returns."""
    import dlgrade_notebook

    history = dlgrade_notebook.recorded()
    shape = dlgrade_notebook._executed["shape"] or (0,)
    values = np.array([v for _, _, v in history], dtype=np.float64).reshape((len(history),) + tuple(shape))
    names = ",".join(n for _, n, _ in history)
    return {"values": values, "cells": np.array([c for c, _, _ in history], dtype=np.int64),
            "names": np.frombuffer(names.encode("ascii", "replace"), dtype=np.uint8).copy()}
