from lib.cnn.layer_utils import ConvLayer2D

from dlgrade_probe import returned


def run(inputs):
    layer = ConvLayer2D(int(inputs["in_channels"]), int(inputs["kernel_size"]), int(inputs["filters"]),
                        stride=int(inputs["stride"]), padding=int(inputs["padding"]))
    size = returned(layer.get_output_size(tuple(int(v) for v in inputs["input_size"])), "ConvLayer2D.get_output_size")
    return {"size": list(size)}
