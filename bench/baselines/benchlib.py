"""What both baselines share: the course's helpers (rel_error, centred-difference numerical
gradients), the published fixtures (inputs and expected outputs that the benchmark generated from
dlgrade's TypeScript reference), the statistical checks of dropout and initialisation (the same
laws and bounds as dlgrade's properties), and loading the grader's arrays into a student's layers.

Nothing here judges by itself; each baseline states its own checks and bars.
"""
import math
import os
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_FIXTURES = os.path.join(REPO, "fixtures")
Z = 5.3  # dlgrade's bound: correct code fails about one time in ten million


def rel_error(x, y):
    """max(|x - y| / max(1e-8, |x| + |y|)), elementwise then the max (the course's definition)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        return math.inf
    if x.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        err = np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))
    err = np.where(x == y, 0.0, err)  # equal infinities
    return float(np.max(np.where(np.isnan(err), np.inf, err)))


def assert_close(got, expected, bar, what):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, "%s: shape %s, expected %s" % (what, got.shape, expected.shape)
    err = rel_error(got, expected)
    assert err <= bar, "%s: rel_error %.3g > %.0e" % (what, err, bar)


def load_case(fixtures, pack, check, case):
    """The published case's inputs and (where the reference alone can compute them) expected outputs."""
    base = os.path.join(fixtures, pack, check, case)
    with np.load(base + ".inputs.npz") as f:
        inputs = {k: f[k] for k in f.files}
    expected = {}
    if os.path.exists(base + ".expected.npz"):
        with np.load(base + ".expected.npz") as f:
            expected = {k: f[k] for k in f.files}
    return inputs, expected


# ---- The course's numerical gradients (lib/grad_check.py of the skeleton), with a budget ----

class Budget:
    """How long one numerical gradient may take before it is sampled. A gradient projected to
    take longer than `seconds` differences `sample` elements spread over the array, and its full
    time and forward calls are extrapolated from them (reported, never hidden)."""

    def __init__(self, seconds=None, sample=100, probe=4):
        self.seconds, self.sample, self.probe = seconds, sample, probe
        self.records = []


def _counts():
    import sys

    mod = sys.modules.get("_bench_forward_counts")
    return dict(mod.COUNTS) if mod is not None else {}


def _indices(x, budget, timed_one):
    """Every index of x; or, when the projected time is over budget, a spread-out sample."""
    size = x.size
    every = list(np.ndindex(*x.shape))
    if budget is None or budget.seconds is None or size <= budget.probe:
        return every, False
    t0 = time.perf_counter()
    for ix in every[: budget.probe]:
        timed_one(ix)
    per = (time.perf_counter() - t0) / budget.probe
    if per * size <= budget.seconds:
        return every[budget.probe:], False
    k = min(size, budget.sample)
    picks = np.unique(np.linspace(0, size - 1, k).round().astype(int))
    return [every[i] for i in picks if i >= budget.probe], True


def _numgrad(f_diff, x, budget, what):
    """Shared loop: f_diff(ix) returns the centred difference at ix (two forward calls)."""
    grad = np.full(x.shape, np.nan)
    done = []

    def one(ix):
        grad[ix] = f_diff(ix)
        done.append(ix)

    c0, t0 = _counts(), time.perf_counter()
    rest, sampled = _indices(x, budget, one)
    for ix in rest:
        one(ix)
    seconds = time.perf_counter() - t0
    c1 = _counts()
    if budget is not None:
        n = len(done)
        scale = x.size / max(n, 1)
        measured = {k: c1.get(k, 0) - c0.get(k, 0) for k in c1}
        budget.records.append({
            "what": what, "elements": int(x.size), "differenced": n, "sampled": sampled,
            "seconds": seconds, "seconds_full": seconds * scale,
            "forward_calls_measured": measured,
            "forward_calls_full": {k: round(v * scale) for k, v in measured.items()},
        })
    mask = np.zeros(x.shape, dtype=bool)
    for ix in done:
        mask[ix] = True
    return grad, mask


def eval_numerical_gradient(f, x, h=1e-5, budget=None, what="x"):
    """df/dx of a scalar function by centred differences, two forward calls per element."""
    def diff(ix):
        old = x[ix]
        x[ix] = old + h
        fp = float(f(x))
        x[ix] = old - h
        fm = float(f(x))
        x[ix] = old
        return (fp - fm) / (2.0 * h)

    return _numgrad(diff, x, budget, what)


def eval_numerical_gradient_array(f, x, df, h=1e-5, budget=None, what="x"):
    """sum(df * d f(x) / dx) for each element of x, by centred differences."""
    def diff(ix):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        return np.sum((pos - neg) * df) / (2.0 * h)

    return _numgrad(diff, x, budget, what)


def assert_numgrad(analytic, numeric_and_mask, bar, what):
    numeric, mask = numeric_and_mask
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == numeric.shape, "%s: shape %s, expected %s" % (what, analytic.shape, numeric.shape)
    err = rel_error(analytic[mask], numeric[mask])
    assert err <= bar, "%s: rel_error %.3g against the numerical gradient > %.0e" % (what, err, bar)


# ---- Properties (the laws dlgrade's properties check, with the same bounds) ----

def check_identity(x, out, what):
    out = np.asarray(out)
    assert out.shape == x.shape, "%s: shape %s, expected %s" % (what, out.shape, x.shape)
    assert rel_error(out, x) <= 1e-12, "%s should equal the input" % what


def check_dropout_train(x, out, p, what):
    if p in (0, 1):
        return check_identity(x, out, what + " (keep_prob %g: no dropout)" % p)
    out = np.asarray(out, dtype=np.float64)
    assert out.shape == x.shape, "%s: shape %s, expected %s" % (what, out.shape, x.shape)
    kept = out != 0
    assert rel_error(out[kept], x[kept] / p) <= 1e-10, "%s: kept values are not x/keep_prob" % what
    n, q = x.size, 1 - p
    dropped = int(np.sum(~kept))
    assert abs(dropped - n * q) <= Z * math.sqrt(n * p * q) + 1, "%s: %d of %d dropped, expected about %g" % (what, dropped, n, n * q)
    mean_sd = math.sqrt((q / p) * float(np.mean(x ** 2)) / n)
    assert abs(out.mean() - x.mean()) <= Z * mean_sd + 1e-12, "%s: mean not preserved" % what


def check_normal_init(values, std, what):
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    assert n >= 2, "%s: only %d values" % (what, n)
    mean = v.mean()
    assert abs(mean) <= Z * std / math.sqrt(n), "%s: mean %g, expected 0" % (what, mean)
    sample = v.std(ddof=1)
    assert sample > 0 and abs(math.log(sample / std)) <= Z / math.sqrt(2 * (n - 1)), "%s: std %g, expected %g" % (what, sample, std)


def check_all_zero(values, what):
    assert not np.any(np.asarray(values) != 0), "%s should start at zero" % what


def pooled_init(make, first_seed, count):
    """Weights and biases of `count` seeded constructions (one draw cannot tell a wrong scale)."""
    weights, biases = [], []
    for seed in range(first_seed, first_seed + count):
        np.random.seed(seed)
        net = make()
        net.net.gather_params()
        assert net.net.params, "%s has no parameters" % type(net).__name__
        for value in net.net.params.values():
            value = np.asarray(value, dtype=np.float64)
            (biases if value.ndim == 1 else weights).append(value.ravel())
    return np.concatenate(weights), np.concatenate(biases)


# ---- Loading the grader's arrays into the student's layers and networks ----

def set_fc(layer, w, b=None):
    w_name = getattr(layer, "w_name", layer.name + "_w")
    b_name = getattr(layer, "b_name", layer.name + "_b")
    layer.params[w_name] = w
    if b is not None:
        layer.params[b_name] = b
    return w_name, b_name


def assign_by_shape(net, arrays):
    """Students name layers freely; the architecture fixes the shapes: match by shape."""
    seq = net.net
    seq.gather_params()
    names = {}
    for name, value in seq.params.items():
        if value is not None:
            names[tuple(np.shape(value))] = name
    chosen = {}
    for key, value in arrays.items():
        name = names[tuple(value.shape)]
        seq.assign(name, value)
        chosen[key] = name
    seq.gather_params()
    return chosen


def grads_of(net, chosen):
    net.net.gather_grads()
    return {"d" + key: net.net.get_grads(name) for key, name in chosen.items()}


def read_answers(submission):
    import yaml

    with open(os.path.join(submission, "answers.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f) or {}
