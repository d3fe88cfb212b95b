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


# The five architectures compared on 32x32 grey images (N, 1, 32, 32), 10 classes.

class MLP1(nn.Module):
    """One linear layer: 1024 -> 10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("MLP1.forward is still a TODO")


class MLP2(nn.Module):
    """1024 -> 256 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("MLP2.forward is still a TODO")


class CNN3(nn.Module):
    """conv 5x5 (1 -> 16), ReLU, maxpool 2 -> conv 5x5 (16 -> 32), ReLU, maxpool 2 -> linear -> 10.
    No padding: work out the size of the features the linear layer gets."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("CNN3.forward is still a TODO")


class CNN4(nn.Module):
    """Three blocks of conv 3x3 with padding 1, ReLU, maxpool 2 (1 -> 32 -> 64 -> 128 channels),
    then one linear layer -> 10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("CNN4.forward is still a TODO")


class CNN5(nn.Module):
    """CNN4's three conv blocks, then linear -> 256 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        # TODO

    def forward(self, x):
        raise NotImplementedError("CNN5.forward is still a TODO")
