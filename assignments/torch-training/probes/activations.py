"""Part 4 of EE449 HW1 for one architecture: the student's ReLU model and its sigmoid variant,
each trained here by the probe itself (not by the student's fit), from the same seeded weights
on the same batches: SGD at the case's rate with no momentum, CrossEntropyLoss, the case's batch
size. Every `every` steps it records that step's training loss and the 2-norm of the loss
gradient of the first layer's weights (the first layer with weights the model runs: `first`,
fc1, conv1, whatever it is called). Also returned: each model's layer sequence, to show the two
differ only in their activations, and how each was built."""
import numpy as np
import torch
from torch import nn

import models
from _ee449 import build, first_weighted, layer_table, text, trace
from _torch import BatchLoader, images


def batches(x, y, size, seed, steps):
    loader = BatchLoader(x, y, size, seed=seed)
    done = 0
    while done < steps:
        for batch in loader:
            yield batch
            done += 1
            if done == steps:
                return


def train(built, x, y, inputs):
    seed, steps, every = int(inputs["seed"]), int(inputs["steps"]), int(inputs["every"])
    torch.manual_seed(seed)
    model = built.make()
    layers, _ = trace(model, built.adapt(x[:2]))
    first = first_weighted(layers).weight
    optimizer = torch.optim.SGD(model.parameters(), lr=float(inputs["lr"]), momentum=0)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses, grads = [], []
    for step, (xb, yb) in enumerate(batches(x, y, int(inputs["batch_size"]), seed, steps), 1):
        optimizer.zero_grad()
        loss = loss_fn(model(built.adapt(xb)), yb)
        loss.backward()
        if step % every == 0:
            losses.append(loss.item())
            grads.append(first.grad.norm().item() if first.grad is not None else 0.0)
        optimizer.step()
    return layers, model, np.asarray(losses), np.asarray(grads)


def run(inputs):
    x, y = images(inputs["train_images"], 32), torch.from_numpy(inputs["train_labels"])
    out = {}
    for name, sigmoid in (("relu", False), ("sigmoid", True)):
        built = build(models, inputs["arch"], sigmoid)
        layers, model, losses, grads = train(built, x, y, inputs)
        out["%s_layers" % name] = layer_table(layers)
        out["%s_built" % name] = text(built.call)
        out["%s_loss" % name] = losses
        out["%s_grad" % name] = grads
    return out
