"""The student's fit with patience on a scripted validation curve. evaluate is replaced, in the
student's own module, by one that returns the curve's next value and records the weights the
model had at that epoch; after fit returns, the probe says which epoch's weights the model holds."""
import numpy as np
import torch

import train
from _torch import BatchLoader


def run(inputs):
    curve = [float(v) for v in inputs["curve"]]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    x = torch.randn(24, 4, generator=torch.Generator().manual_seed(1))
    y = torch.arange(24) % 3
    loader = BatchLoader(x, y, 8, seed=0)
    snapshots = []

    def scripted(model, *args, **kwargs):
        if len(snapshots) >= len(curve):
            raise RuntimeError("fit evaluated more epochs than it was given (%d)" % len(curve))
        snapshots.append([p.detach().clone() for p in model.parameters()])
        return curve[len(snapshots) - 1], 0.5

    original = train.evaluate
    train.evaluate = scripted
    try:
        train.fit(model, loader, loader, epochs=len(curve), lr=0.5, patience=int(inputs["patience"]))
    finally:
        train.evaluate = original
    final = [p.detach() for p in model.parameters()]
    held = [i + 1 for i, snap in enumerate(snapshots) if all(torch.equal(a, b) for a, b in zip(snap, final))]
    return {
        "epochs_run": np.int64(len(snapshots)),
        # 0 when the weights match no epoch's (changed after the last evaluation).
        "restored_epoch": np.int64(held[0] if held else 0),
    }
