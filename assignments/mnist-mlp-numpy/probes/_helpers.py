"""Shared pieces of the mnist-mlp-numpy probes. The student's notebook is imported as the module
`mnist_mlp` (the worker extracts its imports, functions and constant assignments); a student who
hands in mnist_mlp.py instead is imported the usual way. Probes only call the student's code."""
import importlib

import numpy as np

MODULE = "mnist_mlp"


def student():
    return importlib.import_module(MODULE)


def fresh(seed):
    """The notebook as it starts: imported again, so its own initialisation of the weights runs
    anew whatever earlier checks set them to."""
    np.random.seed(seed)
    return importlib.reload(student())


def set_params(mod, inputs):
    """Grader-chosen weights and biases in the globals the functions read."""
    mod.weights = [np.array(inputs["w%d" % i], dtype=np.float64) for i in (1, 2, 3)]
    mod.biases = [np.array(inputs["b%d" % i], dtype=np.float64) for i in (1, 2, 3)]


def params(mod, before=None):
    """The weights and biases after training, as w1_new..b3_new; with `before` (the inputs that
    set them), also the step each took, w1_step..b3_step = new - old."""
    weights, biases = getattr(mod, "weights", None), getattr(mod, "biases", None)
    for name, value in (("weights", weights), ("biases", biases)):
        if value is None or len(value) != 3:
            found = "None" if value is None else "%d arrays" % len(value)
            raise ValueError("the global %s should hold three arrays (784 -> 32 -> 32 -> 10), found %s" % (name, found))
    out = {}
    for i in range(3):
        for kind, values in (("w", weights), ("b", biases)):
            key = "%s%d" % (kind, i + 1)
            new = np.asarray(values[i], dtype=np.float64)
            out[key + "_new"] = new
            if before is not None:
                if new.shape != before[key].shape:
                    raise ValueError("%s[%d] has shape %s after the step; it had %s"
                                     % ("weights" if kind == "w" else "biases", i, new.shape, before[key].shape))
                out[key + "_step"] = new - before[key]
    return out
