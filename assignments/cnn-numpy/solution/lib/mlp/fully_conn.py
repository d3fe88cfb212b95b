from __future__ import print_function

import numpy as np

from lib.mlp.layer_utils import *


""" Super Class """
class Module(object):
    """
    Module is a super class that could be used to define any arbitrary layer
    or network, or a combination of both.
    """
    def __init__(self):
        self.net = None

    def forward(self, feat, is_training=True, seed=None):
        output = feat
        for layer in self.net.layers:
            # only dropout behaves differently between training and test time
            if isinstance(layer, dropout):
                output = layer.forward(output, is_training, seed)
            else:
                output = layer.forward(output)
        self.net.gather_params()
        return output

    def backward(self, dprev, regularization="none", reg_lambda=0.0):
        for layer in self.net.layers[::-1]:
            dprev = layer.backward(dprev)
        self.net.gather_grads()
        if regularization == "l1":
            self.net.apply_l1_regularization(reg_lambda)
        elif regularization == "l2":
            self.net.apply_l2_regularization(reg_lambda)
        elif regularization == "none":
            pass
        else:
            raise NotImplementedError(
                "Unknown regularization {!r}: use 'none', 'l1' or 'l2'".format(regularization))
        return dprev


""" Classes """
class TestFCGeLU(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            flatten(name="flat"),
            fc(15, 5, 0.02, name="fc1"),
            gelu(name="gelu1"),
        )


class SmallFullyConnectedNetwork(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            fc(4, 30, 2e-2, name="fc1"),
            gelu(name="gelu1"),
            fc(30, 7, 2e-2, name="fc2"),
        )


class DropoutNet(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dropout = dropout
        self.seed = seed
        self.dtype = dtype
        self.net = sequential(
            flatten(name="flat"),
            fc(15, 20, 5e-2, name="fc1"),
            gelu(name="gelu1"),
            fc(20, 30, 5e-2, name="fc2"),
            gelu(name="gelu2"),
            fc(30, 10, 5e-2, name="fc3"),
            gelu(name="gelu3"),
            dropout(keep_prob, seed=seed),
        )


class TinyNet(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None,
                 input_dim=3072, num_classes=20):
        """
        A two-layer network: flatten -> fc -> gelu -> fc, sized by input_dim and
        num_classes so that it also fits other data sets than the course's
        """
        self.dtype = dtype
        hidden_dim = 256
        self.net = sequential(
            flatten(name="flat"),
            # He-style scale keeps the hidden activations of order one
            # whatever the input dimension is
            fc(input_dim, hidden_dim, np.sqrt(2.0 / input_dim), name="fc1"),
            gelu(name="gelu1"),
            fc(hidden_dim, num_classes, np.sqrt(1.0 / hidden_dim), name="fc2"),
        )


class FullyConnectedNetwork(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            flatten(name="flat"),
            fc(3072, 100, 0.1, name="fc1"),
            gelu(name="gelu1"),
            fc(100, 100, 0.1, name="fc2"),
            gelu(name="gelu2"),
            fc(100, 100, 0.1, name="fc3"),
            gelu(name="gelu3"),
            fc(100, 100, 0.1, name="fc4"),
            gelu(name="gelu4"),
            fc(100, 100, 0.1, name="fc5"),
            gelu(name="gelu5"),
            fc(100, 20, 0.1, name="fc6"),
        )
