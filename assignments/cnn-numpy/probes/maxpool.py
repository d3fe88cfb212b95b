from lib.cnn.layer_utils import MaxPoolingLayer

from dlgrade_probe import Outputs, returned


def run(inputs):
    layer = MaxPoolingLayer(int(inputs["pool_size"]), int(inputs["stride"]), "maxpool")
    out = Outputs()
    with out.step("forward"):
        out["out"] = returned(layer.forward(inputs["x"]), "MaxPoolingLayer.forward")
    if "dout" in inputs:
        with out.step("backward"):
            out["dx"] = layer.backward(inputs["dout"])
    return out
