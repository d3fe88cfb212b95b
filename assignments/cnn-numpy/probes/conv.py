from lib.cnn.layer_utils import ConvLayer2D

from dlgrade_probe import returned, set_fc


def run(inputs):
    x, w, b = inputs["x"], inputs["w"], inputs["b"]
    k, _, c, f = w.shape
    layer = ConvLayer2D(c, k, f, stride=int(inputs["stride"]), padding=int(inputs["padding"]), name="conv")
    w_name, b_name = set_fc(layer, w, b)
    out = returned(layer.forward(x), "ConvLayer2D.forward")
    result = {"out": out}
    if "dout" in inputs:
        result["dx"] = layer.backward(inputs["dout"])
        result["dw"] = layer.grads[w_name]
        result["db"] = layer.grads[b_name]
    return result


def forward(inputs):
    """The student's own forward, for the self-check of a failed backward."""
    w = inputs["w"]
    k, _, c, f = w.shape
    layer = ConvLayer2D(c, k, f, stride=int(inputs["stride"]), padding=int(inputs["padding"]), name="conv")
    set_fc(layer, w, inputs["b"])
    return {"out": layer.forward(inputs["x"])}
