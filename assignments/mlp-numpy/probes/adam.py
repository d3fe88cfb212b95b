from lib.mlp.layer_utils import fc, sequential
from lib.optim import Adam


def run(inputs):
    net = sequential(fc(inputs["w"].shape[0], inputs["w"].shape[1], name="adam_fc"))
    layer = net.layers[0]
    # As the course's notebook sets it up: only the weight, with given moments and step count.
    layer.params = {"adam_fc_w": inputs["w"].copy()}
    layer.grads = {"adam_fc_w": inputs["dw"].copy()}
    opt = Adam(net, lr=float(inputs["lr"]), beta1=float(inputs["beta1"]), beta2=float(inputs["beta2"]),
               t=int(inputs["t"]), eps=float(inputs["eps"]), weight_decay=float(inputs["weight_decay"]))
    opt.mt = {"adam_fc_w": inputs["m"].copy()}
    opt.vt = {"adam_fc_w": inputs["v"].copy()}
    opt.step()
    return {"w_new": layer.params["adam_fc_w"], "m_new": opt.mt["adam_fc_w"], "v_new": opt.vt["adam_fc_w"]}
