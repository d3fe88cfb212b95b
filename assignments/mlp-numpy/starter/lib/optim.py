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
            #############################################################################
            # TODO: Implement the SGD with (decoupled) weight decay: update            #
            # layer.params[n] with the gradient dv, the learning rate self.lr and      #
            # self.weight_decay, which shrinks the weight by weight_decay * w on its  #
            # own (it is not multiplied by the learning rate).                         #
            #############################################################################
            pass
            #############################################################################
            #                             END OF YOUR CODE                              #
            #############################################################################


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
            #############################################################################
            # TODO: Implement the Adam with (optional) weight decay:                    #
            # update the first and second moments self.mt[n] and self.vt[n], correct   #
            # their bias with the time step self.t (step() has already advanced it),   #
            # then update layer.params[n]; weight decay works as in SGD.               #
            #############################################################################
            pass
            #############################################################################
            #                             END OF YOUR CODE                              #
            #############################################################################
