from lib.mlp.fully_conn import DropoutNet

from dlgrade_probe import assign_by_shape, grads_of


def run(inputs):
    seed = int(inputs["seed"])
    net = DropoutNet(keep_prob=float(inputs["keep_prob"]), seed=seed)
    keys = ("fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b")
    chosen = assign_by_shape(net, {k: inputs[k] for k in keys})
    out = net.forward(inputs["x"], True, seed)
    dx = net.backward(inputs["dout"])
    return {"out": out, "dx": dx, **grads_of(net, chosen)}
