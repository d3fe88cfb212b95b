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


# The five architectures of METU EE449 HW1 (part 3), on 32x32 grey images (N, 1, 32, 32), 10
# classes: convolutions with stride 1 and no padding, max-pooling 2x2 with stride 2, and the
# PredictionLayer FC10 last (raw scores, no softmax). Each has an `s` variant for part 4, the same
# layers with Sigmoid in place of every ReLU: a subclass that only changes `activation`.

class mlp_1(nn.Module):
    """[FC-32, ReLU] + FC10."""
    activation = nn.ReLU

    def __init__(self):
        super().__init__()
        act = self.activation
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 32), act(), nn.Linear(32, 10))

    def forward(self, x):
        return self.layers(x)


class mlp_2(nn.Module):
    """[FC-32, ReLU, FC-64 (no bias)] + FC10."""
    activation = nn.ReLU

    def __init__(self):
        super().__init__()
        act = self.activation
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(32 * 32, 32), act(),
            nn.Linear(32, 64, bias=False),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.layers(x)


class cnn_3(nn.Module):
    """[Conv-3x3x16, ReLU, Conv-5x5x8, ReLU, MaxPool, Conv-7x7x16, MaxPool] + FC10.
    32 -> 30 -> 26 -> 13 -> 7 -> 3: 16 maps of 3x3 reach the classifier."""
    activation = nn.ReLU

    def __init__(self):
        super().__init__()
        act = self.activation
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3), act(),
            nn.Conv2d(16, 8, 5), act(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(8, 16, 7),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Linear(16 * 3 * 3, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class cnn_4(nn.Module):
    """[Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, Conv-5x5x16, ReLU, MaxPool, Conv-5x5x16, ReLU, MaxPool]
    + FC10. 32 -> 30 -> 28 -> 24 -> 12 -> 8 -> 4: 16 maps of 4x4 reach the classifier."""
    activation = nn.ReLU

    def __init__(self):
        super().__init__()
        act = self.activation
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3), act(),
            nn.Conv2d(16, 8, 3), act(),
            nn.Conv2d(8, 16, 5), act(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 16, 5), act(),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class cnn_5(nn.Module):
    """[Conv-3x3x8, ReLU, Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, Conv-3x3x16, ReLU, MaxPool,
    Conv-3x3x16, ReLU, Conv-3x3x8, ReLU, MaxPool] + FC10.
    32 -> 30 -> 28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4: 8 maps of 4x4 reach the classifier."""
    activation = nn.ReLU

    def __init__(self):
        super().__init__()
        act = self.activation
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3), act(),
            nn.Conv2d(8, 16, 3), act(),
            nn.Conv2d(16, 8, 3), act(),
            nn.Conv2d(8, 16, 3), act(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 16, 3), act(),
            nn.Conv2d(16, 8, 3), act(),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class mlp_1s(mlp_1):
    activation = nn.Sigmoid


class mlp_2s(mlp_2):
    activation = nn.Sigmoid


class cnn_3s(cnn_3):
    activation = nn.Sigmoid


class cnn_4s(cnn_4):
    activation = nn.Sigmoid


class cnn_5s(cnn_5):
    activation = nn.Sigmoid
