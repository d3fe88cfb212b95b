/**
 * The reference ops against the same formulas written independently in numpy. Values cross as
 * JSON, which round-trips doubles exactly in both languages, so any difference is the maths.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, item, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import {
  adamStep,
  crossEntropyBackward,
  crossEntropyForward,
  geluBackward,
  geluForward,
  smallFcNetForward,
  softmax,
} from '../../reference/ops/mlp.ts';
import { relError } from '../helpers/numgrad.ts';

const NUMPY_SCRIPT = String.raw`
import json, sys
import numpy as np

inp = json.load(sys.stdin)
arr = lambda name: np.array(inp[name]["data"], dtype=np.float64).reshape(inp[name]["shape"])

def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))

def gelu_grad(x):
    k = np.sqrt(2.0 / np.pi)
    th = np.tanh(k * (x + 0.044715 * x**3))
    return 0.5 * (1.0 + th) + 0.5 * x * (1.0 - th**2) * k * (1.0 + 3 * 0.044715 * x**2)

def log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

x, dout = arr("x"), arr("dout")
logits, labels = arr("logits"), arr("labels").astype(np.int64)
n = logits.shape[0]
picked = log_softmax(logits)[np.arange(n), labels]
onehot = np.eye(logits.shape[1])[labels]
probs = np.exp(log_softmax(logits))

w, dw, m, v = arr("w"), arr("dw"), arr("m"), arr("v")
t, lr, b1, b2, eps, wd = (inp[k] for k in ("t", "lr", "beta1", "beta2", "eps", "weight_decay"))
t_new = t + 1
m_new = b1 * m + (1 - b1) * dw
v_new = b2 * v + (1 - b2) * dw**2
m_hat = m_new / (1 - b1**t_new)
v_hat = v_new / (1 - b2**t_new)
w_new = w - lr * m_hat / (np.sqrt(v_hat) + eps) - wd * w

net_x = arr("net_x").reshape(arr("net_x").shape[0], -1)
scores = gelu(net_x @ arr("fc1_w") + arr("fc1_b")) @ arr("fc2_w") + arr("fc2_b")

out = {
    "gelu": gelu(x), "gelu_dx": dout * gelu_grad(x), "softmax": probs,
    "ce_mean": -picked.mean(), "ce_sum": -picked.sum(),
    "dlogits_mean": (probs - onehot) / n, "dlogits_sum": probs - onehot,
    "w_new": w_new, "m_new": m_new, "v_new": v_new, "scores": scores,
}
json.dump({k: np.asarray(val).ravel().tolist() for k, val in out.items()}, sys.stdout)
`;

const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const randn = (rng: Rng, shape: number[], scale = 1): Tensor =>
  tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));

const asJson = (t: Tensor) => ({ shape: t.shape, data: Array.from(t.data) });

describe.skipIf(!hasNumpy)('reference ops against numpy', () => {
  const rng = new Rng('numpy-cross-check');
  const x = randn(rng, [3, 4], 3);
  const dout = randn(rng, [3, 4]);
  const logits = randn(rng, [5, 6], 4);
  const labels = tensor([5], Array.from({ length: 5 }, () => rng.int(0, 6)), 'int64');
  const [w, dw, m] = [randn(rng, [2, 5]), randn(rng, [2, 5]), randn(rng, [2, 5], 0.1)];
  const v = tensor([2, 5], randn(rng, [2, 5], 0.1).data.map((e) => e * e));
  const hyper = { t: 3, lr: 1e-3, beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 1e-2 };
  const net = {
    net_x: randn(rng, [4, 2, 3]),
    fc1_w: randn(rng, [6, 5]),
    fc1_b: randn(rng, [5]),
    fc2_w: randn(rng, [5, 3]),
    fc2_b: randn(rng, [3]),
  };

  const tensors = { x, dout, logits, labels, w, dw, m, v, ...net };
  const payload = { ...Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, asJson(t)])), ...hyper };
  const numpy: Record<string, number[]> = hasNumpy
    ? JSON.parse(execFileSync('python3', ['-c', NUMPY_SCRIPT], { input: JSON.stringify(payload), encoding: 'utf8' }))
    : {};
  const agrees = (ours: Tensor | number, key: string) => {
    const data = typeof ours === 'number' ? Float64Array.of(ours) : ours.data;
    expect(relError(data, Float64Array.from(numpy[key]))).toBeLessThan(1e-12);
  };

  it('gelu forward and backward', () => {
    // For very negative x, 1 + tanh(u) cancels: the formula's own result is only good to a few
    // ulps of 1, and Math.tanh and np.tanh may round differently. Relative to a tiny value such
    // as gelu(-5.15) = -8e-8 that is ~1e-12, so these compare on the scale of max(1, |value|).
    const closeOnUnitScale = (ours: Tensor, key: string) =>
      ours.data.forEach((v, i) => expect(Math.abs(v - numpy[key][i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(v))));
    expect(Math.min(...x.data)).toBeLessThan(-5);
    closeOnUnitScale(geluForward(x), 'gelu');
    closeOnUnitScale(geluBackward(x, dout), 'gelu_dx');
  });

  it('softmax', () => agrees(softmax(logits), 'softmax'));

  it('cross-entropy, averaged and summed, and its gradient', () => {
    agrees(item(crossEntropyForward(logits, labels, true)), 'ce_mean');
    agrees(item(crossEntropyForward(logits, labels, false)), 'ce_sum');
    agrees(crossEntropyBackward(logits, labels, true), 'dlogits_mean');
    agrees(crossEntropyBackward(logits, labels, false), 'dlogits_sum');
  });

  it('an Adam step from a mid-training state', () => {
    const { t, lr, beta1, beta2, eps, weight_decay } = hyper;
    const next = adamStep(w, dw, m, v, t, { lr, beta1, beta2, eps, weightDecay: weight_decay });
    agrees(next.w, 'w_new');
    agrees(next.m, 'm_new');
    agrees(next.v, 'v_new');
  });

  it('the two-layer network', () => {
    agrees(smallFcNetForward(net.net_x, net.fc1_w, net.fc1_b, net.fc2_w, net.fc2_b), 'scores');
  });
});
