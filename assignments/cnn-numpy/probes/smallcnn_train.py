"""SmallConvolutionalNetwork, the student's own design, trained by the student's train_net and Adam
on images the grader supplies; the trained model then predicts held-out images that come without
labels. The probe returns the model's scores; the grader, which alone has the held-out labels,
scores them."""
import numpy as np

from lib.cnn.cnn_models import SmallConvolutionalNetwork
from lib.cnn.layer_utils import ConvLayer2D, MaxPoolingLayer
from lib.mlp.layer_utils import cross_entropy
from lib.mlp.train import train_net
from lib.optim import Adam

# Held-out images go through the model this many at a time, as compute_acc does: a forward pass
# over all 10000 test images of the full set at once would hold gigabytes of activations.
PREDICT_BATCH = 250


def run(inputs):
    np.random.seed(int(inputs["seed"]))
    # Pixels to [0, 1], as the course's data loader gives them.
    x = inputs["train_images"].astype(np.float64) / 255.0
    y = inputs["train_labels"].astype(np.int64)
    # train_net picks its best epoch on a validation split: a tenth of the training examples,
    # never the held-out images (whose labels this process does not have).
    n_val = max(1, len(x) // 10)
    data = {
        "data_train": (x[:-n_val], y[:-n_val]),
        "data_val": (x[-n_val:], y[-n_val:]),
        "data_test": (x[-n_val:], y[-n_val:]),
    }
    model = SmallConvolutionalNetwork()
    layers = list(getattr(getattr(model, "net", None), "layers", None) or [])
    if not any(getattr(layer, "params", None) for layer in layers):
        raise ValueError("SmallConvolutionalNetwork has no layers with parameters: is its sequential(...) still a TODO?")
    convs = sum(isinstance(layer, ConvLayer2D) for layer in layers)
    pools = sum(isinstance(layer, MaxPoolingLayer) for layer in layers)
    if convs > 2 or pools > 2:
        raise ValueError("SmallConvolutionalNetwork has %d convolutional and %d pooling layers: the assignment allows at most two of each"
                         % (convs, pools))
    optimizer = Adam(model.net, lr=float(inputs["lr"]))
    result = train_net(data, model, cross_entropy(), optimizer, int(inputs["batch_size"]), int(inputs["epochs"]))
    if result is None or len(result) < 2:
        raise ValueError("train_net should return (opt_params, loss_hist, train_acc_hist, val_acc_hist)")
    opt_params, loss_hist = result[0], result[1]
    if opt_params is None:
        raise ValueError("train_net returned opt_params = None: is saving the best parameters still a TODO?")
    # The model predicts with the parameters train_net chose (its best epoch), as the course's
    # notebook does with model.net.load(opt_params) before testing.
    model.net.gather_params()
    missing = sorted(set(model.net.params) - set(opt_params))
    if missing:
        have = ", ".join(sorted(opt_params)) or "nothing"
        raise KeyError("train_net's opt_params has no %s (it has: %s)" % (", ".join(map(repr, missing)), have))
    model.net.load(opt_params)

    test = inputs["test_images"]
    scores = []
    for start in range(0, len(test), PREDICT_BATCH):
        batch = test[start:start + PREDICT_BATCH].astype(np.float64) / 255.0
        out = np.asarray(model.forward(batch, False), dtype=np.float64)
        if out.ndim != 2 or out.shape[0] != len(batch):
            raise ValueError("SmallConvolutionalNetwork gives scores of shape %s for %d images: expected (%d, %d)"
                             % (out.shape, len(batch), len(batch), int(inputs["classes"])))
        scores.append(out)
    return {
        "scores": np.concatenate(scores, axis=0),
        "loss_history": np.asarray([float(v) for v in (loss_hist or [])], dtype=np.float64),
    }
