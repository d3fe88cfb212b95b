import numpy as np


def my_conv2d(input, kernel):
    """
    2-D cross-correlation of a batch of images with a bank of filters,
    stride 1 and no padding (a "valid" convolution in deep-learning terms).

    - input: (N, C, H, W) array, e.g. uint8 images
    - kernel: (F, C, kh, kw) float array; it must not be modified
    Returns an (N, F, H - kh + 1, W - kw + 1) float array with
        out[n, f, i, j] = sum_{c, u, v} input[n, c, i + u, j + v] * kernel[f, c, u, v]
    """
    out = None
    # TODO: implement the convolution described above. Mind the uint8 input.
    return out
