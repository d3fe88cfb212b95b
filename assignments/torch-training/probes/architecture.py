"""One of EE449's five architectures as the student wrote it: the class found by its normalized
name and built as its constructor allows (_ee449.build), the layers it runs on the grader's
images, its parameter count and output shape, and its scores once the grader's weights are
loaded into its Linear and Conv2d layers in the order it runs them. The scores are left out when
its layers cannot take those weights (other shapes than the handout's): the layer sequence then
says why."""
import numpy as np
import torch

import models
from _ee449 import build, layer_table, set_weights, text, trace


def run(inputs):
    built = build(models, inputs["arch"])
    torch.manual_seed(0)
    model = built.make().double().eval()
    x = torch.from_numpy(np.ascontiguousarray(inputs["x"], dtype=np.float64))
    layers, out = trace(model, built.adapt(x))
    result = {
        "params": np.int64(sum(p.numel() for p in model.parameters())),
        "out_shape": np.asarray(out.shape, dtype=np.int64),
        "layers": layer_table(layers),
        "built": text(built.call + (" (it takes flat (N, 1024) images)" if built.flat else "")),
    }
    if set_weights(model, layers, inputs["theta"]):
        with torch.no_grad():
            result["scores"] = model(built.adapt(x)).numpy()
    return result
