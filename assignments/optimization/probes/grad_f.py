import numpy as np

from optimization import grad_f


def run(inputs):
    return {"g": grad_f(np.array(inputs["x"], dtype=np.float64))}
