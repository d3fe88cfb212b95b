from lib.mlp.layer_utils import fc, flatten

from dlgrade_probe import set_fc


def run(inputs):
    x, w, b = inputs["x"], inputs["w"], inputs["b"]
    flat = flatten(name="flatten")
    layer = fc(w.shape[0], w.shape[1], init_scale=0.02, name="fc")
    set_fc(layer, w, b)
    return {"out": layer.forward(flat.forward(x))}
