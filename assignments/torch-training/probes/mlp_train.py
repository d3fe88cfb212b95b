"""Model trained by the student's fit (SGD, the pack's learning rate and batch size) on images
the grader supplies; the probe returns the per-epoch training loss and the scores of the
student's predict on the held-out images, whose labels never reach this process."""
import numpy as np
import torch

from _torch import BatchLoader, images, scores_of
from models import Model
from train import fit, predict


def run(inputs):
    torch.manual_seed(int(inputs["seed"]))
    x, y = images(inputs["train_images"]), torch.from_numpy(inputs["train_labels"])
    loader = BatchLoader(x, y, int(inputs["batch_size"]), seed=int(inputs["seed"]))
    model = Model()
    history = fit(model, loader, None, epochs=int(inputs["epochs"]), lr=float(inputs["lr"]))
    if not isinstance(history, dict) or not history.get("train_loss"):
        raise ValueError("fit should return a history dict with a per-epoch 'train_loss' list")
    test = images(inputs["test_images"])
    return {
        "train_loss": np.asarray([float(v) for v in history["train_loss"]], dtype=np.float64),
        "scores": scores_of(predict(model, test), len(test)),
    }
