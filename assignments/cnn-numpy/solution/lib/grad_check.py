from __future__ import print_function

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """
    Numerical gradient of a scalar function f at x by centered differences.

    Arguments:
    - f: a function of one array argument returning a scalar
    - x: the point (a float numpy array) at which to evaluate the gradient;
      it is modified in place while probing and restored afterwards

    Returns:
    - grad: an array of x's shape holding df/dx
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        original = x[ix]
        x[ix] = original + h
        f_plus = f(x)
        x[ix] = original - h
        f_minus = f(x)
        x[ix] = original
        # centered differences: error of order h^2 instead of h
        grad[ix] = (f_plus - f_minus) / (2.0 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """
    Numerical gradient of an array-valued function f at x, contracted with the
    upstream gradient df: returns sum(df * d f(x) / dx) for each entry of x.
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        original = x[ix]
        x[ix] = original + h
        # f may return a view of x or reuse a buffer: copy before moving x again
        out_plus = np.array(f(x), copy=True)
        x[ix] = original - h
        out_minus = np.array(f(x), copy=True)
        x[ix] = original
        grad[ix] = np.sum((out_plus - out_minus) * df) / (2.0 * h)
    return grad


def rel_error(x, y):
    """ Largest elementwise relative error, guarded against 0 / 0 """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
