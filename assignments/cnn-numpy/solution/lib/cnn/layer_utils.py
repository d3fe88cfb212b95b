from __future__ import print_function

import numpy as np

from lib.mlp.layer_utils import flatten, fc, gelu, dropout, cross_entropy, softmax, reset_seed


class sequential(object):
    def __init__(self, *args):
        """
        Sequential Object to serialize the NN layers
        Please read this code block and understand how it works
        """
        self.params = {}
        self.grads = {}
        self.layers = []
        self.paramName2Indices = {}
        self.layer_names = {}

        # process the parameters layer by layer
        for layer_cnt, layer in enumerate(args):
            # parameter names are built from layer names: two layers with one
            # name would silently share (and overwrite) each other's entries
            if layer.name in self.layer_names:
                raise ValueError("Existing name {}!".format(layer.name))
            self.layer_names[layer.name] = True
            for n, v in layer.params.items():
                if n in self.params:
                    raise ValueError("Existing name {}!".format(n))
                self.params[n] = v
                self.paramName2Indices[n] = layer_cnt
            for n, v in layer.grads.items():
                self.grads[n] = v
            self.layers.append(layer)

    def assign(self, name, val):
        # load the given values to the layer by name
        layer_cnt = self.paramName2Indices[name]
        self.layers[layer_cnt].params[name] = val
        self.params[name] = val

    def assign_grads(self, name, val):
        # load the given values to the layer by name
        layer_cnt = self.paramName2Indices[name]
        self.layers[layer_cnt].grads[name] = val
        self.grads[name] = val

    def get_params(self, name):
        # return the parameters by name
        return self.layers[self.paramName2Indices[name]].params[name]

    def get_grads(self, name):
        # return the gradients by name
        return self.layers[self.paramName2Indices[name]].grads[name]

    def gather_params(self):
        """
        Collect the parameters of every submodule
        """
        for layer in self.layers:
            for n, v in layer.params.items():
                self.params[n] = v

    def gather_grads(self):
        """
        Collect the gradients of every submodule
        """
        for layer in self.layers:
            for n, v in layer.grads.items():
                self.grads[n] = v

    def apply_l1_regularization(self, lam):
        """
        Gradient of lam * sum(|w|) added to every parameter's gradient
        """
        for layer in self.layers:
            for n, v in layer.grads.items():
                # d|w|/dw = sign(w), with the subgradient 0 at w = 0
                layer.grads[n] = v + lam * np.sign(layer.params[n])
        # the layers now hold new arrays: refresh the network's view of them
        self.gather_grads()

    def apply_l2_regularization(self, lam):
        """
        Gradient of lam * sum(w^2) added to every parameter's gradient
        """
        for layer in self.layers:
            for n, v in layer.grads.items():
                layer.grads[n] = v + 2.0 * lam * layer.params[n]
        self.gather_grads()

    def load(self, pretrained_dict):
        """
        Load a pretrained model by names
        """
        for layer in self.layers:
            if not hasattr(layer, "params"):
                continue
            for n in list(layer.params.keys()):
                if n in pretrained_dict:
                    layer.params[n] = np.array(pretrained_dict[n], copy=True)
        self.gather_params()


def zero_pad(img, pad):
    """ Pads the two spatial axes of an NHWC batch with zeros. """
    # batch and channel axes are left alone: only height and width grow
    return np.pad(img, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


class ConvLayer2D(object):
    def __init__(self, input_channels, kernel_size, number_filters,
                 stride=1, padding=0, init_scale=.02, name="conv"):
        """
        - input_channels: number of channels C of the input
        - kernel_size: the kernel is kernel_size x kernel_size
        - number_filters: number of output channels F
        - stride, padding: the same along both spatial axes
        - meta: to store the forward pass input for computing backpropagation
        Weights have shape (kernel_size, kernel_size, input_channels, number_filters)
        """
        self.name = name
        self.w_name = name + "_w"
        self.b_name = name + "_b"

        self.input_channels = input_channels
        self.kernel_size = kernel_size
        self.number_filters = number_filters
        self.stride = stride
        self.padding = padding

        self.params = {}
        self.grads = {}
        self.params[self.w_name] = init_scale * np.random.randn(
            kernel_size, kernel_size, input_channels, number_filters)
        self.params[self.b_name] = np.zeros(number_filters)
        self.grads[self.w_name] = None
        self.grads[self.b_name] = None
        self.meta = None

    def get_output_size(self, input_size):
        """
        :param input_size - 4-D shape of input image tensor (batch_size, in_height, in_width, in_channels)
        :output a 4-D shape of the output after passing through this layer
                (batch_size, out_height, out_width, number_filters)
        """
        output_shape = None
        batch_size, in_height, in_width = input_size[0], input_size[1], input_size[2]
        # the number of kernel positions that fit in the padded input
        k, s, p = self.kernel_size, self.stride, self.padding
        out_height = (in_height + 2 * p - k) // s + 1
        out_width = (in_width + 2 * p - k) // s + 1
        output_shape = [batch_size, out_height, out_width, self.number_filters]
        return output_shape

    def forward(self, img):
        output = None
        assert len(img.shape) == 4, "expected an NHWC batch, got shape {}".format(img.shape)
        assert img.shape[3] == self.input_channels, \
            "expected {} input channels, got {}".format(self.input_channels, img.shape[3])

        w = self.params[self.w_name]
        b = self.params[self.b_name]
        k, s, p = self.kernel_size, self.stride, self.padding
        _, out_height, out_width, _ = self.get_output_size(img.shape)

        img_pad = zero_pad(img, p)
        output = np.zeros(self.get_output_size(img.shape), dtype=np.result_type(img, w))
        # Loop over the k*k kernel taps rather than over output positions: for tap
        # (di, dj) the input pixels it meets at every output position form one
        # strided slice, and the sum over channels is one matrix product.
        for di in range(k):
            for dj in range(k):
                taps_h = slice(di, di + s * (out_height - 1) + 1, s)
                taps_w = slice(dj, dj + s * (out_width - 1) + 1, s)
                # (N, H', W', C) @ (C, F) -> (N, H', W', F)
                output += img_pad[:, taps_h, taps_w, :] @ w[di, dj]
        # one bias per filter, shared by every position of the output
        output += b

        self.meta = img
        return output

    def backward(self, dprev):
        img = self.meta
        if img is None:
            raise ValueError("No forward function called before for this module!")

        dimg, self.grads[self.w_name], self.grads[self.b_name] = None, None, None
        w = self.params[self.w_name]
        k, s, p = self.kernel_size, self.stride, self.padding
        _, out_height, out_width, _ = dprev.shape

        img_pad = zero_pad(img, p)
        dimg_pad = np.zeros(img_pad.shape, dtype=np.result_type(dprev, w))
        dw = np.zeros(w.shape, dtype=np.result_type(dprev, img))
        for di in range(k):
            for dj in range(k):
                # the same input pixels the forward pass used for this tap
                rows = slice(di, di + s * (out_height - 1) + 1, s)
                cols = slice(dj, dj + s * (out_width - 1) + 1, s)
                patch = img_pad[:, rows, cols, :]
                # out[n,i,j,f] += patch[n,i,j,c] * w[di,dj,c,f]
                dw[di, dj] = np.tensordot(patch, dprev, axes=([0, 1, 2], [0, 1, 2]))
                # overlapping windows (stride < k) reach a pixel several times: accumulate
                dimg_pad[:, rows, cols, :] += dprev @ w[di, dj].T

        # the padding is not part of the input, so its gradient is dropped
        in_height, in_width = img.shape[1], img.shape[2]
        dimg = dimg_pad[:, p:p + in_height, p:p + in_width, :]
        self.grads[self.w_name] = dw
        self.grads[self.b_name] = dprev.sum(axis=(0, 1, 2))

        self.meta = None
        return dimg


class MaxPoolingLayer(object):
    def __init__(self, pool_size, stride, name):
        """
        - pool_size: the pooling window is pool_size x pool_size
        - stride: step between two windows, the same along both spatial axes
        - meta: to store the forward pass input for computing backpropagation
        Note: params and grads should be just empty dicts here, do not update them
        """
        self.name = name
        self.pool_size = pool_size
        self.stride = stride
        self.params = {}
        self.grads = {}
        self.meta = None

    def get_output_size(self, input_size):
        batch_size, in_height, in_width, channels = input_size
        out_height = (in_height - self.pool_size) // self.stride + 1
        out_width = (in_width - self.pool_size) // self.stride + 1
        return [batch_size, out_height, out_width, channels]

    def forward(self, img):
        output = None
        assert len(img.shape) == 4, "expected an NHWC batch, got shape {}".format(img.shape)
        pool, s = self.pool_size, self.stride
        _, out_height, out_width, _ = self.get_output_size(img.shape)

        # Loop over the pool*pool positions inside a window: the elements at
        # position (di, dj) of every window form one strided slice, and the
        # window maxima are the running elementwise maximum of these slices.
        for di in range(pool):
            for dj in range(pool):
                taps = img[:, di:di + s * (out_height - 1) + 1:s, dj:dj + s * (out_width - 1) + 1:s, :]
                output = taps.copy() if output is None else np.maximum(output, taps)

        self.meta = img
        return output

    def backward(self, dprev):
        img = self.meta
        if img is None:
            raise ValueError("No forward function called before for this module!")

        dimg = np.zeros(img.shape, dtype=np.result_type(img, dprev))
        pool, s = self.pool_size, self.stride
        batch_size, out_height, out_width, channels = dprev.shape
        n_idx = np.arange(batch_size)[:, None]
        c_idx = np.arange(channels)[None, :]
        for i in range(out_height):
            for j in range(out_width):
                window = img[:, i * s:i * s + pool, j * s:j * s + pool, :]
                # Only the element that was picked receives the gradient. With ties
                # the forward value came from one of them; take the first in
                # row-major order (argmax returns the first maximum).
                flat_idx = window.reshape(batch_size, pool * pool, channels).argmax(axis=1)
                di, dj = np.divmod(flat_idx, pool)
                # windows may overlap (stride < pool): accumulate
                dimg[n_idx, i * s + di, j * s + dj, c_idx] += dprev[:, i, j, :]

        self.meta = None
        return dimg
