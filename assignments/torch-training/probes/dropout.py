"""DropoutModel with fixed weights: two forward passes in training mode, two in evaluation mode,
and the student's predict called on a model left in training mode."""
import torch

from _torch import scores_of, set_linears
from models import DropoutModel
from train import predict


def run(inputs):
    model = DropoutModel()
    set_linears(model, inputs)
    x = torch.from_numpy(inputs["x"])
    out = {}
    with torch.no_grad():
        model.train()
        for name, seed in (("train_a", 1), ("train_b", 2)):
            torch.manual_seed(seed)
            out[name] = model(x).numpy()
        model.eval()
        for name, seed in (("eval_a", 1), ("eval_b", 2)):
            torch.manual_seed(seed)
            out[name] = model(x).numpy()
    model.train()  # as training leaves it: predict must switch to evaluation mode itself
    torch.manual_seed(3)
    out["predicted"] = scores_of(predict(model, x), len(x))
    return out
