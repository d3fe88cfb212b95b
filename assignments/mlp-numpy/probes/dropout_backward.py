from lib.mlp.layer_utils import dropout


def run(inputs):
    x, dout = inputs["x"], inputs["dout"]
    layer = dropout(float(inputs["keep_prob"]), seed=int(inputs["layer_seed"]))
    out = layer.forward(x.copy(), True, seed=int(inputs["seed"]))
    dx = layer.backward(dout)
    return {"out": out, "dx": dx}
