from lib.cnn.layer_utils import MaxPoolingLayer

from dlgrade_probe import returned


def run(inputs):
    layer = MaxPoolingLayer(int(inputs["pool_size"]), int(inputs["stride"]), "maxpool")
    out = returned(layer.forward(inputs["x"]), "MaxPoolingLayer.forward")
    result = {"out": out}
    if "dout" in inputs:
        result["dx"] = layer.backward(inputs["dout"])
    return result
