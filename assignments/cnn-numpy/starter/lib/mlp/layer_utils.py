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
                # d|w|/dw = sign(w); the kink at 0 gets the subgradient 0
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
        # the layers now hold new arrays: refresh the network's view of them
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
        output = feat.dot(self.params[self.w_name]) + self.params[self.b_name]
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
        # out = feat @ w + b, so each gradient is a product with the upstream one
        dfeat = dprev.dot(self.params[self.w_name].T)
        self.grads[self.w_name] = feat.T.dot(dprev)
        # the bias is broadcast over the batch, so its gradient sums over it
        self.grads[self.b_name] = np.sum(dprev, axis=0)
        self.meta = None
        return dfeat


# constants of the tanh approximation of GELU
GELU_C = np.sqrt(2.0 / np.pi)
GELU_A = 0.044715


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
        inner = GELU_C * (feat + GELU_A * feat ** 3)
        output = 0.5 * feat * (1.0 + np.tanh(inner))
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        dfeat = None
        # product rule on 0.5 * x * (1 + tanh(u)), u = c * (x + a x^3):
        # 0.5 * (1 + tanh(u)) + 0.5 * x * (1 - tanh(u)^2) * c * (1 + 3 a x^2)
        t = np.tanh(GELU_C * (feat + GELU_A * feat ** 3))
        dlocal = 0.5 * (1.0 + t) \
            + 0.5 * feat * (1.0 - t ** 2) * GELU_C * (1.0 + 3.0 * GELU_A * feat ** 2)
        dfeat = dprev * dlocal
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
        # keep_prob of 0 or 1 switches dropout off, as does test time
        if is_training and 0 < self.keep_prob < 1:
            kept = self.rng.uniform(size=feat.shape) < self.keep_prob
            # inverted dropout: scale the survivors now so that the expected
            # activation is unchanged and test time needs no rescaling
            output = feat * kept / self.keep_prob
        else:
            kept = np.ones(feat.shape, dtype=bool)
            output = feat
        self.kept = kept
        self.is_training = is_training
        self.meta = feat
        return output

    def backward(self, dprev):
        feat = self.meta
        dfeat = None
        if feat is None:
            raise ValueError("No forward function called before for this module!")
        if self.is_training and 0 < self.keep_prob < 1:
            # the same mask and scale as the forward pass
            dfeat = dprev * self.kept / self.keep_prob
        else:
            dfeat = dprev
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
        label = np.asarray(label).astype(np.int64)
        n = feat.shape[0]
        rows = np.arange(n)
        loss = None
        # log-softmax from the shifted scores: log(softmax) of a tiny
        # probability would underflow to log(0)
        shifted = feat - np.max(feat, axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        loss = -np.sum(log_probs[rows, label])
        if self.size_average:
            loss = loss / n
        self.logit = softmax(feat)
        self.label = label
        return loss

    def backward(self):
        logit = self.logit
        label = self.label
        if logit is None:
            raise ValueError("No forward function called before for this module!")
        dlogit = None
        n = logit.shape[0]
        # d(-log softmax_y) / dz = softmax(z) - onehot(y)
        dlogit = logit.copy()
        dlogit[np.arange(n), label] -= 1.0
        if self.size_average:
            dlogit = dlogit / n
        self.logit = None
        self.label = None
        return dlogit


def softmax(feat):
    scores = None
    # softmax is shift invariant; subtracting the row maximum keeps exp() finite
    shifted = feat - np.max(feat, axis=-1, keepdims=True)
    exp_scores = np.exp(shifted)
    scores = exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)
    return scores


def reset_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
