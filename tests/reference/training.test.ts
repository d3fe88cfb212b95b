/**
 * The ops that judge training: accuracy, rescaling, TinyNet's forward, and the per-sample sigmoid
 * network of the notebook homework, whose one SGD step is proved against finite differences of
 * its own loss.
 */
import { describe, expect, it } from 'vitest';
import { findOp } from '../../reference/registry.ts';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, item, scalar, tensor } from '../../harness/tensor/tensor.ts';
import { relError } from '../helpers/numgrad.ts';

const run = (name: string, inputs: Record<string, Tensor>) => findOp(name)!.run(inputs);
const randn = (rng: Rng, shape: number[], scale = 1) => tensor(shape, rng.normals(shape.reduce((a, b) => a * b, 1)).map((v) => v * scale));

describe('accuracy', () => {
  it('counts rows whose argmax is the label, first maximum winning a tie', () => {
    const scores = tensor([4, 3], [0.1, 0.7, 0.2, 5, 5, 1, -1, -2, -0.5, 0, 0, 0]);
    const labels = tensor([4], [1, 1, 2, 0], 'int64');
    expect(item(run('accuracy', { scores, labels }).accuracy)).toBe(0.75);
  });
  it('takes (N,) predictions as they are', () => {
    expect(item(run('accuracy', { scores: tensor([3], [2, 0, 1]), labels: tensor([3], [2, 1, 1]) }).accuracy)).toBeCloseTo(2 / 3, 15);
  });
  it('refuses labels that do not match the rows', () => {
    expect(() => run('accuracy', { scores: tensor([2, 2], [1, 0, 0, 1]), labels: tensor([3], [0, 1, 1]) })).toThrow(/labels must have shape/);
  });
});

describe('difference', () => {
  it('is a - b elementwise, and refuses shapes that differ', () => {
    const out = run('difference', { a: tensor([2, 2], [1, 2.5, -3, 0]), b: tensor([2, 2], [0.5, 2.5, 1, -1]) }).out;
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([0.5, 0, -4, 1]);
    expect(() => run('difference', { a: tensor([2], [1, 2]), b: tensor([3], [1, 2, 3]) })).toThrow(/shapes/);
  });
});

describe('rescale and tiny_net_forward', () => {
  it('rescale maps pixels to [0, 1] with scale 1/255', () => {
    const out = run('rescale', { x: tensor([3], [0, 51, 255], 'uint8'), scale: scalar(1 / 255) }).out;
    expect(Array.from(out.data)).toEqual([0, 0.2, 1]);
    expect(out.dtype).toBe('float64');
  });
  it('tiny_net_forward is fc → gelu → fc, the same as small_fc_net_forward, on flattened images', () => {
    const rng = new Rng('tiny');
    const args = { x: randn(rng, [5, 4, 4]), fc1_w: randn(rng, [16, 7]), fc1_b: randn(rng, [7]), fc2_w: randn(rng, [7, 3]), fc2_b: randn(rng, [3]) };
    const a = run('tiny_net_forward', args).scores, b = run('small_fc_net_forward', args).scores;
    expect(a.shape).toEqual([5, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe('per-sample helpers of the notebook homework', () => {
  it('softmax_vector agrees with softmax on one row and survives large values', () => {
    const x = tensor([4], [1000, 999, -5, 998]);
    const a = run('softmax_vector', { x }).out;
    const b = run('softmax', { x: tensor([1, 4], x.data) }).out;
    expect(relError(a, b)).toBeLessThan(1e-15);
    expect(a.data.every(Number.isFinite)).toBe(true);
    expect(a.data.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
  });
  it('one_hot and cross_entropy_onehot', () => {
    expect(Array.from(run('one_hot', { x: scalar(2), classes: scalar(4) }).out.data)).toEqual([0, 0, 1, 0]);
    expect(() => run('one_hot', { x: scalar(4), classes: scalar(4) })).toThrow(/not a class index/);
    const loss = run('cross_entropy_onehot', { y_onehot: tensor([3], [0, 1, 0]), y_hat: tensor([3], [0.2, 0.5, 0.3]) }).loss;
    expect(item(loss)).toBeCloseTo(-Math.log(0.5), 15);
  });
});

describe('sigmoid_mlp_step', () => {
  const build = (seed: string, sizes: number[]) => {
    const rng = new Rng(seed);
    const p: Record<string, Tensor> = { x: tensor([sizes[0]], rng.normals(sizes[0]).map((v) => Math.abs(v) * 0.5)) };
    for (let i = 1; i < sizes.length; i++) {
      p[`w${i}`] = randn(rng, [sizes[i - 1], sizes[i]], 0.8);
      p[`b${i}`] = randn(rng, [sizes[i]], 0.3);
    }
    return p;
  };
  const lossAt = (p: Record<string, Tensor>, y: number) => item(run('sigmoid_mlp_sample', { ...p, y: scalar(y) }).loss);

  it('moves every parameter by -lr times the finite-difference gradient of the loss', () => {
    const p = build('fd', [6, 5, 4, 3]);
    const y = 2, lr = 0.1;
    const out = run('sigmoid_mlp_step', { ...p, y: scalar(y), lr: scalar(lr) });
    expect(item(out.loss)).toBeCloseTo(lossAt(p, y), 14);
    for (const name of ['w1', 'b1', 'w2', 'b2', 'w3', 'b3']) {
      const analytic = p[name].data.map((v, k) => (v - out[`${name}_new`].data[k]) / lr);
      const numeric = p[name].data.map((v, k) => {
        const h = 1e-6;
        const plus = { ...p, [name]: { ...p[name], data: Float64Array.from(p[name].data, (u, j) => (j === k ? u + h : u)) } };
        const minus = { ...p, [name]: { ...p[name], data: Float64Array.from(p[name].data, (u, j) => (j === k ? u - h : u)) } };
        return (lossAt(plus, y) - lossAt(minus, y)) / (2 * h);
      });
      expect(relError(analytic, numeric), name).toBeLessThan(1e-6);
    }
  });

  it('uses each layer\'s weights from before the update when passing the gradient down', () => {
    const p = build('order', [4, 3, 3, 2]);
    const lr = 0.5;
    const out = run('sigmoid_mlp_step', { ...p, y: scalar(1), lr: scalar(lr) });
    // Recompute dw1 with the *updated* w2, w3: a different answer, so the order is pinned down.
    const late = run('sigmoid_mlp_step', { ...p, w2: out.w2_new, w3: out.w3_new, y: scalar(1), lr: scalar(lr) });
    expect(relError(out.w1_new, late.w1_new)).toBeGreaterThan(1e-6);
  });

  it('works at the homework size, 784 → 32 → 32 → 10, along random directions', () => {
    const p = build('full', [784, 32, 32, 10]);
    const y = 7, lr = 1e-3;
    const out = run('sigmoid_mlp_step', { ...p, y: scalar(y), lr: scalar(lr) });
    const rng = new Rng('directions');
    for (let k = 0; k < 3; k++) {
      const dir: Record<string, Float64Array> = {};
      let analytic = 0;
      for (const name of ['w1', 'b1', 'w2', 'b2', 'w3', 'b3']) {
        dir[name] = rng.normals(p[name].data.length);
        p[name].data.forEach((v, i) => { analytic += dir[name][i] * (v - out[`${name}_new`].data[i]) / lr; });
      }
      const shifted = (h: number) => Object.fromEntries(Object.entries(p).map(([n, t]) => [n, dir[n] ? { ...t, data: t.data.map((v, i) => v + h * dir[n][i]) } : t]));
      const h = 1e-5;
      const numeric = (lossAt(shifted(h), y) - lossAt(shifted(-h), y)) / (2 * h);
      expect(Math.abs(analytic - numeric) / Math.max(1e-8, Math.abs(analytic) + Math.abs(numeric))).toBeLessThan(1e-6);
    }
  });

  it('sigmoid_mlp_forward on a batch gives the logits whose softmax is each sample\'s probs', () => {
    const p = build('batch', [5, 4, 4, 3]);
    const { x: _, ...layers } = p;
    const rng = new Rng('xs');
    const xs = randn(rng, [3, 5]);
    const scores = run('sigmoid_mlp_forward', { ...layers, x: xs }).scores;
    expect(scores.shape).toEqual([3, 3]);
    for (let i = 0; i < 3; i++) {
      const one = run('sigmoid_mlp_sample', { ...layers, x: tensor([5], xs.data.subarray(i * 5, i * 5 + 5)), y: scalar(0) });
      const probs = run('softmax_vector', { x: tensor([3], scores.data.subarray(i * 3, i * 3 + 3)) }).out;
      expect(relError(probs, one.probs)).toBeLessThan(1e-14);
      const guess = one.guess.data.indexOf(1);
      expect(guess).toBe(probs.data.indexOf(Math.max(...probs.data)));
    }
  });
});
