from lib.cnn.layer_utils import ConvLayer2D

from dlgrade_probe import Outputs, returned, set_fc


def _layer(inputs):
    w = inputs["w"]
    k, _, c, f = w.shape
    layer = ConvLayer2D(c, k, f, stride=int(inputs["stride"]), padding=int(inputs["padding"]), name="conv")
    return layer, set_fc(layer, w, inputs["b"])


def run(inputs):
    layer, (w_name, b_name) = _layer(inputs)
    out = Outputs()
    with out.step("forward"):
        out["out"] = returned(layer.forward(inputs["x"]), "ConvLayer2D.forward")
    if "dout" in inputs:
        with out.step("backward"):
            out["dx"] = layer.backward(inputs["dout"])
            out["dw"] = layer.grads[w_name]
            out["db"] = layer.grads[b_name]
    return out


def forward(inputs):
    """The student's own forward, for the self-check of a failed backward."""
    layer, _ = _layer(inputs)
    return {"out": layer.forward(inputs["x"])}
