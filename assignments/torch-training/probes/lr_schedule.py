"""Part 5 of EE449 HW1: the student's fit with make_scheduler, training their cnn_4 on a few
small batches per epoch; the learning rate of every optimizer step, recorded by wrapping the
optimizer train_epoch is given. When their cnn_4 cannot be built, a stand-in model takes its
place, so a mistake in the architecture does not cost the schedule too; `model` says which."""
import numpy as np
import torch
from torch import nn

import models
import train
from _ee449 import build, text
from _torch import BatchLoader


def schedule_model():
    try:
        built = build(models, "cnn_4")
    except Exception as e:  # the architecture is graded by its own check
        return nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 10)), "a stand-in model (cnn_4 could not be built: %s)" % e
    torch.manual_seed(0)
    return built.make(), built.call


def run(inputs):
    model, used = schedule_model()
    steps = int(inputs["steps_per_epoch"])
    x = torch.randn(4 * steps, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    loader = BatchLoader(x, torch.arange(len(x)) % 10, 4, seed=0)
    rates = []
    original = train.train_epoch

    def recording(model, loader, optimizer, *args, **kwargs):
        step = optimizer.step

        def recorded(*a, **k):
            rates.append(optimizer.param_groups[0]["lr"])
            return step(*a, **k)

        optimizer.step = recorded
        try:
            return original(model, loader, optimizer, *args, **kwargs)
        finally:
            del optimizer.step

    train.train_epoch = recording
    try:
        train.fit(model, loader, None, epochs=int(inputs["epochs"]), lr=float(inputs["lr"]), scheduler=train.make_scheduler)
    finally:
        train.train_epoch = original
    if not rates:
        raise ValueError("fit took no optimizer step through train_epoch: fit should call train_epoch once per epoch")
    return {"lr_per_step": np.asarray(rates, dtype=np.float64), "model": text(used)}
