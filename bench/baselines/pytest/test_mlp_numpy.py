"""mlp-numpy's non-training checks on the published inputs. Test names are the pack's check ids."""
import numpy as np
import pytest

from benchlib import (assert_close, assert_numgrad, assign_by_shape, check_all_zero, check_dropout_train,
                      check_identity, check_normal_init, eval_numerical_gradient_array, grads_of, pooled_init,
                      read_answers, rel_error, set_fc)

P = "mlp-numpy"


def test_fc_forward(case):
    from lib.mlp.layer_utils import fc, flatten

    i, e = case(P, "fc_forward", "published")
    layer = fc(i["w"].shape[0], i["w"].shape[1], init_scale=0.02, name="fc")
    set_fc(layer, i["w"], i["b"])
    assert_close(layer.forward(flatten(name="flatten").forward(i["x"])), e["out"], 1e-8, "out")


def test_fc_backward(case):
    from lib.mlp.layer_utils import fc, flatten

    i, e = case(P, "fc_backward", "published")
    flat = flatten(name="flatten")
    layer = fc(i["w"].shape[0], i["w"].shape[1], init_scale=0.02, name="fc")
    w_name, b_name = set_fc(layer, i["w"], i["b"])
    layer.forward(flat.forward(i["x"]))
    dx = flat.backward(layer.backward(i["dout"]))
    assert_close(dx, e["dx"], 1e-8, "dx")
    assert_close(layer.grads[w_name], e["dw"], 1e-8, "dw")
    assert_close(layer.grads[b_name], e["db"], 1e-8, "db")


def test_gelu_forward(case):
    from lib.mlp.layer_utils import gelu

    i, e = case(P, "gelu_forward", "published")
    assert_close(gelu(name="gelu").forward(i["x"]), e["out"], 1e-7, "out")


def test_gelu_backward(case):
    from lib.mlp.layer_utils import gelu

    i, e = case(P, "gelu_backward", "published")
    layer = gelu(name="gelu")
    layer.forward(i["x"])
    assert_close(layer.backward(i["dout"]), e["dx"], 1e-7, "dx")


@pytest.mark.parametrize("name", ["keep_0", "keep_0.25", "keep_0.5", "keep_0.75", "keep_1"])
def test_dropout_forward(case, name):
    from lib.mlp.layer_utils import dropout

    i, _ = case(P, "dropout_forward", name)
    x, p, seed = i["x"], float(i["keep_prob"]), int(i["seed"])
    check_dropout_train(x, dropout(p, seed=seed).forward(x.copy(), True), p, "training output")
    check_identity(x, dropout(p, seed=seed).forward(x.copy(), False), "test-time output")


def test_dropout_backward(case):
    # The mask is the student's own: checked the course's way, against a numerical gradient of
    # their seeded forward.
    from lib.mlp.layer_utils import dropout

    i, _ = case(P, "dropout_backward", "published")
    x, dout, p = i["x"], i["dout"], float(i["keep_prob"])
    layer_seed, seed = int(i["layer_seed"]), int(i["seed"])
    layer = dropout(p, seed=layer_seed)
    layer.forward(x.copy(), True, seed=seed)
    dx = layer.backward(dout)
    num = eval_numerical_gradient_array(lambda xx: dropout(p, seed=layer_seed).forward(xx, True, seed=seed), x.copy(), dout)
    assert_numgrad(dx, num, 1e-10, "dx")


def _testfcgelu(case, check):
    from lib.mlp.fully_conn import TestFCGeLU

    i, e = case(P, check, "published")
    net = TestFCGeLU()
    chosen = assign_by_shape(net, {"w": i["w"], "b": i["b"]})
    out = net.forward(i["x"])
    dx = net.backward(i["dout"])
    return out, dx, grads_of(net, chosen), e


def test_testfcgelu_forward(case):
    out, _, _, e = _testfcgelu(case, "testfcgelu_forward")
    assert_close(out, e["out"], 1e-7, "out")


def test_testfcgelu_backward(case):
    _, dx, g, e = _testfcgelu(case, "testfcgelu_backward")
    assert_close(dx, e["dx"], 1e-7, "dx")
    assert_close(g["dw"], e["dw"], 1e-7, "dw")
    assert_close(g["db"], e["db"], 1e-7, "db")


@pytest.mark.parametrize("name", ["small", "large_logits"])
def test_softmax(case, name):
    from lib.mlp.layer_utils import softmax

    i, e = case(P, "softmax", name)
    assert_close(softmax(i["x"]), e["out"], 1e-8, "out")


def _cross_entropy(case, check, name):
    from lib.mlp.layer_utils import cross_entropy

    i, e = case(P, check, name)
    loss_fn = cross_entropy(size_average=bool(i["size_average"]))
    loss = loss_fn.forward(i["logits"], i["labels"])
    return loss, loss_fn.backward(), e


@pytest.mark.parametrize("name", ["averaged", "summed"])
def test_cross_entropy_forward(case, name):
    loss, _, e = _cross_entropy(case, "cross_entropy_forward", name)
    assert_close(loss, e["loss"], 1e-8, "loss")


@pytest.mark.parametrize("name", ["averaged", "summed"])
def test_cross_entropy_backward(case, name):
    _, dlogits, e = _cross_entropy(case, "cross_entropy_backward", name)
    assert_close(dlogits, e["dlogits"], 1e-8, "dlogits")


def test_smallnet_init():
    from lib.mlp.fully_conn import SmallFullyConnectedNetwork

    weights, biases = pooled_init(SmallFullyConnectedNetwork, 0, 40)
    check_normal_init(weights, 0.02, "fc weights (40 constructions pooled)")
    check_all_zero(biases, "fc biases")


def _smallnet(case, check):
    from lib.mlp.fully_conn import SmallFullyConnectedNetwork
    from lib.mlp.layer_utils import cross_entropy

    i, e = case(P, check, "published")
    net = SmallFullyConnectedNetwork()
    chosen = assign_by_shape(net, {k: i[k] for k in ("fc1_w", "fc1_b", "fc2_w", "fc2_b")})
    scores = net.forward(i["x"])
    loss_fn = cross_entropy(size_average=True)
    loss = loss_fn.forward(scores, i["labels"])
    net.backward(loss_fn.backward())
    return scores, loss, grads_of(net, chosen), e


def test_smallnet_forward(case):
    scores, loss, _, e = _smallnet(case, "smallnet_forward")
    assert np.shape(scores) == e["scores"].shape
    assert np.sum(np.abs(scores - e["scores"])) < 1e-6, "scores: sum |diff| too large"
    assert abs(float(loss) - float(e["loss"])) <= 1e-10, "loss"


def test_smallnet_backward(case):
    _, _, g, e = _smallnet(case, "smallnet_backward")
    for k in ("dfc1_w", "dfc1_b", "dfc2_w", "dfc2_b"):
        assert_close(g[k], e[k], 1e-6, k)


@pytest.mark.parametrize("name", ["keep_0", "keep_0.25", "keep_0.5"])
def test_dropoutnet_backward(case, name):
    # The mask is the student's own: the course's numerical gradient of their seeded forward.
    from lib.mlp.fully_conn import DropoutNet

    i, _ = case(P, "dropoutnet_backward", name)
    seed = int(i["seed"])
    keys = ("fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b")
    net = DropoutNet(keep_prob=float(i["keep_prob"]), seed=seed)
    chosen = assign_by_shape(net, {k: i[k].copy() for k in keys})
    x, dout = i["x"].copy(), i["dout"]
    net.forward(x, True, seed)
    dx = net.backward(dout)
    g = grads_of(net, chosen)
    f = lambda _: net.forward(x, True, seed)  # noqa: E731
    assert_numgrad(dx, eval_numerical_gradient_array(f, x, dout), 1e-3, "dx")
    for k in keys:
        param = net.net.get_params(chosen[k])
        assert_numgrad(g["d" + k], eval_numerical_gradient_array(f, param, dout), 1e-3, "d" + k)


def test_sgd_step(case):
    from lib.mlp.layer_utils import fc, sequential
    from lib.optim import SGD

    i, e = case(P, "sgd_step", "published")
    net = sequential(fc(i["w"].shape[0], i["w"].shape[1], name="sgd_fc"))
    layer = net.layers[0]
    layer.params = {"sgd_fc_w": i["w"].copy(), "sgd_fc_b": i["b"].copy()}
    layer.grads = {"sgd_fc_w": i["dw"].copy(), "sgd_fc_b": i["db"].copy()}
    SGD(net, lr=float(i["lr"]), weight_decay=float(i["weight_decay"])).step()
    assert_close(layer.params["sgd_fc_w"], e["w_new"], 1e-6, "w_new")
    assert_close(layer.params["sgd_fc_b"], e["b_new"], 1e-6, "b_new")


@pytest.mark.parametrize("check", ["regularization_l1", "regularization_l2"])
def test_regularization(case, check):
    from lib.mlp.fully_conn import Module
    from lib.mlp.layer_utils import fc, flatten, sequential

    class Net(Module):
        def __init__(self, d, m):
            self.net = sequential(flatten(name="reg_flatten"), fc(d, m, name="reg_fc"))

    i, e = case(P, check, "published")
    net = Net(i["w"].shape[0], i["w"].shape[1])
    w_name, b_name = set_fc(net.net.layers[1], i["w"], i["b"])
    net.net.gather_params()
    net.forward(i["x"])
    net.backward(i["dout"], regularization={1: "l1", 2: "l2"}[int(i["kind"])], reg_lambda=float(i["lam"]))
    net.net.gather_grads()
    assert_close(net.net.get_grads(w_name), e["dw"], 1e-8, "dw")
    assert_close(net.net.get_grads(b_name), e["db"], 1e-8, "db")


def test_adam_step(case):
    from lib.mlp.layer_utils import fc, sequential
    from lib.optim import Adam

    i, e = case(P, "adam_step", "published")
    net = sequential(fc(i["w"].shape[0], i["w"].shape[1], name="adam_fc"))
    layer = net.layers[0]
    layer.params = {"adam_fc_w": i["w"].copy()}
    layer.grads = {"adam_fc_w": i["dw"].copy()}
    opt = Adam(net, lr=float(i["lr"]), beta1=float(i["beta1"]), beta2=float(i["beta2"]), t=int(i["t"]), eps=float(i["eps"]))
    opt.mt = {"adam_fc_w": i["m"].copy()}
    opt.vt = {"adam_fc_w": i["v"].copy()}
    opt.step()
    assert_close(layer.params["adam_fc_w"], e["w_new"], 1e-7, "w_new")
    assert_close(opt.mt["adam_fc_w"], e["m_new"], 1e-7, "m_new")
    assert_close(opt.vt["adam_fc_w"], e["v_new"], 1e-7, "v_new")


def test_answer_l2_lambda(submission):
    # SGD+L2 follows SGD+weight decay when 2*lam*lr == weight_decay: 1e-4 / (2 * 0.01).
    got = float(read_answers(submission).get("l2_lambda"))
    assert rel_error(got, 1e-4 / (2 * 0.01)) <= 1e-6


def test_answer_adam_decay(submission):
    got = read_answers(submission).get("adam_weight_decay_equals_l2")
    assert got in (False, "no", "No", "NO"), "weight decay and L2 differ in Adam"
