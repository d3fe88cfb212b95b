from __future__ import print_function

import numpy as np


""" Super Class """
class Optimizer(object):
    """
    This is a template for implementing the classes of optimizers
    """
    def __init__(self, net, lr=1e-4):
        self.net = net  # the model
        self.lr = lr    # learning rate

    """ Make a step and update all parameters """
    def step(self):
        for layer in self.net.layers:
            self.update(layer)
        # updates put new arrays into the layers: refresh the network's view
        self.net.gather_params()

    def update(self, layer):
        raise NotImplementedError


""" Classes """
class SGD(Optimizer):
    """ Stochastic gradient descent with decoupled weight decay """
    def __init__(self, net, lr=1e-4, weight_decay=0.0):
        self.net = net
        self.lr = lr
        self.weight_decay = weight_decay

    def update(self, layer):
        for n, dv in layer.grads.items():
            if dv is None:
                # no backward pass has reached this parameter yet
                continue
            w = layer.params[n]
            # decoupled weight decay: the decay is not scaled by the learning rate
            layer.params[n] = w - self.lr * dv - self.weight_decay * w


class Adam(Optimizer):
    """ Adam with bias-corrected moments and decoupled weight decay """
    def __init__(self, net, lr=1e-3, beta1=0.9, beta2=0.999, t=0, eps=1e-8, weight_decay=0.0):
        self.net = net
        self.lr = lr
        self.beta1, self.beta2 = beta1, beta2
        self.eps = eps
        self.mt = {}
        self.vt = {}
        self.t = t
        self.weight_decay = weight_decay

    def step(self):
        # one time step per optimizer step, however many layers the network
        # has: the bias correction below depends on it
        self.t += 1
        super(Adam, self).step()

    def update(self, layer):
        for n, dv in layer.grads.items():
            if dv is None:
                continue
            w = layer.params[n]
            # moments start at zero the first time a parameter is seen
            if n not in self.mt:
                self.mt[n] = np.zeros_like(w)
            if n not in self.vt:
                self.vt[n] = np.zeros_like(w)
            self.mt[n] = self.beta1 * self.mt[n] + (1.0 - self.beta1) * dv
            self.vt[n] = self.beta2 * self.vt[n] + (1.0 - self.beta2) * dv ** 2
            # the moments are biased towards their zero start: undo it
            mt_hat = self.mt[n] / (1.0 - self.beta1 ** self.t)
            vt_hat = self.vt[n] / (1.0 - self.beta2 ** self.t)
            layer.params[n] = w - self.lr * mt_hat / (np.sqrt(vt_hat) + self.eps) \
                - self.weight_decay * w
