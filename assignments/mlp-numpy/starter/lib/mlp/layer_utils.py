from __future__ import print_function

import random

import numpy as np


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
            for n, v in layer.params.items():
                self.params[n] = v
                self.paramName2Indices[n] = layer_cnt
            for n, v in layer.grads.items():
                self.grads[n] = v
            # parameter names are built from layer names, so a repeated layer
            # name would silently make two layers share one entry
            if layer.name in self.layer_names:
                raise ValueError("Existing name {}!".format(layer.name))
            self.layer_names[layer.name] = True
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
                ######################################################################
                # TODO: Add the gradient of the L1 penalty lam * sum(|w|) to the     #
                # gradient v of parameter n and store the result in layer.grads[n].  #
                # The parameter itself is layer.params[n].                           #
                ######################################################################
                pass
                ######################################################################
                #                          END OF YOUR CODE                          #
                ######################################################################
        # refresh the network's view of the layers' gradients
        self.gather_grads()

    def apply_l2_regularization(self, lam):
        """
        Gradient of lam * sum(w^2) added to every parameter's gradient
        """
        for layer in self.layers:
            for n, v in layer.grads.items():
                ######################################################################
                # TODO: Add the gradient of the L2 penalty lam * sum(w^2) to the     #
                # gradient v of parameter n and store the result in layer.grads[n].  #
                # The parameter itself is layer.params[n].                           #
                ######################################################################
                pass
                ######################################################################
                #                          END OF YOUR CODE                          #
                ######################################################################
        # refresh the network's view of the layers' gradients
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


class flatten(object):
    def __init__(self, name="flatten"):
        """
        - name: the name of current layer
        - meta: to store the forward pass activations for computing backpropagation
        Note: params and grads should be just empty dicts here, do not update them
        """
        self.name = name
        self.params = {}
        self.grads = {}
        self.meta = None

    def forward(self, feat):
        # keep the batch axis, fold everything else into one feature axis
        output = feat.reshape(feat.shape[0], -1)
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        dfeat = dprev.reshape(feat.shape)
        self.meta = None
        return dfeat


class fc(object):
    def __init__(self, input_dim, output_dim, init_scale=0.002, name="fc"):
        """
        In forward pass, please use self.params for the weights and biases for this layer
        In backward pass, store the computed gradients to self.grads
        - name: the name of current layer
        - input_dim: input dimension
        - output_dim: output dimension
        - meta: to store the forward pass activations for computing backpropagation
        """
        self.name = name
        self.w_name = name + "_w"
        self.b_name = name + "_b"
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.params = {}
        self.grads = {}
        self.params[self.w_name] = init_scale * np.random.randn(input_dim, output_dim)
        self.params[self.b_name] = np.zeros(output_dim)
        self.grads[self.w_name] = None
        self.grads[self.b_name] = None
        self.meta = None

    def forward(self, feat):
        output = None
        assert len(feat.shape) == 2 and feat.shape[-1] == self.input_dim, \
            "But got {} and {}".format(feat.shape, self.input_dim)
        ##############################################################################
        # TODO: Implement the forward pass of a single fully connected layer.       #
        # Store the results in the variable output provided above.                  #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        dfeat, self.grads[self.w_name], self.grads[self.b_name] = None, None, None
        assert len(feat.shape) == 2 and feat.shape[-1] == self.input_dim, \
            "But got {} and {}".format(feat.shape, self.input_dim)
        assert len(dprev.shape) == 2 and dprev.shape[-1] == self.output_dim, \
            "But got {} and {}".format(dprev.shape, self.output_dim)
        ##############################################################################
        # TODO: Implement the backward pass of a single fully connected layer.      #
        # Store the computed gradients for current layer in self.grads with         #
        # the correct keys (self.w_name, self.b_name). Store the gradient with      #
        # respect to the layer's input in dfeat.                                     #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.meta = None
        return dfeat


class gelu(object):
    def __init__(self, name="gelu"):
        """
        - name: the name of current layer
        - meta: to store the forward pass activations for computing backpropagation
        Note: params and grads should be just empty dicts here, do not update them
        """
        self.name = name
        self.params = {}
        self.grads = {}
        self.meta = None

    def forward(self, feat):
        output = None
        ##############################################################################
        # TODO: Implement the forward pass of GeLU, using its tanh approximation:   #
        #   gelu(x) = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))    #
        # Store the results in the variable output provided above.                  #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        dfeat = None
        ##############################################################################
        # TODO: Implement the backward pass of GeLU: the derivative of the same    #
        # tanh approximation as in forward. Store the result in dfeat.              #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.meta = None
        return dfeat


class dropout(object):
    def __init__(self, keep_prob, seed=None, name="dropout"):
        """
        - name: the name of current layer
        - keep_prob: probability that each element is kept.
        - meta: to store the forward pass activations for computing backpropagation
        - kept: the mask for dropping out the neurons
        - is_training: dropout behaves differently during training and testing, use
                       this to indicate which phase is the current one
        - rng: numpy random number generator using the given seed
        Note: params and grads should be just empty dicts here, do not update them
        """
        self.name = name
        self.params = {}
        self.grads = {}
        self.keep_prob = keep_prob
        self.meta = None
        self.kept = None
        self.is_training = False
        self.rng = np.random.RandomState(seed)
        assert keep_prob >= 0 and keep_prob <= 1, \
            "Keep Prob = {} is not within [0, 1]".format(keep_prob)

    def forward(self, feat, is_training=True, seed=None):
        if seed is not None:
            self.rng = np.random.RandomState(seed)
        kept = None
        output = None
        ##############################################################################
        # TODO: Implement the forward pass of Dropout.                              #
        # Keep each element with probability keep_prob, drawing the randomness     #
        # from self.rng, and scale the kept ones by 1 / keep_prob (inverted        #
        # dropout), so that nothing needs rescaling at test time.                   #
        # A keep_prob of 0 or 1 means no dropout, and so does test time            #
        # (is_training False): then the output is the input.                       #
        # Store the mask in kept and the result in output.                          #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.kept = kept
        self.is_training = is_training
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        dfeat = None
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        ##############################################################################
        # TODO: Implement the backward pass of Dropout: the same mask and scale    #
        # as the forward pass (self.kept, self.is_training). Store it in dfeat.     #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.is_training = False
        self.meta = None
        return dfeat


class cross_entropy(object):
    def __init__(self, size_average=True):
        """
        - size_average: if dividing by the batch size or not
        - logit: intermediate variables to store the scores
        - label: Ground truth label for classification task
        """
        self.size_average = size_average
        self.logit = None
        self.label = None

    def forward(self, feat, label):
        logit = softmax(feat)
        loss = None
        ##############################################################################
        # TODO: Implement the forward pass of a cross entropy loss: the negative   #
        # log-probability of each sample's label under softmax(feat), summed over  #
        # the batch and divided by the batch size when self.size_average is True.  #
        # Store the result in loss.                                                 #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.logit = logit
        self.label = label
        return loss

    def backward(self):
        logit = self.logit
        label = self.label
        if logit is None:
            raise ValueError("No forward function called before for this module!")
        dlogit = None
        ##############################################################################
        # TODO: Implement the backward pass of a cross entropy loss: the gradient  #
        # of the loss with respect to feat. Store it in dlogit.                     #
        ##############################################################################
        pass
        ##############################################################################
        #                             END OF YOUR CODE                               #
        ##############################################################################
        self.logit = None
        self.label = None
        return dlogit


def softmax(feat):
    scores = None
    ##############################################################################
    # TODO: Implement the softmax over the last axis of feat. It must stay     #
    # finite for very large or very negative scores (e.g. +-1000).              #
    ##############################################################################
    pass
    ##############################################################################
    #                             END OF YOUR CODE                               #
    ##############################################################################
    return scores


def reset_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
