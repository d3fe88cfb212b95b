from __future__ import print_function

import numpy as np

from lib.mlp.fully_conn import Module
from lib.cnn.layer_utils import *


""" Classes """
class TestCNN(Module):
    def __init__(self, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            ########## TODO: ##########
            # conv (3 -> 3 channels, 3x3 kernel, named "conv"), max pooling (2x2,
            # stride 2, named "maxpool"), flatten, fc (27 -> 5, named "fc");
            # initialise the weights with a standard deviation of 0.02

            ########### END ###########
        )


class SmallConvolutionalNetwork(Module):
    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):
        self.dtype = dtype
        self.net = sequential(
            ########## TODO: ##########
            # Your design for 32x32x3 images and 10 classes: at most two
            # convolutional and two pooling layers, then flatten and an fc layer
            # with 10 outputs (layer names must differ). It is trained with your
            # train_net and Adam for a couple of epochs under a time limit, then
            # tested on images it has not seen: keep it small, and think about
            # the weight initialisation (init_scale) of each layer.

            ########### END ###########
        )
