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
        #############################################################################
        # TODO: Compute the output shape of the convolution from the input shape,   #
        # the kernel size, the stride and the padding. Return it as a list          #
        # [batch_size, out_height, out_width, number_filters].                      #
        #############################################################################
        pass
        #############################################################################
        #                              END OF YOUR CODE                             #
        #############################################################################
        return output_shape

    def forward(self, img):
        output = None
        assert len(img.shape) == 4, "expected an NHWC batch, got shape {}".format(img.shape)
        #############################################################################
        # TODO: Implement the forward pass of the convolutional layer.              #
        # The input is NHWC; pad its two spatial axes with zeros (self.padding),    #
        # slide the (k, k, C, F) weights with self.stride (cross-correlation: do    #
        # not flip the kernel) and add one bias per filter. Store the result in     #
        # the variable "output" above. Loops over output positions are fine.        #
        #############################################################################
        pass
        #############################################################################
        #                              END OF YOUR CODE                             #
        #############################################################################
        self.meta = img

        return output

    def backward(self, dprev):
        img = self.meta
        if img is None:
            raise ValueError("No forward function called before for this module!")

        dimg, self.grads[self.w_name], self.grads[self.b_name] = None, None, None
        #############################################################################
        # TODO: Implement the backward pass of the convolutional layer.             #
        # Store the gradient of the input in "dimg" (the shape of img) and the      #
        # gradients of the weights and biases in self.grads.                        #
        #############################################################################
        pass
        #############################################################################
        #                              END OF YOUR CODE                             #
        #############################################################################

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

    def forward(self, img):
        output = None
        assert len(img.shape) == 4, "expected an NHWC batch, got shape {}".format(img.shape)
        #############################################################################
        # TODO: Implement the forward pass of the max pooling layer: square         #
        # windows of pool_size, moved by stride, no padding, one maximum per        #
        # window and channel. Store the result in the variable "output" above.      #
        #############################################################################
        pass
        #############################################################################
        #                              END OF YOUR CODE                             #
        #############################################################################
        self.meta = img

        return output

    def backward(self, dprev):
        img = self.meta
        if img is None:
            raise ValueError("No forward function called before for this module!")

        dimg = np.zeros(img.shape)
        #############################################################################
        # TODO: Implement the backward pass of the max pooling layer. Only the      #
        # element each window picked receives that window's gradient. If a          #
        # window holds several equal maxima, give it to the first one in            #
        # row-major order. Store the result in the variable "dimg" above.           #
        #############################################################################
        pass
        #############################################################################
        #                              END OF YOUR CODE                             #
        #############################################################################

        self.meta = None
        return dimg
