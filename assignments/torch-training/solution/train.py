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
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if batch_scheduler is not None:
            batch_scheduler.step()
        total += loss.item()
        batches += 1
    return total / max(batches, 1)


@torch.no_grad()
def evaluate(model, loader, loss_fn, device="cpu"):
    """(mean loss, accuracy) of the model in evaluation mode over `loader`."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        scores = model(x)
        loss_sum += loss_fn(scores, y).item() * len(y)
        correct += (scores.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


@torch.no_grad()
def predict(model, images, device="cpu", batch_size=1000):
    """Class scores (N, classes) for a tensor of images, in evaluation mode, on the CPU."""
    model.eval()
    out = [model(images[i:i + batch_size].to(device)).cpu() for i in range(0, len(images), batch_size)]
    return torch.cat(out)


class EarlyStopping:
    """Stops when the validation loss has not improved for `patience` epochs in a row, keeping a
    copy of the weights of the best epoch so far."""

    def __init__(self, patience=2):
        self.patience = patience
        self.best_loss = float("inf")
        self.best_state = None
        self.bad_epochs = 0

    def step(self, val_loss, model):
        """Record one epoch's validation loss; True when training should stop."""
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore_best(self, model):
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def make_scheduler(optimizer):
    """0.1 for epochs 0-9, 0.01 for 10-19, 0.001 from 20 on (the optimizer starts at 0.1);
    stepped once per epoch."""
    return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 20], gamma=0.1)


def fit(model, train_loader, val_loader=None, epochs=10, lr=0.01, patience=None, scheduler=None, device="cpu"):
    """Train with SGD and CrossEntropyLoss. With a `val_loader`, evaluate after every epoch; with
    `patience` as well, stop early and keep the best epoch's weights. `scheduler` is a function
    of the optimizer (such as make_scheduler) whose result is stepped once per epoch.
    Returns the history: per-epoch train_loss, and val_loss, val_accuracy, lr."""
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    schedule = scheduler(optimizer) if scheduler is not None else None
    loss_fn = nn.CrossEntropyLoss()
    stopper = EarlyStopping(patience) if patience is not None and val_loader is not None else None
    history = {"train_loss": [], "val_loss": [], "val_accuracy": [], "lr": []}
    for _ in range(epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        history["train_loss"].append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        if schedule is not None:
            schedule.step()
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_acc)
            if stopper is not None and stopper.step(val_loss, model):
                break
    if stopper is not None:
        stopper.restore_best(model)
    return history
