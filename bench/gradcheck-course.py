"""The course's way of checking a backward pass: a centred difference for every input element,
two forward calls each. Run on a submission's ConvLayer2D with the conv_backward check's published
shapes; prints the forward calls and seconds as JSON. `limit` caps the elements actually
differenced (the rest are timed by extrapolation, and the output says so)."""
import json
import sys
import time

import numpy as np

sys.path.insert(0, sys.argv[1])
from lib.cnn.layer_utils import ConvLayer2D  # noqa: E402

limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
rng = np.random.RandomState(0)
x, w, b = rng.randn(15, 8, 8, 3), rng.randn(4, 4, 3, 12), rng.randn(12)
dout = rng.randn(15, 4, 4, 12)
layer = ConvLayer2D(3, 4, 12, stride=2, padding=1)
layer.params[layer.w_name], layer.params[layer.b_name] = w, b
calls = 0


def f():
    global calls
    calls += 1
    return layer.forward(x)


elements = x.size + w.size + b.size
started = time.perf_counter()
done = 0
for arr in (x, w, b):
    it = np.nditer(arr, flags=["multi_index"])
    while not it.finished and (not limit or done < limit):
        i = it.multi_index
        old = arr[i]
        arr[i] = old + 1e-5
        plus = f()
        arr[i] = old - 1e-5
        minus = f()
        arr[i] = old
        _ = np.sum((plus - minus) * dout) / 2e-5
        done += 1
        it.iternext()
seconds = time.perf_counter() - started
print(json.dumps({"elements": elements, "differenced": done, "forward_calls": 2 * elements,
                  "measured_calls": calls, "seconds": seconds * elements / max(done, 1),
                  "extrapolated": done < elements}))
