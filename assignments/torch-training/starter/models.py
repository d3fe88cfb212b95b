"""The networks of the PyTorch homework. Every model takes a batch of grey images, (N, 1, H, W)
or already flat (N, H*W), and returns raw class scores (logits): CrossEntropyLoss applies the
log-softmax itself, so no model ends in a softmax."""
import torch
from torch import nn


class Model(nn.Module):
    """784 -> 256 -> 128 -> 64 -> 10, ReLU between the linear layers."""

    def __init__(self):
        super().__init__()
        # TODO: flatten the input, then four nn.Linear layers with nn.ReLU between them.

    def forward(self, x):
        # TODO: return the scores (N, 10).
        raise NotImplementedError("Model.forward is still a TODO")


class DropoutModel(nn.Module):
    """784 -> 256 -> ReLU -> dropout(0.5) -> 10."""

    def __init__(self):
        super().__init__()
        # TODO: two nn.Linear layers and an nn.Dropout(0.5) between them.

    def forward(self, x):
        # TODO: dropout must be active in training mode and off in evaluation mode.
        raise NotImplementedError("DropoutModel.forward is still a TODO")


# The five architectures of METU EE449 HW1 (part 3), on 32x32 grey images (N, 1, 32, 32), 10
# classes: convolutions with stride 1 and no padding (valid), max-pooling 2x2 with stride 2, and
# the PredictionLayer FC10 last (raw scores, no softmax).

class mlp_1(nn.Module):
    """[FC-32, ReLU] + FC10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("mlp_1.forward is still a TODO")


class mlp_2(nn.Module):
    """[FC-32, ReLU, FC-64 (no bias)] + FC10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("mlp_2.forward is still a TODO")


class cnn_3(nn.Module):
    """[Conv-3x3x16, ReLU, Conv-5x5x8, ReLU, MaxPool, Conv-7x7x16, MaxPool] + FC10.
    Work out the size of the features FC10 gets."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_3.forward is still a TODO")


class cnn_4(nn.Module):
    """[Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, Conv-5x5x16, ReLU, MaxPool, Conv-5x5x16, ReLU, MaxPool]
    + FC10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_4.forward is still a TODO")


class cnn_5(nn.Module):
    """[Conv-3x3x8, ReLU, Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, Conv-3x3x16, ReLU, MaxPool,
    Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, MaxPool] + FC10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_5.forward is still a TODO")


# Part 4: each architecture with Sigmoid in place of every ReLU, nothing else changed. Write them
# as classes mlp_1s .. cnn_5s (a subclass may do), or give the classes above an `activation`
# argument instead and delete these (the pack's README lists the forms the grader finds).

class mlp_1s(nn.Module):
    """mlp_1 with Sigmoid in place of every ReLU."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("mlp_1s.forward is still a TODO")


class mlp_2s(nn.Module):
    """mlp_2 with Sigmoid in place of every ReLU."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("mlp_2s.forward is still a TODO")


class cnn_3s(nn.Module):
    """cnn_3 with Sigmoid in place of every ReLU."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_3s.forward is still a TODO")


class cnn_4s(nn.Module):
    """cnn_4 with Sigmoid in place of every ReLU."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_4s.forward is still a TODO")


class cnn_5s(nn.Module):
    """cnn_5 with Sigmoid in place of every ReLU."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("cnn_5s.forward is still a TODO")
