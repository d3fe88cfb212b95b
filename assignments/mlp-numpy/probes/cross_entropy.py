from lib.mlp.layer_utils import cross_entropy


def run(inputs):
    loss_fn = cross_entropy(size_average=bool(inputs["size_average"]))
    loss = loss_fn.forward(inputs["logits"], inputs["labels"])
    dlogits = loss_fn.backward()
    return {"loss": loss, "dlogits": dlogits}
