/**
 * The PyTorch homework's oracles. Its models are stacks of torch.nn layers, so the reference is
 * the same maths in torch's conventions: a Linear layer's weight is (out, in) and computes
 * x W^T + b; CrossEntropyLoss is the mean of -log softmax(z)_y; SGD moves each parameter by
 * -lr times its gradient. Parameter counts and output shapes come from a small layer algebra.
 */
import { type Tensor, scalar, tensor } from '../../harness/tensor/tensor.ts';
import { transpose } from '../nd.ts';
import type { RefOp } from '../op.ts';
import { defineOp } from './args.ts';
import { expectDims, expectShape, f64, fcBackward, fcForward, reluBackward, reluForward } from './layers.ts';
import { crossEntropyBackward, crossEntropyForward, softmax } from './losses.ts';

// ---- Layer algebra: parameter counts and output shapes ----

/** The shape of one example as it flows through a network: [features] or [channels, height, width]. */
type Shape = number[];

export type LayerSpec =
  | { linear: [number, number] }
  | { conv: { in: number; out: number; k: number; stride?: number; padding?: number } }
  | { maxpool: number }
  | 'flatten'
  | 'relu'
  | 'dropout';

/** Parameters a layer holds and the shape it hands on; a layer that cannot take `input` throws. */
export function layerStep(layer: LayerSpec, input: Shape): { params: number; output: Shape } {
  if (layer === 'relu' || layer === 'dropout') return { params: 0, output: input };
  if (layer === 'flatten') return { params: 0, output: [input.reduce((a, b) => a * b, 1)] };
  if ('linear' in layer) {
    const [i, o] = layer.linear;
    if (input.length !== 1 || input[0] !== i) throw new Error(`linear(${i}, ${o}) cannot take an input of shape [${input}]`);
    return { params: i * o + o, output: [o] };
  }
  if ('conv' in layer) {
    const { in: c, out: f, k, stride = 1, padding = 0 } = layer.conv;
    if (input.length !== 3 || input[0] !== c) throw new Error(`conv(${c} -> ${f}) cannot take an input of shape [${input}]`);
    const side = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
    return { params: k * k * c * f + f, output: [f, side(input[1]), side(input[2])] };
  }
  const p = layer.maxpool;
  if (input.length !== 3) throw new Error(`maxpool(${p}) cannot take an input of shape [${input}]`);
  return { params: 0, output: [input[0], Math.floor(input[1] / p), Math.floor(input[2] / p)] };
}

export function summarize(layers: LayerSpec[], input: Shape): { params: number; output: Shape } {
  let params = 0, shape = input;
  for (const layer of layers) {
    const step = layerStep(layer, shape);
    params += step.params;
    shape = step.output;
  }
  return { params, output: shape };
}

const block = (cIn: number, cOut: number): LayerSpec[] => [{ conv: { in: cIn, out: cOut, k: 3, padding: 1 } }, 'relu', { maxpool: 2 }];

/** The pack's models, layer by layer (assignments/torch-training/README.md describes them). */
export const ARCHITECTURES: Record<string, { input: Shape; layers: LayerSpec[] }> = {
  model: { input: [1, 28, 28], layers: ['flatten', { linear: [784, 256] }, 'relu', { linear: [256, 128] }, 'relu', { linear: [128, 64] }, 'relu', { linear: [64, 10] }] },
  mlp1: { input: [1, 32, 32], layers: ['flatten', { linear: [1024, 10] }] },
  mlp2: { input: [1, 32, 32], layers: ['flatten', { linear: [1024, 256] }, 'relu', { linear: [256, 10] }] },
  cnn3: {
    input: [1, 32, 32],
    layers: [{ conv: { in: 1, out: 16, k: 5 } }, 'relu', { maxpool: 2 }, { conv: { in: 16, out: 32, k: 5 } }, 'relu', { maxpool: 2 }, 'flatten', { linear: [800, 10] }],
  },
  cnn4: { input: [1, 32, 32], layers: [...block(1, 32), ...block(32, 64), ...block(64, 128), 'flatten', { linear: [2048, 10] }] },
  cnn5: { input: [1, 32, 32], layers: [...block(1, 32), ...block(32, 64), ...block(64, 128), 'flatten', { linear: [2048, 256] }, 'relu', { linear: [256, 10] }] },
};

// ---- Linear/ReLU stacks in torch's layout ----

export interface Linear { w: Tensor; b: Tensor }

/** A torch Linear weight (out, in) as the (in, out) matrix fc_forward multiplies by. */
const fcWeight = (w: Tensor): Tensor => f64([w.shape[1], w.shape[0]], transpose(w.data, w.shape[0], w.shape[1]));

function checkStack(op: string, x: Tensor, layers: Linear[]): void {
  let width = x.shape.slice(1).reduce((a, b) => a * b, 1);
  layers.forEach(({ w, b }, i) => {
    expectDims(op, `w${i + 1}`, w, 2);
    if (w.shape[1] !== width) throw new Error(`${op}: w${i + 1} is (${w.shape}) but its input has ${width} features (torch weights are (out, in))`);
    expectShape(op, `b${i + 1}`, b, [w.shape[0]]);
    width = w.shape[0];
  });
}

interface StackPass { inputs: Tensor[]; preacts: Tensor[]; logits: Tensor }

/** Linear, ReLU, Linear, ReLU, ..., Linear: the activations each layer saw, for the backward pass. */
function stackForward(x: Tensor, layers: Linear[]): StackPass {
  const inputs: Tensor[] = [], preacts: Tensor[] = [];
  let a = f64([x.shape[0], x.data.length / x.shape[0]], Float64Array.from(x.data));
  layers.forEach(({ w, b }, i) => {
    inputs.push(a);
    const z = fcForward(a, fcWeight(w), b);
    preacts.push(z);
    a = i < layers.length - 1 ? reluForward(z) : z;
  });
  return { inputs, preacts, logits: a };
}

export function linearStackForward(x: Tensor, layers: Linear[]): Tensor {
  checkStack('linear_relu_stack', x, layers);
  return stackForward(x, layers).logits;
}

/** d softmax(z)^T g: for p = softmax(z), dz_i = p_i (g_i - sum_j p_j g_j). */
function softmaxBackward(z: Tensor, g: Tensor): Tensor {
  const p = softmax(z);
  const [n, c] = z.shape;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let j = 0; j < c; j++) dot += p.data[i * c + j] * g.data[i * c + j];
    for (let j = 0; j < c; j++) out[i * c + j] = p.data[i * c + j] * (g.data[i * c + j] - dot);
  }
  return f64([n, c], out);
}

/** How a training epoch may go wrong, for the messages that name the mistake. */
export interface EpochVariant {
  /** Gradients are never zeroed: each step uses the sum of every batch's gradient so far. */
  accumulate?: boolean;
  /** The loss is CrossEntropyLoss(softmax(logits)), softmax applied twice over. */
  softmaxFirst?: boolean;
}

/**
 * One epoch of SGD over batches taken in order (no shuffling): per batch, the mean
 * cross-entropy of the logits, its gradient by the chain rule through the stack, and
 * p <- p - lr * grad. Returns the parameters after the epoch and the mean of the batch losses.
 */
export function sgdEpoch(x: Tensor, labels: Tensor, layers: Linear[], lr: number, batch: number, variant: EpochVariant = {}): { layers: Linear[]; meanLoss: number } {
  const op = 'torch_mlp_sgd_epoch';
  checkStack(op, x, layers);
  const n = x.shape[0];
  expectShape(op, 'labels', labels, [n]);
  const d = x.data.length / n;
  let params = layers.map(({ w, b }) => ({ w: f64(w.shape, Float64Array.from(w.data)), b: f64(b.shape, Float64Array.from(b.data)) }));
  let held: Linear[] | undefined; // the .grad buffers when they are never zeroed
  let lossSum = 0, batches = 0;
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    const xb = f64([m, d], x.data.slice(start * d, (start + m) * d));
    const yb = tensor([m], labels.data.slice(start, start + m), 'int64');
    const pass = stackForward(xb, params);
    const z = variant.softmaxFirst ? softmax(pass.logits) : pass.logits;
    lossSum += crossEntropyForward(z, yb, true).data[0];
    batches++;
    let g = crossEntropyBackward(z, yb, true);
    if (variant.softmaxFirst) g = softmaxBackward(pass.logits, g);
    const grads: Linear[] = new Array(params.length);
    for (let l = params.length - 1; l >= 0; l--) {
      if (l < params.length - 1) g = reluBackward(pass.preacts[l], g);
      const { dx, dw, db } = fcBackward(pass.inputs[l], fcWeight(params[l].w), params[l].b, g);
      grads[l] = { w: fcWeight(dw), b: db };
      g = dx;
    }
    if (variant.accumulate) {
      held = held ? held.map((h, l) => ({ w: add(h.w, grads[l].w), b: add(h.b, grads[l].b) })) : grads;
    }
    const step = variant.accumulate ? held! : grads;
    params = params.map((p, l) => ({ w: axpy(p.w, -lr, step[l].w), b: axpy(p.b, -lr, step[l].b) }));
  }
  return { layers: params, meanLoss: batches ? lossSum / batches : 0 };
}

const add = (a: Tensor, b: Tensor): Tensor => f64(a.shape, a.data.map((v, i) => v + b.data[i]));
const axpy = (y: Tensor, a: number, x: Tensor): Tensor => f64(y.shape, y.data.map((v, i) => v + a * x.data[i]));

// ---- Early stopping and the learning-rate schedule ----

/**
 * Early stopping on a validation curve: an epoch improves when its loss is strictly below the
 * best so far; training stops after `patience` epochs in a row without improvement. Returns the
 * number of epochs run and the (1-based) epoch whose weights should be kept.
 */
export function earlyStopping(curve: ArrayLike<number>, patience: number): { epochsRun: number; bestEpoch: number } {
  let best = Infinity, bestEpoch = 0, bad = 0;
  for (let e = 0; e < curve.length; e++) {
    if (curve[e] < best) {
      best = curve[e];
      bestEpoch = e + 1;
      bad = 0;
    } else if (++bad >= patience) {
      return { epochsRun: e + 1, bestEpoch };
    }
  }
  return { epochsRun: curve.length, bestEpoch };
}

/**
 * The rate of every optimizer step of a step schedule: lr, times gamma at each milestone passed.
 * The schedule counts epochs; stepped per batch by mistake, it counts batches instead.
 */
export function stepSchedule(epochs: number, stepsPerEpoch: number, lr: number, milestones: number[], gamma: number, perBatch = false): Float64Array {
  const out = new Float64Array(epochs * stepsPerEpoch);
  for (let e = 0; e < epochs; e++) {
    for (let s = 0; s < stepsPerEpoch; s++) {
      const count = perBatch ? e * stepsPerEpoch + s : e;
      const passed = milestones.filter((m) => count >= m).length;
      out[e * stepsPerEpoch + s] = lr * gamma ** passed;
    }
  }
  return out;
}

// ---- The ops ----

const LAYER_NAMES = [1, 2, 3, 4].flatMap((i) => [`w${i}`, `b${i}`]);
const SGD_INPUTS = ['x', 'labels', 'lr', 'batch_size', 'accumulate', 'softmax_first', ...LAYER_NAMES];

/** w1, b1, w2, b2, ... as given: a stack has as many layers as consecutive weights are given. */
function stackOf(op: string, given: Record<string, Tensor>): Linear[] {
  const layers: Linear[] = [];
  for (let i = 1; given[`w${i}`]; i++) {
    if (!given[`b${i}`]) throw new Error(`${op}: w${i} is given without b${i}`);
    layers.push({ w: given[`w${i}`], b: given[`b${i}`] });
  }
  if (!layers.length) throw new Error(`${op}: no layers (give w1, b1, ...)`);
  return layers;
}

function known(op: string, given: Record<string, Tensor>, names: string[]): void {
  for (const k of Object.keys(given)) if (!names.includes(k)) throw new Error(`${op}: unknown input '${k}' (expects ${names.join(', ')})`);
}

const layerOutputs = (layers: Linear[]): Record<string, Tensor> =>
  Object.fromEntries(layers.flatMap((l, i) => [[`w${i + 1}`, l.w], [`b${i + 1}`, l.b]]));

const summaryOp = (name: string): RefOp => defineOp(
  {
    name: `${name}_summary`,
    summary: `parameter count and output shape of the torch-training pack's ${name === 'model' ? 'Model' : name.toUpperCase()} on a batch of ${ARCHITECTURES[name].input.join('x')} images`,
    inputs: ['batch'],
    defaults: { batch: 1 },
    outputs: ['params', 'out_shape'],
  },
  ({ int }) => {
    const arch = ARCHITECTURES[name];
    const { params, output } = summarize(arch.layers, arch.input);
    return { params: scalar(params, 'int64'), out_shape: tensor([output.length + 1], [int('batch', 1), ...output], 'int64') };
  },
);

export const torchOps: RefOp[] = [
  ...Object.keys(ARCHITECTURES).map(summaryOp),
  {
    name: 'linear_relu_stack',
    summary: 'logits of Linear, ReLU, ..., Linear with torch (out, in) weights w1, b1, ... (up to 4 layers); x (N, ...) is flattened',
    inputs: ['x', ...LAYER_NAMES],
    optional: LAYER_NAMES.slice(2),
    outputs: ['scores'],
    run(given) {
      known('linear_relu_stack', given, ['x', ...LAYER_NAMES]);
      if (!given.x) throw new Error("linear_relu_stack: missing input 'x'");
      return { scores: linearStackForward(given.x, stackOf('linear_relu_stack', given)) };
    },
  },
  {
    name: 'torch_mlp_sgd_epoch',
    summary: 'one epoch of SGD (CrossEntropyLoss, batches in order) on a Linear/ReLU stack: w1, b1, ... after it and the mean batch loss; accumulate: gradients never zeroed; softmax_first: softmax before the loss',
    inputs: SGD_INPUTS,
    optional: LAYER_NAMES.slice(2),
    defaults: { accumulate: 0, softmax_first: 0 },
    outputs: [...LAYER_NAMES, 'mean_loss'],
    run(given) {
      const op = 'torch_mlp_sgd_epoch';
      known(op, given, SGD_INPUTS);
      const one = (k: string, fallback?: number): number => {
        const t = given[k];
        if (!t) {
          if (fallback === undefined) throw new Error(`${op}: missing input '${k}'`);
          return fallback;
        }
        if (t.data.length !== 1) throw new Error(`${op}: ${k} must be a scalar`);
        return t.data[0];
      };
      if (!given.x || !given.labels) throw new Error(`${op}: needs x and labels`);
      const batch = one('batch_size');
      if (!Number.isInteger(batch) || batch < 1) throw new Error(`${op}: batch_size must be a whole number >= 1, got ${batch}`);
      const r = sgdEpoch(given.x, given.labels, stackOf(op, given), one('lr'), batch, { accumulate: one('accumulate', 0) === 1, softmaxFirst: one('softmax_first', 0) === 1 });
      return { ...layerOutputs(r.layers), mean_loss: scalar(r.meanLoss) };
    },
  },
  defineOp(
    {
      name: 'early_stopping',
      summary: 'epochs run and the best epoch (1-based) of early stopping on a validation-loss curve with the given patience (strict improvement)',
      inputs: ['curve', 'patience'],
      defaults: { patience: 2 },
      outputs: ['epochs_run', 'best_epoch'],
    },
    ({ t, int }) => {
      const curve = t('curve');
      expectDims('early_stopping', 'curve', curve, 1);
      const r = earlyStopping(curve.data, int('patience', 1));
      return { epochs_run: scalar(r.epochsRun, 'int64'), best_epoch: scalar(r.bestEpoch, 'int64') };
    },
  ),
  defineOp(
    {
      name: 'step_schedule',
      summary: 'learning rate of each optimizer step under a step schedule: lr x gamma per milestone epoch passed (per_batch: the schedule stepped after every batch by mistake)',
      inputs: ['epochs', 'steps_per_epoch', 'lr', 'milestone1', 'milestone2', 'gamma', 'per_batch'],
      defaults: { gamma: 0.1, per_batch: 0 },
      outputs: ['lr_per_step'],
    },
    ({ int, n, flag }) => ({
      lr_per_step: tensor([int('epochs', 1) * int('steps_per_epoch', 1)], stepSchedule(int('epochs', 1), int('steps_per_epoch', 1), n('lr'), [int('milestone1', 0), int('milestone2', 0)], n('gamma'), flag('per_batch'))),
    }),
  ),
];
