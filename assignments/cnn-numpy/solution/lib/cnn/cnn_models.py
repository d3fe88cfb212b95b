from __future__ import print_function

import numpy as np

from lib.mlp.fully_conn import Module
from lib.cnn.layer_utils import *


""" Classes """
class TestCNN(Module):
    def __init__(self, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            # 8x8x3 -> 6x6x3 -> 3x3x3 = 27 features
            ConvLayer2D(input_channels=3, kernel_size=3, number_filters=3,
                        stride=1, padding=0, init_scale=0.02, name="conv"),
            MaxPoolingLayer(pool_size=2, stride=2, name="maxpool"),
            flatten(name="flatten"),
            fc(27, 5, init_scale=0.02, name="fc"),
        )


class SmallConvolutionalNetwork(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            # padding 1 keeps 3x3 convolutions from shrinking the image, so each
            # pooling layer alone halves it: 32 -> 16 -> 8
            ConvLayer2D(input_channels=3, kernel_size=3, number_filters=8,
                        stride=1, padding=1, init_scale=np.sqrt(2.0 / 27), name="conv1"),
            # pooling before the nonlinearity: the activation then runs on a
            # quarter of the values, which is most of the training time saved
            MaxPoolingLayer(pool_size=2, stride=2, name="pool1"),
            gelu(name="gelu1"),
            ConvLayer2D(input_channels=8, kernel_size=3, number_filters=16,
                        stride=1, padding=1, init_scale=np.sqrt(2.0 / 72), name="conv2"),
            MaxPoolingLayer(pool_size=2, stride=2, name="pool2"),
            gelu(name="gelu2"),
            flatten(name="flatten"),
            # keep_prob of 0 (the default) switches dropout off
            dropout(keep_prob, seed=seed, name="dropout"),
            # 8 * 8 * 16 = 1024 features
            fc(1024, 10, init_scale=np.sqrt(1.0 / 1024), name="fc"),
        )
