from lib.mlp.layer_utils import fc, flatten

from dlgrade_probe import returned, set_fc


def run(inputs):
    x, w, b, dout = inputs["x"], inputs["w"], inputs["b"], inputs["dout"]
    flat = flatten(name="flatten")
    layer = fc(w.shape[0], w.shape[1], init_scale=0.02, name="fc")
    w_name, b_name = set_fc(layer, w, b)
    returned(layer.forward(returned(flat.forward(x), "flatten.forward")), "fc.forward")
    dflat = layer.backward(dout)
    dx = flat.backward(dflat)
    return {"dx": dx, "dw": layer.grads[w_name], "db": layer.grads[b_name]}


def forward(inputs):
    """The student's own forward, for the self-check of a failed backward."""
    x, w, b = inputs["x"], inputs["w"], inputs["b"]
    layer = fc(w.shape[0], w.shape[1], init_scale=0.02, name="fc")
    set_fc(layer, w, b)
    return {"out": layer.forward(flatten(name="flatten").forward(x))}
