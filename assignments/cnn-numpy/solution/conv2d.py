import numpy as np


def my_conv2d(input, kernel):
    """
    2-D cross-correlation of a batch of images with a bank of filters,
    stride 1 and no padding (a "valid" convolution in deep-learning terms).

    - input: (N, C, H, W) array, e.g. uint8 images
    - kernel: (F, C, kh, kw) float array; it is read, never modified
    Returns an (N, F, H - kh + 1, W - kw + 1) float array with
        out[n, f, i, j] = sum_{c, u, v} input[n, c, i + u, j + v] * kernel[f, c, u, v]
    """
    # the kernel is only read; a float64 copy is made only if it is not float64 already
    w = np.asarray(kernel, dtype=np.float64)
    # uint8 arithmetic would wrap around at 255: compute in float64
    x = np.asarray(input, dtype=np.float64)
    N, C, H, W = x.shape
    F, Ck, kh, kw = w.shape
    assert C == Ck, "input has {} channels but the kernel expects {}".format(C, Ck)

    out_h, out_w = H - kh + 1, W - kw + 1
    out = np.zeros((N, F, out_h, out_w))
    # one pass per kernel tap: tap (u, v) meets the pixels of the shifted slice
    for u in range(kh):
        for v in range(kw):
            shifted = x[:, :, u:u + out_h, v:v + out_w]
            # sum over input channels: (N, C, h, w) x (F, C) -> (N, F, h, w)
            out += np.einsum("nchw,fc->nfhw", shifted, w[:, :, u, v])
    return out
