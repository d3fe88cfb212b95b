/**
 * Ops for judging training: turning pixels into the network's input, evaluating returned
 * parameters, scoring predictions against held-out labels the grader keeps, and the per-sample
 * sigmoid network of the notebook homework (mnist-mlp-numpy), whose one training step is the
 * chain rule written out below.
 */
import { type Tensor, scalar } from '../../harness/tensor/tensor.ts';
import { matmul, rows } from '../nd.ts';
import type { RefOp } from '../op.ts';
import { defineOp } from './args.ts';
import { expectDims, expectShape, f64, pointwise, smallFcNetForward } from './layers.ts';

// ---- Accuracy ----

/** Row-wise argmax of (N, C) scores; (N,) input is taken as predicted class indices already. */
export function predictions(scores: Tensor): Float64Array {
  if (scores.shape.length === 1) return scores.data;
  expectDims('accuracy', 'scores', scores, 2);
  const [n, c] = scores.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (scores.data[i * c + j] > scores.data[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** The fraction of rows whose prediction is the label (ties go to the first maximum, as argmax). */
export function accuracy(scores: Tensor, labels: Tensor): number {
  expectShape('accuracy', 'labels', labels, [scores.shape[0]]);
  const p = predictions(scores);
  let correct = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === labels.data[i]) correct++;
  return p.length ? correct / p.length : 0;
}

// ---- The per-sample sigmoid network: x → sigmoid(x W1 + b1) → sigmoid(· W2 + b2) → · W3 + b3 → softmax ----

export interface Layer { w: Tensor; b: Tensor }

const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

function checkLayers(op: string, x: Tensor, layers: Layer[]): void {
  let width = x.shape.length === 1 ? x.shape[0] : rows(x).d;
  layers.forEach(({ w, b }, i) => {
    expectDims(op, `w${i + 1}`, w, 2);
    if (w.shape[0] !== width) throw new Error(`${op}: w${i + 1} has ${w.shape[0]} rows but its input has ${width} features`);
    expectShape(op, `b${i + 1}`, b, [w.shape[1]]);
    width = w.shape[1];
  });
}

/** Affine map of a row-major (n, d) buffer: a W + b. */
function affine(a: Float64Array, n: number, { w, b }: Layer): Float64Array {
  const [d, m] = w.shape;
  const z = matmul(a, w.data, n, d, m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[i * m + j] += b.data[j];
  return z;
}

/** Logits (N, C) of a batch (N, D), or of one sample (D,) as a (1, C) batch. */
export function sigmoidMlpScores(x: Tensor, layers: Layer[]): Tensor {
  checkLayers('sigmoid_mlp_forward', x, layers);
  const { n } = x.shape.length === 1 ? { n: 1 } : rows(x);
  let a = x.data;
  layers.forEach((layer, i) => {
    const z = affine(a, n, layer);
    a = i < layers.length - 1 ? z.map(sig) : z;
  });
  return f64([n, layers[layers.length - 1].w.shape[1]], a);
}

/** softmax of one vector, through its maximum so exp never overflows. */
export function softmaxVector(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

export function oneHot(label: number, classes: number): Float64Array {
  if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`one_hot: ${label} is not a class index in [0, ${classes})`);
  const out = new Float64Array(classes);
  out[label] = 1;
  return out;
}

/** -sum(y log y_hat), the loss as the notebook writes it from a one-hot target. */
export function crossEntropyOneHot(y: Float64Array, yHat: Float64Array): number {
  let loss = 0;
  for (let j = 0; j < y.length; j++) if (y[j] !== 0) loss -= y[j] * Math.log(yHat[j]);
  return loss;
}

export interface SampleStep {
  loss: number;
  probs: Float64Array;
  grads: Layer[];
  updated: Layer[];
}

/**
 * One training step on one sample. With p = softmax(z_L) and the loss -log p_y:
 *   dz_L = p - onehot(y);  dW_l = a_{l-1}^T dz_l;  db_l = dz_l;
 *   dz_{l-1} = (dz_l W_l^T) * s(z_{l-1}) (1 - s(z_{l-1})), with W_l as it was before the update;
 * then every parameter moves by -lr times its gradient.
 */
export function sigmoidMlpStep(x: Tensor, label: number, layers: Layer[], lr: number): SampleStep {
  const op = 'sigmoid_mlp_step';
  expectDims(op, 'x', x, 1);
  checkLayers(op, x, layers);
  const acts: Float64Array[] = [x.data];
  const zs: Float64Array[] = [];
  layers.forEach((layer, i) => {
    const z = affine(acts[i], 1, layer);
    zs.push(z);
    if (i < layers.length - 1) acts.push(z.map(sig));
  });
  const probs = softmaxVector(zs[zs.length - 1]);
  const target = oneHot(label, probs.length);
  const loss = crossEntropyOneHot(target, probs);
  let dz = probs.map((p, j) => p - target[j]);
  const grads: Layer[] = new Array(layers.length);
  for (let l = layers.length - 1; l >= 0; l--) {
    const a = acts[l];
    const [d, m] = layers[l].w.shape;
    const dw = new Float64Array(d * m);
    for (let i = 0; i < d; i++) for (let j = 0; j < m; j++) dw[i * m + j] = a[i] * dz[j];
    grads[l] = { w: f64([d, m], dw), b: f64([m], Float64Array.from(dz)) };
    if (l > 0) {
      const w = layers[l].w.data;
      const da = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < m; j++) da[i] += w[i * m + j] * dz[j];
      const z = zs[l - 1];
      dz = da.map((g, i) => g * sig(z[i]) * sig(-z[i]));
    }
  }
  const updated = layers.map((layer, l) => ({
    w: f64(layer.w.shape, layer.w.data.map((v, k) => v - lr * grads[l].w.data[k])),
    b: f64(layer.b.shape, layer.b.data.map((v, k) => v - lr * grads[l].b.data[k])),
  }));
  return { loss, probs, grads, updated };
}

const LAYER_INPUTS = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
const layersOf = (t: (name: string) => Tensor): Layer[] => [1, 2, 3].map((i) => ({ w: t(`w${i}`), b: t(`b${i}`) }));

export const trainingOps: RefOp[] = [
  defineOp(
    {
      name: 'accuracy',
      summary: 'fraction of rows whose argmax of scores (N, C) — or prediction, for (N,) — equals labels (N,)',
      inputs: ['scores', 'labels'],
      outputs: ['accuracy'],
    },
    ({ t }) => ({ accuracy: scalar(accuracy(t('scores'), t('labels'))) }),
  ),
  defineOp(
    {
      name: 'difference',
      summary: 'out = a - b, elementwise, same shapes (an optimizer step w_new - w, compared on its own scale)',
      inputs: ['a', 'b'],
      outputs: ['out'],
    },
    ({ t }) => {
      const a = t('a'), b = t('b');
      if (a.shape.join() !== b.shape.join()) throw new Error(`difference: shapes (${a.shape}) and (${b.shape}) differ`);
      return { out: { dtype: 'float64', shape: [...a.shape], data: Float64Array.from(a.data, (v, i) => v - b.data[i]) } };
    },
  ),
  defineOp(
    {
      name: 'rescale',
      summary: 'out = x * scale + shift, as float64 (pixels 0..255 to the 0..1 a network was trained on: scale 1/255)',
      inputs: ['x', 'scale', 'shift'],
      defaults: { scale: 1, shift: 0 },
      outputs: ['out'],
    },
    ({ t, n }) => {
      const s = n('scale'), o = n('shift');
      return { out: pointwise(t('x'), (v) => v * s + o) };
    },
  ),
  defineOp(
    {
      name: 'tiny_net_forward',
      summary: "TinyNet's scores: flatten → fc → gelu → fc (the same maths as small_fc_net_forward)",
      inputs: ['x', 'fc1_w', 'fc1_b', 'fc2_w', 'fc2_b'],
      outputs: ['scores'],
    },
    ({ t }) => ({ scores: smallFcNetForward(t('x'), t('fc1_w'), t('fc1_b'), t('fc2_w'), t('fc2_b')) }),
  ),
  defineOp(
    { name: 'softmax_vector', summary: 'softmax of one vector x (C,), stable for large values', inputs: ['x'], outputs: ['out'] },
    ({ t }) => {
      const x = t('x');
      expectDims('softmax_vector', 'x', x, 1);
      return { out: f64(x.shape, softmaxVector(x.data)) };
    },
  ),
  defineOp(
    { name: 'one_hot', summary: 'out (classes,): 1 at index x, 0 elsewhere', inputs: ['x', 'classes'], outputs: ['out'] },
    ({ n, int }) => {
      const classes = int('classes', 1);
      return { out: f64([classes], oneHot(n('x'), classes)) };
    },
  ),
  defineOp(
    {
      name: 'cross_entropy_onehot',
      summary: 'loss = -sum(y_onehot * log(y_hat)) for one sample',
      inputs: ['y_onehot', 'y_hat'],
      outputs: ['loss'],
    },
    ({ t }) => {
      const y = t('y_onehot'), p = t('y_hat');
      expectShape('cross_entropy_onehot', 'y_hat', p, y.shape);
      return { loss: scalar(crossEntropyOneHot(y.data, p.data)) };
    },
  ),
  defineOp(
    {
      name: 'sigmoid_mlp_forward',
      summary: 'logits (N, C) of x (N, D) through fc → sigmoid → fc → sigmoid → fc (w_i (in, out), b_i (out))',
      inputs: ['x', ...LAYER_INPUTS],
      outputs: ['scores'],
    },
    ({ t }) => ({ scores: sigmoidMlpScores(t('x'), layersOf(t)) }),
  ),
  defineOp(
    {
      name: 'sigmoid_mlp_sample',
      summary: 'one sample x (D,) with label y: loss -log softmax(logits)[y], probs (C,), guess (one-hot of the argmax)',
      inputs: ['x', 'y', ...LAYER_INPUTS],
      outputs: ['loss', 'probs', 'guess'],
    },
    ({ t, n }) => {
      const s = sigmoidMlpStep(t('x'), n('y'), layersOf(t), 0);
      const guess = oneHot(predictions(f64([1, s.probs.length], s.probs))[0], s.probs.length);
      return { loss: scalar(s.loss), probs: f64([s.probs.length], s.probs), guess: f64([guess.length], guess) };
    },
  ),
  defineOp(
    {
      name: 'sigmoid_mlp_step',
      summary: 'one SGD step on one sample x (D,), label y, learning rate lr: the updated w1..b3 (as w1_new..b3_new), each step taken (w1_step = -lr * dw1, ...) and the loss before it',
      inputs: ['x', 'y', ...LAYER_INPUTS, 'lr'],
      outputs: ['loss', ...LAYER_INPUTS.map((k) => `${k}_new`), ...LAYER_INPUTS.map((k) => `${k}_step`)],
    },
    ({ t, n }) => {
      const lr = n('lr');
      const s = sigmoidMlpStep(t('x'), n('y'), layersOf(t), lr);
      const out: Record<string, Tensor> = { loss: scalar(s.loss) };
      s.updated.forEach((layer, i) => {
        out[`w${i + 1}_new`] = layer.w;
        out[`b${i + 1}_new`] = layer.b;
        // The step itself, not new - old: a small step would lose its digits in the subtraction.
        out[`w${i + 1}_step`] = f64(layer.w.shape, s.grads[i].w.data.map((g) => -lr * g));
        out[`b${i + 1}_step`] = f64(layer.b.shape, s.grads[i].b.data.map((g) => -lr * g));
      });
      return out;
    },
  ),
];
