from lib.mlp.layer_utils import gelu


def run(inputs):
    layer = gelu(name="gelu")
    out = layer.forward(inputs["x"])
    result = {"out": out}
    if "dout" in inputs:
        result["dx"] = layer.backward(inputs["dout"])
    return result
