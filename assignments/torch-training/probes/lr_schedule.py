"""The student's fit with make_scheduler over a few small batches per epoch: the learning rate of
every optimizer step, recorded by wrapping the optimizer train_epoch is given."""
import numpy as np
import torch

import train
from _torch import BatchLoader


def run(inputs):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    steps = int(inputs["steps_per_epoch"])
    x = torch.randn(4 * steps, 4, generator=torch.Generator().manual_seed(1))
    loader = BatchLoader(x, torch.arange(len(x)) % 3, 4, seed=0)
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
    return {"lr_per_step": np.asarray(rates, dtype=np.float64)}
