"""cnn-numpy's non-training checks on the published inputs. Test names are the pack's check ids."""
import numpy as np
import pytest

from benchlib import (assert_close, assign_by_shape, check_all_zero, check_normal_init, grads_of, pooled_init,
                      rel_error, set_fc)

P = "cnn-numpy"


@pytest.mark.parametrize("name", ["published", "odd"])
def test_conv_output_size(case, name):
    from lib.cnn.layer_utils import ConvLayer2D

    i, e = case(P, "conv_output_size", name)
    layer = ConvLayer2D(int(i["in_channels"]), int(i["kernel_size"]), int(i["filters"]),
                        stride=int(i["stride"]), padding=int(i["padding"]))
    got = layer.get_output_size(tuple(int(v) for v in i["input_size"]))
    assert list(got) == [int(v) for v in e["size"]]


def _conv(i, backward):
    from lib.cnn.layer_utils import ConvLayer2D

    k, _, c, f = i["w"].shape
    layer = ConvLayer2D(c, k, f, stride=int(i["stride"]), padding=int(i["padding"]), name="conv")
    w_name, b_name = set_fc(layer, i["w"], i["b"])
    out = layer.forward(i["x"])
    if not backward:
        return out
    return layer.backward(i["dout"]), layer.grads[w_name], layer.grads[b_name]


@pytest.mark.parametrize("name", ["published", "strided_padded"])
def test_conv_forward(case, name):
    i, e = case(P, "conv_forward", name)
    assert_close(_conv(i, False), e["out"], 1e-7, "out")


@pytest.mark.parametrize("name", ["published", "no_padding"])
def test_conv_backward(case, name):
    i, e = case(P, "conv_backward", name)
    dx, dw, db = _conv(i, True)
    assert_close(dx, e["dx"], 1e-6, "dx")
    assert_close(dw, e["dw"], 1e-8, "dw")
    assert_close(db, e["db"], 1e-8, "db")


@pytest.mark.parametrize("name", ["published", "channels"])
def test_maxpool_forward(case, name):
    from lib.cnn.layer_utils import MaxPoolingLayer

    i, e = case(P, "maxpool_forward", name)
    layer = MaxPoolingLayer(int(i["pool_size"]), int(i["stride"]), "maxpool")
    assert_close(layer.forward(i["x"]), e["out"], 1e-7, "out")


@pytest.mark.parametrize("name", ["published", "ties"])
def test_maxpool_backward(case, name):
    from lib.cnn.layer_utils import MaxPoolingLayer

    i, e = case(P, "maxpool_backward", name)
    layer = MaxPoolingLayer(int(i["pool_size"]), int(i["stride"]), "maxpool")
    layer.forward(i["x"])
    dx = layer.backward(i["dout"])
    # the first maximum, or an equal split among tied maxima
    assert min(rel_error(dx, e["dx"]), rel_error(dx, e["dx_split"])) <= 1e-8, "dx"


def test_testcnn_init():
    from lib.cnn.cnn_models import TestCNN

    weights, biases = pooled_init(TestCNN, 0, 40)
    check_normal_init(weights, 0.02, "conv and fc weights (40 constructions pooled)")
    check_all_zero(biases, "biases")


def _testcnn(case, check):
    from lib.cnn.cnn_models import TestCNN
    from lib.mlp.layer_utils import cross_entropy

    i, e = case(P, check, "published")
    net = TestCNN()
    chosen = assign_by_shape(net, {k: i[k] for k in ("conv_w", "conv_b", "fc_w", "fc_b")})
    scores = net.forward(i["x"])
    loss_fn = cross_entropy(size_average=True)
    loss = loss_fn.forward(scores, i["labels"])
    dx = net.backward(loss_fn.backward())
    return scores, loss, dx, grads_of(net, chosen), e


def test_testcnn_forward(case):
    scores, loss, _, _, e = _testcnn(case, "testcnn_forward")
    assert np.shape(scores) == e["scores"].shape
    assert np.sum(np.abs(scores - e["scores"])) < 1e-6, "scores: sum |diff| too large"
    assert abs(float(loss) - float(e["loss"])) <= 1e-10, "loss"


def test_testcnn_backward(case):
    _, _, dx, g, e = _testcnn(case, "testcnn_backward")
    assert_close(dx, e["dx"], 1e-6, "dx")
    for k in ("dconv_w", "dconv_b", "dfc_w", "dfc_b"):
        assert_close(g[k], e[k], 1e-6, k)


@pytest.mark.parametrize("name", ["published", "channels"])
def test_my_conv2d(case, name):
    from conv2d import my_conv2d

    i, e = case(P, "my_conv2d", name)
    kernel = i["kernel"].copy()
    out = my_conv2d(i["images"], kernel)
    assert_close(out, e["out"], 1e-8, "out")
    assert np.array_equal(kernel, i["kernel"]), "my_conv2d changed the kernel it was given"
