"""The five architectures of METU EE449 HW1 as students hand them in: finding a class by its
normalized name, building it with no arguments or with the handout's sizes, reading the layer
sequence it actually runs, and loading the grader's weights into it. Probes call these and
return what they found; the grader compares it with the handout's layers (reference/ops/torch.ts).

The layer table written here is the reference's (layerTable in reference/ops/torch.ts): one row
per layer, columns kind, in, out, k, stride, padding, bias, params, with the kind codes below.
"""
import inspect
import re

import numpy as np
import torch
from torch import nn

try:
    from torch.overrides import TorchFunctionMode
except ImportError:  # torch before 1.13: only layers that are modules can be seen
    TorchFunctionMode = None

# The `kind` column: the index in reference/ops/torch.ts LAYER_KINDS.
LINEAR, CONV, MAXPOOL, RELU, SIGMOID, TANH, SOFTMAX, DROPOUT, BATCHNORM, AVGPOOL, OTHER_ACTIVATION, OTHER_WEIGHTED = range(1, 13)
PADDING_SAME = -1

# The handout's sizes, for constructors that take them.
SIZES = {
    "mlp_1": {"input": 1024, "hidden": [32], "classes": 10},
    "mlp_2": {"input": 1024, "hidden": [32, 64], "classes": 10},
    "cnn_3": {"channels": 1, "side": 32, "classes": 10},
    "cnn_4": {"channels": 1, "side": 32, "classes": 10},
    "cnn_5": {"channels": 1, "side": 32, "classes": 10},
}
SIGMOID_SUFFIXES = ("s", "sigmoid", "sig")


def normalized(name):
    """mlp_1, MLP1, Mlp1 and mlp1 are one name: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def text(value):
    """A short ASCII string as uint8 bytes: how a probe hands the grader a name for its messages."""
    return np.frombuffer(value.encode("ascii", "replace")[:300], dtype=np.uint8).copy()


def find_class(module, arch, suffixes=("",)):
    """The nn.Module subclass of `module` whose normalized name is arch's plus one of the
    suffixes, or None. Two different classes under one normalized name cannot be told apart."""
    wanted = [normalized(arch) + s for s in suffixes]
    found = {}
    for name, value in vars(module).items():
        if isinstance(value, type) and issubclass(value, nn.Module) and normalized(name) in wanted:
            found.setdefault(value, name)  # an alias (mlp_1 = MLP1) is the same class
    if len(found) > 1:
        raise ValueError("models.py has %d classes that could be %s (%s): keep one"
                         % (len(found), arch, ", ".join(sorted(found.values()))))
    return next(iter(found.items()), (None, None))


# ---- Building a model: no arguments, or the handout's sizes ----

def _kind_of_parameter(arch, name):
    """What a constructor parameter stands for, from its name: input, hidden, classes, channels,
    side, activation; None when the name says nothing."""
    n = normalized(name)
    if re.fullmatch(r"(n|num)?(act|activation|activations|nonlinearity|actfn|activationfn|activationfunction|actfunc|afunc|activationtype|acttype)", n):
        return "activation"
    if re.fullmatch(r"(use)?(sigmoid|sig)", n):
        return "sigmoid_flag"
    if re.fullmatch(r"(n|num)?(classes|class|outputs|out|output|outputclasses|labels)|out(put)?(size|dim|features|classes|units)|dout|nout", n):
        return "classes"
    if "hid" in n or re.fullmatch(r"h\d?", n):
        return "hidden"
    mlp = arch.startswith("mlp")
    if re.fullmatch(r"(in|input|inp)?(channels|channel|ch|chan)(in)?|c(in)?|n(um)?channels|inchannels|inputchannels|channelsin", n):
        return "channels"
    if re.fullmatch(r"(n|num)?(inputs?|in|inp)|(in|input|inp)(size|dim|features|feature|units)|din|nin|d", n):
        return "input" if mlp else "side"
    if re.fullmatch(r"(image|img)?(size|side|width|height|res|resolution)", n):
        return "side" if not mlp else "input"
    return None


def _named_values(arch, params):
    """The handout's value for each named parameter, or None when a name is not recognized."""
    sizes = SIZES[arch]
    hidden = [p for p in params if _kind_of_parameter(arch, p.name) == "hidden"]
    values = {}
    for p in params:
        kind = _kind_of_parameter(arch, p.name)
        if kind in ("classes", "channels", "side", "input") and kind in sizes:
            values[p.name] = sizes[kind]
        elif kind == "hidden" and "hidden" in sizes:
            widths = sizes["hidden"]
            digit = re.search(r"(\d)", p.name)
            if len(hidden) == len(widths):
                values[p.name] = widths[hidden.index(p)]
            elif len(hidden) == 1 and (p.name.endswith("s") or len(widths) > 1):
                values[p.name] = list(widths)
            elif digit and 1 <= int(digit.group(1)) <= len(widths):
                values[p.name] = widths[int(digit.group(1)) - 1]
            else:
                return None
        else:
            return None
    return values


def _positional_orders(arch, count):
    """The common orders of the handout's sizes for `count` unnamed arguments, most likely first."""
    s = SIZES[arch]
    if arch == "mlp_1":
        orders = {3: [(1024, 32, 10)], 2: [(1024, 10), (32, 10)], 1: [(10,), (1024,), (32,)]}
    elif arch == "mlp_2":
        orders = {4: [(1024, 32, 64, 10)], 3: [(1024, [32, 64], 10)], 2: [(1024, 10)], 1: [(10,), (1024,)]}
    else:
        orders = {2: [(s["channels"], s["classes"])], 1: [(s["classes"],), (s["channels"],)]}
    return orders.get(count, [])


def _activation_value(default, sigmoid):
    """What to pass for an activation parameter, in the form its default shows: a name, a class,
    an instance, a function. With no default, the forms in the order students most often use."""
    if default is inspect.Parameter.empty:
        return [("sigmoid", "'sigmoid'"), (nn.Sigmoid, "nn.Sigmoid"), (nn.Sigmoid(), "nn.Sigmoid()"), (torch.sigmoid, "torch.sigmoid")] if sigmoid \
            else [("relu", "'relu'"), (nn.ReLU, "nn.ReLU"), (nn.ReLU(), "nn.ReLU()"), (torch.relu, "torch.relu")]
    if not sigmoid:
        return [(default, None)]
    if isinstance(default, str):
        return [("Sigmoid" if default[:1].isupper() else "sigmoid", "'%s'" % ("Sigmoid" if default[:1].isupper() else "sigmoid"))]
    if isinstance(default, type):
        return [(nn.Sigmoid, "nn.Sigmoid")]
    if isinstance(default, nn.Module):
        return [(nn.Sigmoid(), "nn.Sigmoid()")]
    if callable(default):
        return [(torch.sigmoid, "torch.sigmoid")]
    return [("sigmoid", "'sigmoid'")]


def _calls(cls, arch, sigmoid_flag):
    """Candidate constructor calls (args, kwargs, how the call reads), in the order they are
    tried. `sigmoid_flag`: build the sigmoid variant through the class's activation parameter."""
    params = [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    act = [p for p in params if _kind_of_parameter(arch, p.name) in ("activation", "sigmoid_flag")]
    if sigmoid_flag and not act:
        return []
    # Each choice of the activation argument: {name: (value, as the call reads)}.
    act_choices = [{}]
    if act:
        p = act[0]
        if _kind_of_parameter(arch, p.name) == "sigmoid_flag":
            act_choices = [{p.name: (True, "True")}] if sigmoid_flag else [{}]
        elif sigmoid_flag or p.default is inspect.Parameter.empty:
            act_choices = [{p.name: (value, shown or repr(value))} for value, shown in _activation_value(p.default, sigmoid_flag)]
    sizes = [p for p in params if p not in act and p.default is inspect.Parameter.empty]
    size_choices = [((), {})] if not sizes else []
    if sizes:
        named = _named_values(arch, sizes)
        if named is not None:
            size_choices.append(((), named))
        size_choices += [(order, {}) for order in _positional_orders(arch, len(sizes))]
    calls = []
    for args, kwargs in size_choices:
        for extra in act_choices:
            kw = dict(kwargs, **{name: value for name, (value, _) in extra.items()})
            words = [repr(a) for a in args] + ["%s=%r" % item for item in kwargs.items()]
            words += ["%s=%s" % (name, shown) for name, (_, shown) in extra.items()]
            calls.append((args, kw, "%s(%s)" % (cls.__name__, ", ".join(words))))
    return calls


class Built:
    """A way to build the student's model, found once: make() builds a fresh one (under whatever
    seed the caller set), adapt(x) gives it its input as it takes it, `call` says how it was built."""

    def __init__(self, cls, args, kwargs, call, flat):
        self.cls, self.args, self.kwargs, self.call, self.flat = cls, args, kwargs, call, flat

    def make(self):
        return self.cls(*self.args, **self.kwargs)

    def adapt(self, x):
        return x.flatten(1) if self.flat else x


def _runs(model, arch, x):
    """Whether the model takes the images as (N, 1, 32, 32) or, for an MLP, only flat (N, 1024);
    None when it takes neither."""
    shapes = [False, True] if arch.startswith("mlp") else [False]
    last = None
    for flat in shapes:
        try:
            with torch.no_grad():
                out = model.eval()(x.flatten(1) if flat else x)
            if torch.is_tensor(out):
                return flat, None
            last = TypeError("forward returned %s, not a tensor" % type(out).__name__)
        except Exception as e:  # the student's code: any exception means "not this way"
            last = e
    return None, last


def build(module, arch, sigmoid=False):
    """How to build the student's `arch` (its `s` variant when sigmoid): a class of its own
    (mlp_1s, MLP1_Sigmoid, ...) first, else the ReLU class with its activation parameter. Each
    candidate call is tried on a batch of the handout's images; the first that builds a model
    which runs is used."""
    cls, name = find_class(module, arch, SIGMOID_SUFFIXES if sigmoid else ("",))
    via_flag = False
    if cls is None and sigmoid:
        cls, name = find_class(module, arch)
        via_flag = True
        if cls is None:
            raise AttributeError("models.py has no class %s, and no sigmoid variant of it (%s)"
                                 % (arch, ", ".join(arch + s for s in ("s", "_sigmoid"))))
    if cls is None:
        raise AttributeError("models.py has no class %s (MLP1, Mlp1 and mlp1 are found too)" % arch)
    calls = _calls(cls, arch, via_flag)
    if not calls:
        raise AttributeError("models.py has no sigmoid variant of %s (a class %ss or %s_sigmoid, or an "
                             "`activation` parameter of %s)" % (arch, arch, arch, name))
    x = torch.zeros(2, 1, 32, 32)
    tried = []
    for args, kwargs, call in calls:
        try:
            torch.manual_seed(0)
            model = cls(*args, **kwargs)
        except Exception as e:
            tried.append("%s: %s: %s" % (call, type(e).__name__, e))
            continue
        if not isinstance(model, nn.Module):
            tried.append("%s: not an nn.Module" % call)
            continue
        flat, problem = _runs(model, arch, x)
        if flat is not None:
            return Built(cls, args, kwargs, call, flat)
        tried.append("%s: forward on (2, 1, 32, 32) images: %s: %s" % (call, type(problem).__name__, problem))
    raise ValueError("could not build %s: %s" % (name, "; ".join(tried)))


# ---- The layer sequence a model runs ----

MODULE_KINDS = [
    (nn.Linear, LINEAR), (nn.Conv2d, CONV), (nn.MaxPool2d, MAXPOOL), (nn.ReLU, RELU), (nn.Sigmoid, SIGMOID),
    (nn.Tanh, TANH), ((nn.Softmax, nn.LogSoftmax), SOFTMAX), ((nn.Dropout, nn.Dropout2d), DROPOUT),
    ((nn.BatchNorm1d, nn.BatchNorm2d), BATCHNORM), (nn.AvgPool2d, AVGPOOL),
    ((nn.LeakyReLU, nn.ELU, nn.GELU, nn.SELU, nn.SiLU, nn.Hardtanh, nn.ReLU6, nn.PReLU), OTHER_ACTIVATION),
]
FUNCTION_KINDS = {
    "linear": LINEAR, "conv2d": CONV, "max_pool2d": MAXPOOL, "relu": RELU, "relu_": RELU,
    "sigmoid": SIGMOID, "sigmoid_": SIGMOID, "tanh": TANH, "tanh_": TANH, "softmax": SOFTMAX,
    "log_softmax": SOFTMAX, "dropout": DROPOUT, "batch_norm": BATCHNORM, "avg_pool2d": AVGPOOL,
    "leaky_relu": OTHER_ACTIVATION, "elu": OTHER_ACTIVATION, "gelu": OTHER_ACTIVATION,
    "selu": OTHER_ACTIVATION, "silu": OTHER_ACTIVATION, "hardtanh": OTHER_ACTIVATION, "relu6": OTHER_ACTIVATION,
}


def _pair(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def _module_row(m, kind):
    """A layer module's row, and its weight and bias (None for layers without)."""
    if kind == LINEAR:
        return [kind, m.in_features, m.out_features, 0, 0, 0, int(m.bias is not None), _count(m)], m.weight, m.bias
    if kind == CONV:
        padding = PADDING_SAME if m.padding == "same" else (0 if m.padding == "valid" else _pair(m.padding))
        return [kind, m.in_channels, m.out_channels, _pair(m.kernel_size), _pair(m.stride), padding,
                int(m.bias is not None), _count(m)], m.weight, m.bias
    if kind in (MAXPOOL, AVGPOOL):
        stride = m.stride if m.stride is not None else m.kernel_size
        return [kind, 0, 0, _pair(m.kernel_size), _pair(stride), _pair(m.padding), 0, 0], None, None
    return [kind, 0, 0, 0, 0, 0, 0, _count(m)], None, None


def _function_row(kind, args, kwargs):
    """A functional call's row (F.relu, F.max_pool2d, F.conv2d with the student's own weights)."""
    arg = lambda i, key, default=None: args[i] if len(args) > i else kwargs.get(key, default)
    if kind == LINEAR:
        w, b = arg(1, "weight"), arg(2, "bias")
        return [kind, w.shape[1], w.shape[0], 0, 0, 0, int(b is not None), w.numel() + (b.numel() if b is not None else 0)], w, b
    if kind == CONV:
        w, b = arg(1, "weight"), arg(2, "bias")
        padding = arg(4, "padding", 0)
        padding = PADDING_SAME if padding == "same" else (0 if padding == "valid" else _pair(padding))
        return [kind, w.shape[1], w.shape[0], w.shape[2], _pair(arg(3, "stride", 1)), padding, int(b is not None),
                w.numel() + (b.numel() if b is not None else 0)], w, b
    if kind in (MAXPOOL, AVGPOOL):
        k = arg(1, "kernel_size")
        stride = arg(2, "stride", None)
        stride = k if stride is None or stride == [] or stride == () else stride
        return [kind, 0, 0, _pair(k), _pair(stride), _pair(arg(3, "padding", 0)), 0, 0], None, None
    return [kind, 0, 0, 0, 0, 0, 0, 0], None, None


def _count(m):
    return sum(p.numel() for p in m.parameters())


def _kind_of_module(m):
    for types, kind in MODULE_KINDS:
        if isinstance(m, types):
            return kind
    if not list(m.children()) and any(True for _ in m.parameters(recurse=False)):
        return OTHER_WEIGHTED
    return None


class Layer:
    def __init__(self, row, weight, bias):
        self.row, self.weight, self.bias = row, weight, bias


def trace(model, x):
    """The layers the model runs on x, in the order it runs them.

    Walking model.modules() gives registration order, which is not always the order forward
    uses, and cannot see F.relu or torch.sigmoid called in forward. So the probe runs forward
    once and records, in call order: every known layer module (Linear, Conv2d, MaxPool2d, ReLU,
    Sigmoid, ...) through forward pre-hooks, and every functional call of a layer (F.relu,
    torch.sigmoid, x.relu(), F.max_pool2d, ...) made outside those modules through a
    TorchFunctionMode; the functional calls a module makes inside its own forward (nn.Linear
    calling F.linear) are not counted twice. A student's own module that is none of these
    (a custom activation class) is transparent: what its forward calls is recorded.
    """
    layers, depth = [], [0]
    handles = []

    def pre(kind):
        def hook(m, _inputs):
            if depth[0] == 0:
                layers.append(Layer(*_module_row(m, kind)))
            depth[0] += 1
        return hook

    def post(_m, _inputs, _output):
        depth[0] -= 1

    for m in model.modules():
        kind = _kind_of_module(m)
        if kind is not None:
            handles.append(m.register_forward_pre_hook(pre(kind)))
            handles.append(m.register_forward_hook(post))

    mode = None
    if TorchFunctionMode is not None:
        class Recorder(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                kind = FUNCTION_KINDS.get(getattr(func, "__name__", ""))
                if kind is not None and depth[0] == 0:
                    layers.append(Layer(*_function_row(kind, args, kwargs)))
                return func(*args, **kwargs)
        mode = Recorder()
    try:
        with torch.no_grad():
            if mode is not None:
                with mode:
                    out = model(x)
            else:
                out = model(x)
    finally:
        for h in handles:
            h.remove()
    return layers, out


def layer_table(layers):
    return np.asarray([l.row for l in layers], dtype=np.int64).reshape(-1, 8)


def first_weighted(layers):
    """The first layer with weights the model runs: the handout's `first` (fc1, conv1, ...)."""
    for l in layers:
        if l.weight is not None:
            return l
    raise ValueError("the model runs no layer with weights")


def set_weights(model, layers, theta):
    """Load theta (each Linear/Conv2d layer in the order the model runs them: its weight in
    torch's layout, then its bias) into the model; False when the model's parameters cannot take
    it (other counts or shapes than the handout's layers), the model then left as it was."""
    weighted = [l for l in layers if l.weight is not None]
    total = sum(p.numel() for p in model.parameters())
    need = sum(l.weight.numel() + (l.bias.numel() if l.bias is not None else 0) for l in weighted)
    if total != len(theta) or need != len(theta):
        return False
    values = torch.from_numpy(np.ascontiguousarray(theta, dtype=np.float64))
    at = 0
    with torch.no_grad():
        for l in weighted:
            for p in (l.weight, l.bias):
                if p is None:
                    continue
                p.copy_(values[at:at + p.numel()].reshape(p.shape).to(p.dtype))
                at += p.numel()
    return True
