"""
Gradients, gradient descent and fitting a tiny ReLU network exactly.
"""
import numpy as np
from scipy.optimize import least_squares


# ---------------------------------------------------------------------------
# 1. Gradient of f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2
# ---------------------------------------------------------------------------

def f(x):
    x1, x2 = x[0], x[1]
    return (2.0 - x1) ** 2 + 10.0 * (x2 - x1 ** 2) ** 2


def grad_f(x):
    """
    Gradient of f, derived by hand with the chain rule:
        df/dx1 = -2 (2 - x1) + 20 (x2 - x1^2) * (-2 x1) = -2 (2 - x1) - 40 x1 (x2 - x1^2)
        df/dx2 = 20 (x2 - x1^2)
    At (3, 4): [2 + 600, -100] = [602, -100].
    """
    # numpy scalars, not Python floats: on a diverging run x1 ** 2 then
    # overflows to inf instead of raising OverflowError
    x = np.asarray(x, dtype=np.float64)
    x1, x2 = x[0], x[1]
    dx1 = -2.0 * (2.0 - x1) - 40.0 * x1 * (x2 - x1 ** 2)
    dx2 = 20.0 * (x2 - x1 ** 2)
    return np.array([dx1, dx2])


# ---------------------------------------------------------------------------
# 2. Gradient descent
# ---------------------------------------------------------------------------

def gradient_descent(grad, x0, lr, iters):
    """
    Runs `iters` steps of x <- x - lr * grad(x) from x0.
    Returns the whole path, an array of shape (iters + 1, len(x0)) whose first
    row is x0 and whose row t is the point after t steps.

    A step size that is too large makes the iterates blow up. That is a result
    to look at (the path ends in inf or nan), not an error: overflow warnings
    are silenced and the loop keeps going.
    """
    x = np.array(x0, dtype=np.float64)
    path = np.empty((iters + 1, x.size))
    path[0] = x
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, iters + 1):
            x = x - lr * np.asarray(grad(x), dtype=np.float64)
            path[t] = x
    return path


# ---------------------------------------------------------------------------
# 3. A 1-4-1 ReLU network, fitted exactly
# ---------------------------------------------------------------------------

def unpack(theta):
    """ theta = [w_h (4), b_h (4), w_o (4), b_o] """
    theta = np.asarray(theta, dtype=np.float64)
    return theta[0:4], theta[4:8], theta[8:12], theta[12]


def relu_net(theta, x):
    """
    y(x) = b_o + sum_i w_o[i] * relu(w_h[i] * x + b_h[i]), for a scalar x or an
    array of inputs (the output has the shape of x).
    """
    w_h, b_h, w_o, b_o = unpack(theta)
    x = np.asarray(x, dtype=np.float64)
    hidden = np.maximum(0.0, x[..., None] * w_h + b_h)
    return hidden @ w_o + b_o


def residual(theta, x, y):
    return relu_net(theta, x) - y


def residual_jacobian(theta, x, y):
    """ d residual / d theta, one row per data point. """
    w_h, b_h, w_o, b_o = unpack(theta)
    pre = x[:, None] * w_h + b_h
    active = (pre > 0).astype(np.float64)
    return np.hstack([
        active * w_o * x[:, None],       # d/dw_h
        active * w_o,                    # d/db_h
        np.maximum(0.0, pre),            # d/dw_o
        np.ones((len(x), 1)),            # d/db_o
    ])


def kink_features(kinks, signs, x):
    """ Hidden units written as relu(sign * (x - kink)), plus a column of ones for b_o. """
    return np.hstack([np.maximum(0.0, signs * (x[:, None] - kinks)), np.ones((len(x), 1))])


def random_start(rng, x, y):
    """
    Random kink positions and directions for the four hidden units.

    A piecewise-linear target bends only at some of its samples, and an exact
    fit needs a kink there; so kinks start at random samples, drawn more often
    where the slope changes. Two extra candidates just outside the data let a
    unit act as a plain linear term over the whole range.
    """
    slopes = np.diff(y) / np.diff(x)
    bend = np.abs(np.diff(slopes))
    weight = bend + 0.05 * bend.max() + 1e-12
    candidates = np.concatenate([[x[0] - 1.0], x[1:-1], [x[-1] + 1.0]])
    weight = np.concatenate([[weight.mean()], weight, [weight.mean()]])
    pick = rng.choice(len(candidates), 4, replace=len(candidates) < 4, p=weight / weight.sum())
    kinks = candidates[pick] + rng.uniform(-0.3, 0.3, 4)
    signs = rng.choice([-1.0, 1.0], 4)
    # outside the data a unit is only useful facing it
    signs[pick == 0] = 1.0
    signs[pick == len(candidates) - 1] = -1.0
    return kinks, signs


def solve_from(kinks, signs, x, y):
    """
    One local solve. For fixed hidden units the output layer enters linearly,
    so it is eliminated by linear least squares and the solver only moves the
    kinks (variable projection: far fewer bad local minima). Then all 13
    parameters are refined together to push the residual to rounding level.
    """
    def projected_residual(k):
        features = kink_features(k, signs, x)
        out = np.linalg.lstsq(features, y, rcond=None)[0]
        return features @ out - y

    kinks = least_squares(projected_residual, kinks, method="trf",
                          xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=200).x
    out = np.linalg.lstsq(kink_features(kinks, signs, x), y, rcond=None)[0]
    # relu(s (x - k)) = relu(s x - s k): w_h = s, b_h = -s k
    theta = np.concatenate([signs, -signs * kinks, out])
    theta = least_squares(residual, theta, jac=residual_jacobian, args=(x, y), method="trf",
                          xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=200).x
    return theta


def fit_relu_net(x, y, seed=0, max_restarts=200, tol=1e-10):
    """
    Finds theta (13,) with max |relu_net(theta, x) - y| <= tol.

    The residual has many local minima (a kink can get stuck between two
    samples), so a single solve often fails: restart from new random starting
    points until one reaches an exact fit.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    order = np.argsort(x)
    x, y = x[order], y[order]
    rng = np.random.RandomState(seed)

    best_err = np.inf
    for restart in range(max_restarts):
        kinks, signs = random_start(rng, x, y)
        theta = solve_from(kinks, signs, x, y)
        err = np.max(np.abs(residual(theta, x, y)))
        if err <= tol:
            return theta
        best_err = min(best_err, err)
    # an approximate fit is not what was asked for: say so rather than return it
    raise RuntimeError("no exact fit after %d restarts (best max residual %.3g)" % (max_restarts, best_err))


if __name__ == "__main__":
    print("grad_f(3, 4) =", grad_f([3.0, 4.0]))
    datasets = {
        "theta_dataset1": (np.arange(13), np.array([8, 6, 4, 2, 0, 2, 4, 2, 0, 2, 4, 6, 8])),
        "theta_dataset2": (np.arange(11), np.array([0, 1, 2, 3, 2, 1, 2, 3, 4, 5, 6])),
    }
    for name, (x, y) in datasets.items():
        theta = fit_relu_net(x, y)
        print("%s: [%s]" % (name, ", ".join("%.8g" % v for v in theta)))
        print("  max residual %.3g" % np.max(np.abs(relu_net(theta, x) - y)))
