"""Training and evaluating the homework's models: one epoch of SGD, evaluation, prediction,
early stopping, the learning-rate schedule, and `fit`, the training entry point that puts them
together on any device."""
import copy

import torch
from torch import nn


def train_epoch(model, loader, optimizer, loss_fn, device="cpu", batch_scheduler=None):
    """One pass over `loader`, one optimizer step per batch. Returns the mean batch loss.
    `batch_scheduler` is for schedules that count batches (OneCycleLR and the like); an epoch
    schedule such as make_scheduler's is stepped by fit, once per epoch."""
    # TODO: training mode; for each batch: move it to the device, zero the gradients, compute
    # the loss on the model's raw scores, backward, step.
    raise NotImplementedError("train_epoch is still a TODO")


@torch.no_grad()
def evaluate(model, loader, loss_fn, device="cpu"):
    """(mean loss, accuracy) of the model in evaluation mode over `loader`."""
    raise NotImplementedError("evaluate is still a TODO")


@torch.no_grad()
def predict(model, images, device="cpu", batch_size=1000):
    """Class scores (N, classes) for a tensor of images, in evaluation mode, on the CPU."""
    raise NotImplementedError("predict is still a TODO")


class EarlyStopping:
    """Stops when the validation loss has not improved for `patience` epochs in a row, keeping a
    copy of the weights of the best epoch so far."""

    def __init__(self, patience=2):
        self.patience = patience
        # TODO: the best loss so far, a copy of the best weights, epochs without improvement.

    def step(self, val_loss, model):
        """Record one epoch's validation loss; True when training should stop."""
        raise NotImplementedError("EarlyStopping.step is still a TODO")

    def restore_best(self, model):
        raise NotImplementedError("EarlyStopping.restore_best is still a TODO")


def make_scheduler(optimizer):
    """0.1 for epochs 0-9, 0.01 for 10-19, 0.001 from 20 on (the optimizer starts at 0.1);
    stepped once per epoch."""
    raise NotImplementedError("make_scheduler is still a TODO")


def fit(model, train_loader, val_loader=None, epochs=10, lr=0.01, patience=None, scheduler=None, device="cpu"):
    """Train with SGD and CrossEntropyLoss. With a `val_loader`, evaluate after every epoch; with
    `patience` as well, stop early and keep the best epoch's weights. `scheduler` is a function
    of the optimizer (such as make_scheduler) whose result is stepped once per epoch.
    Returns the history: per-epoch train_loss, and val_loss, val_accuracy, lr."""
    raise NotImplementedError("fit is still a TODO")
