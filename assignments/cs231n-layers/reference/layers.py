"""The reference for what the TypeScript catalogue lacks (svm loss, batch normalization, a
convolution in N, C, H, W order): the instructor's code, run by the grader in a Python process of
its own (reference_ops in assignment.yaml), never by the student's worker. Written apart from
solution/layers.py, in array-in, array-out form: each function's arguments are case values."""
import numpy as np


def svm_loss(x, y):
    """Multiclass hinge loss, averaged over N, and its gradient."""
    N = x.shape[0]
    y = y.astype(np.int64)
    loss = 0.0
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(N):
        for j in range(x.shape[1]):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1.0
            if margin > 0:
                loss += margin
                dx[i, j] += 1.0
                dx[i, y[i]] -= 1.0
    return loss / N, dx / N


def batchnorm_train(x, gamma, beta, eps, momentum, running_mean, running_var):
    """Training-mode batch norm over axis 0 (biased variance), and the updated running averages."""
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    return out, momentum * running_mean + (1 - momentum) * mu, momentum * running_var + (1 - momentum) * var


def batchnorm_test(x, gamma, beta, eps, running_mean, running_var):
    """Test-mode batch norm: the running averages, not the batch's statistics."""
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def batchnorm_backward(x, gamma, beta, eps, dout):
    """Gradients of training-mode batch norm, in the compact form
    dx = gamma / (N std) (N dout - sum(dout) - x_hat sum(dout x_hat))."""
    N = x.shape[0]
    mu = x.mean(axis=0)
    std = np.sqrt(((x - mu) ** 2).mean(axis=0) + eps)
    x_hat = (x - mu) / std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def conv_forward(x, w, b, stride, pad):
    """Cross-correlation of x (N, C, H, W) with w (F, C, HH, WW), zero padding, then + b."""
    stride, pad = int(stride), int(pad)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + W] = x
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out


def conv_backward(x, w, b, stride, pad, dout):
    """Gradients of conv_forward with respect to x, w and b."""
    stride, pad = int(stride), int(pad)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + W] = x
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    dxp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += g * w[f]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
