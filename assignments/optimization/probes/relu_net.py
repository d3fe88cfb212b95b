import numpy as np

from optimization import relu_net


def run(inputs):
    return {"y": relu_net(np.array(inputs["theta"], dtype=np.float64), np.array(inputs["x"], dtype=np.float64))}
