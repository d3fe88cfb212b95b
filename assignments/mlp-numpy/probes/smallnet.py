from lib.mlp.fully_conn import SmallFullyConnectedNetwork
from lib.mlp.layer_utils import cross_entropy

from dlgrade_probe import Outputs, assign_by_shape, grads_of, returned


def run(inputs):
    net = SmallFullyConnectedNetwork()
    chosen = assign_by_shape(net, {k: inputs[k] for k in ("fc1_w", "fc1_b", "fc2_w", "fc2_b")})
    loss_fn = cross_entropy(size_average=True)
    out = Outputs()
    with out.step("forward"):
        out["scores"] = returned(net.forward(inputs["x"]), "SmallFullyConnectedNetwork.forward")
    with out.step("loss"):
        out["loss"] = loss_fn.forward(out["scores"], inputs["labels"])
    with out.step("backward"):
        net.backward(loss_fn.backward())
        out.update(grads_of(net, chosen))
    return out
