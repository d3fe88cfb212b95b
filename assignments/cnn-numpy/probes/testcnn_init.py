from lib.cnn.cnn_models import TestCNN

from dlgrade_probe import pooled_init


def run(inputs):
    return pooled_init(TestCNN, int(inputs["first_seed"]), int(inputs["count"]))
