"""The networks of the PyTorch homework. Every model takes a batch of grey images, (N, 1, H, W)
or already flat (N, H*W), and returns raw class scores (logits): CrossEntropyLoss applies the
log-softmax itself."""
import torch
from torch import nn


class Model(nn.Module):
    """784 -> 256 -> 128 -> 64 -> 10, ReLU between the linear layers."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.net(x)


class DropoutModel(nn.Module):
    """784 -> 256 -> ReLU -> dropout(0.5) -> 10."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        h = torch.relu(self.fc1(torch.flatten(x, 1)))
        # nn.Dropout follows model.train() / model.eval(); F.dropout would need training=self.training.
        return self.fc2(self.dropout(h))


# The five architectures compared on 32x32 grey images (N, 1, 32, 32), 10 classes.

class MLP1(nn.Module):
    """One linear layer: 1024 -> 10."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 10))

    def forward(self, x):
        return self.net(x)


class MLP2(nn.Module):
    """1024 -> 256 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, x):
        return self.net(x)


class CNN3(nn.Module):
    """conv 5x5 (1 -> 16), ReLU, maxpool 2 -> conv 5x5 (16 -> 32), ReLU, maxpool 2 -> linear 800 -> 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 5 * 5, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def conv_block(c_in, c_out):
    """conv 3x3 with padding 1 (size kept), ReLU, maxpool 2 (size halved)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))


class CNN4(nn.Module):
    """Three conv blocks (1 -> 32 -> 64 -> 128 channels, 32 -> 4 pixels) -> linear 2048 -> 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_block(1, 32), conv_block(32, 64), conv_block(64, 128))
        self.classifier = nn.Linear(128 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class CNN5(nn.Module):
    """CNN4's three conv blocks -> linear 2048 -> 256 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_block(1, 32), conv_block(32, 64), conv_block(64, 128))
        self.classifier = nn.Sequential(nn.Linear(128 * 4 * 4, 256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))
