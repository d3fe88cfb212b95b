from lib.mlp.layer_utils import fc, sequential
from lib.optim import SGD


def run(inputs):
    net = sequential(fc(inputs["w"].shape[0], inputs["w"].shape[1], name="sgd_fc"))
    layer = net.layers[0]
    layer.params = {"sgd_fc_w": inputs["w"].copy(), "sgd_fc_b": inputs["b"].copy()}
    layer.grads = {"sgd_fc_w": inputs["dw"].copy(), "sgd_fc_b": inputs["db"].copy()}
    SGD(net, lr=float(inputs["lr"]), weight_decay=float(inputs["weight_decay"])).step()
    return {"w_new": layer.params["sgd_fc_w"], "b_new": layer.params["sgd_fc_b"]}
