"""
Gradients, gradient descent and fitting a tiny ReLU network exactly.
"""
import numpy as np
from scipy.optimize import fsolve, least_squares


# ---------------------------------------------------------------------------
# 1. Gradient of f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2
# ---------------------------------------------------------------------------

def f(x):
    x1, x2 = x[0], x[1]
    return (2.0 - x1) ** 2 + 10.0 * (x2 - x1 ** 2) ** 2


def grad_f(x):
    """
    Gradient of f at x = (x1, x2), derived by hand.
    Returns a numpy array of shape (2,).
    """
    grad = None
    # TODO: compute df/dx1 and df/dx2
    return grad


# ---------------------------------------------------------------------------
# 2. Gradient descent
# ---------------------------------------------------------------------------

def gradient_descent(grad, x0, lr, iters):
    """
    Runs `iters` steps of x <- x - lr * grad(x) from x0.
    Returns the whole path, an array of shape (iters + 1, 2) whose first row is
    x0 and whose row t is the point after t steps.

    With a step size that is too large the iterates blow up: the function must
    still return the path (numpy then produces inf or nan), not crash. Hint:
    np.errstate(over="ignore", invalid="ignore").
    """
    path = None
    # TODO: run gradient descent and record every point
    return path


# ---------------------------------------------------------------------------
# 3. A 1-4-1 ReLU network, fitted exactly
# ---------------------------------------------------------------------------

def relu_net(theta, x):
    """
    y(x) = b_o + sum_i w_o[i] * relu(w_h[i] * x + b_h[i]), i = 1..4, with
    theta = [w_h (4), b_h (4), w_o (4), b_o]. x is a scalar or an array of
    inputs; the output has the shape of x.
    """
    y = None
    # TODO: unpack theta and evaluate the network
    return y


def fit_relu_net(x, y, seed=0):
    """
    Finds theta (13,) such that relu_net(theta, x) equals y at every sample
    (max |residual| <= 1e-8). Use scipy.optimize.fsolve or least_squares; a
    single solve from a random guess often gets stuck, so restart from new
    random guesses (drawn from np.random.RandomState(seed)) until one fits.
    """
    theta = None
    # TODO: fit the network
    return theta


if __name__ == "__main__":
    datasets = {
        "theta_dataset1": (np.arange(13), np.array([8, 6, 4, 2, 0, 2, 4, 2, 0, 2, 4, 6, 8])),
        "theta_dataset2": (np.arange(11), np.array([0, 1, 2, 3, 2, 1, 2, 3, 4, 5, 6])),
    }
    for name, (x, y) in datasets.items():
        theta = fit_relu_net(x, y)
        if theta is None:
            print("%s: not implemented yet" % name)
            continue
        print("%s: [%s]" % (name, ", ".join("%.8g" % v for v in theta)))
        print("  max residual %.3g" % np.max(np.abs(relu_net(theta, x) - y)))
