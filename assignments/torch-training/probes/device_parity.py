"""EE449's cnn_3 trained by the student's fit on one device (the case's `device`), seeded the same
way on every device: scores of the student's predict on the held-out images. The grader times
the run request and scores the predictions; warm_up starts the device first, untimed."""
import numpy as np
import torch

import models
from _ee449 import build
from _torch import BatchLoader, images, scores_of
from train import fit, predict


def warm_up(inputs):
    device = torch.device(inputs["device"])
    built = build(models, "cnn_3")
    model = built.make().to(device)
    x = torch.zeros(8, 1, 32, 32, device=device)
    model(built.adapt(x)).sum().backward()
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(inputs):
    device = inputs["device"]
    seed = int(inputs["seed"])
    built = build(models, "cnn_3")
    torch.manual_seed(seed)
    model = built.make()  # initialised on the CPU: the same weights whatever the device
    x, y = built.adapt(images(inputs["train_images"], 32)), torch.from_numpy(inputs["train_labels"])
    history = fit(model, BatchLoader(x, y, int(inputs["batch_size"]), seed=seed), None,
                  epochs=int(inputs["epochs"]), lr=float(inputs["lr"]), device=device)
    test = built.adapt(images(inputs["test_images"], 32))
    scores = scores_of(predict(model, test, device), len(test))
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    losses = history.get("train_loss", []) if isinstance(history, dict) else []
    return {"scores": scores, "train_loss": np.asarray([float(v) for v in losses], dtype=np.float64)}
