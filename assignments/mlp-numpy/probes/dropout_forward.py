from lib.mlp.layer_utils import dropout


def run(inputs):
    x = inputs["x"]
    keep_prob = float(inputs["keep_prob"])
    seed = int(inputs["seed"])
    layer = dropout(keep_prob, seed=seed)
    train = layer.forward(x.copy(), True)
    test = dropout(keep_prob, seed=seed).forward(x.copy(), False)
    again = dropout(keep_prob, seed=seed).forward(x.copy(), True)
    return {"out_train": train, "out_test": test, "out_again": again}
