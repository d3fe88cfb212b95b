from lib.mlp.fully_conn import SmallFullyConnectedNetwork

from dlgrade_probe import pooled_init


def run(inputs):
    return pooled_init(SmallFullyConnectedNetwork, int(inputs["first_seed"]), int(inputs["count"]))
