"""Three epochs of the student's own train_one_sample, from their own initial weights, on images
the grader supplies. The grader scores the trained weights on held-out images whose labels never
reach this process."""
import numpy as np

from _helpers import fresh, params


def run(inputs):
    nb = fresh(int(inputs["seed"]))
    # Pixels to [0, 1]; the grader applies the same scale (rescale by 1/255) before evaluating.
    x = inputs["train_images"].astype(np.float64) / 255.0
    y = inputs["train_labels"]
    losses = []
    for _ in range(int(inputs["epochs"])):
        for i in range(len(x)):
            loss = nb.train_one_sample(x[i], int(y[i]))
            if loss is not None:
                try:
                    losses.append(float(np.asarray(loss, dtype=np.float64).ravel()[0]))
                except (TypeError, ValueError, IndexError):
                    pass
    out = {k[:-4]: v for k, v in params(nb).items()}
    if losses:
        # The mean over each 100 samples: one sample's loss is too noisy to plot.
        n = len(losses) // 100 * 100
        out["loss_history"] = np.asarray(losses[:n], dtype=np.float64).reshape(-1, 100).mean(axis=1) if n else np.asarray(losses)
    return out
