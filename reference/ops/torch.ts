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
import { conv2dForward, maxpoolForward } from './conv.ts';
import { expectDims, expectShape, f64, fcBackward, fcForward, reluBackward, reluForward, sigmoidForward } from './layers.ts';
import { crossEntropyBackward, crossEntropyForward, softmax } from './losses.ts';

// ---- Layer algebra: parameter counts and output shapes ----

/** The shape of one example as it flows through a network: [features] or [channels, height, width]. */
type Shape = number[];

export type LayerSpec =
  | { linear: [number, number]; bias?: boolean }
  | { conv: { in: number; out: number; k: number; stride?: number; padding?: number } }
  /** Max pooling over n x n windows moved by n (torch's MaxPool2d(n): stride defaults to the kernel). */
  | { maxpool: number }
  | 'flatten'
  | 'relu'
  | 'sigmoid'
  | 'dropout';

const isActivation = (layer: LayerSpec): layer is 'relu' | 'sigmoid' => layer === 'relu' || layer === 'sigmoid';

/** Parameters a layer holds and the shape it hands on; a layer that cannot take `input` throws. */
export function layerStep(layer: LayerSpec, input: Shape): { params: number; output: Shape } {
  if (isActivation(layer) || layer === 'dropout') return { params: 0, output: input };
  if (layer === 'flatten') return { params: 0, output: [input.reduce((a, b) => a * b, 1)] };
  if ('linear' in layer) {
    const [i, o] = layer.linear;
    if (input.length !== 1 || input[0] !== i) throw new Error(`linear(${i}, ${o}) cannot take an input of shape [${input}]`);
    return { params: i * o + (layer.bias === false ? 0 : o), output: [o] };
  }
  if ('conv' in layer) {
    const { in: c, out: f, k, stride = 1, padding = 0 } = layer.conv;
    if (input.length !== 3 || input[0] !== c) throw new Error(`conv(${c} -> ${f}) cannot take an input of shape [${input}]`);
    const side = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
    if (side(input[1]) < 1 || side(input[2]) < 1) throw new Error(`conv ${k}x${k} cannot take an input of shape [${input}]`);
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

const fc = (i: number, o: number, bias = true): LayerSpec => (bias ? { linear: [i, o] } : { linear: [i, o], bias: false });
/** The handout's Conv-kxkxf: stride 1, valid padding. */
const conv = (c: number, f: number, k: number): LayerSpec => ({ conv: { in: c, out: f, k } });
const POOL: LayerSpec = { maxpool: 2 };

/**
 * The pack's models, layer by layer (assignments/torch-training/README.md describes them):
 * `model`, the MLP of the training checks, and the five architectures of METU EE449 HW1
 * (part 3) exactly as its handout lists them, PredictionLayer FC10 last and no softmax. The
 * width of each classifier's input is what the layers before it leave (summarize checks it).
 */
export const ARCHITECTURES: Record<string, { input: Shape; layers: LayerSpec[] }> = {
  model: { input: [1, 28, 28], layers: ['flatten', fc(784, 256), 'relu', fc(256, 128), 'relu', fc(128, 64), 'relu', fc(64, 10)] },
  mlp_1: { input: [1, 32, 32], layers: ['flatten', fc(1024, 32), 'relu', fc(32, 10)] },
  mlp_2: { input: [1, 32, 32], layers: ['flatten', fc(1024, 32), 'relu', fc(32, 64, false), fc(64, 10)] },
  cnn_3: {
    input: [1, 32, 32],
    layers: [conv(1, 16, 3), 'relu', conv(16, 8, 5), 'relu', POOL, conv(8, 16, 7), POOL, 'flatten', fc(16 * 3 * 3, 10)],
  },
  cnn_4: {
    input: [1, 32, 32],
    layers: [conv(1, 16, 3), 'relu', conv(16, 8, 3), 'relu', conv(8, 16, 5), 'relu', POOL, conv(16, 16, 5), 'relu', POOL, 'flatten', fc(16 * 4 * 4, 10)],
  },
  cnn_5: {
    input: [1, 32, 32],
    layers: [
      conv(1, 8, 3), 'relu', conv(8, 16, 3), 'relu', conv(16, 8, 3), 'relu', conv(8, 16, 3), 'relu', POOL,
      conv(16, 16, 3), 'relu', conv(16, 8, 3), 'relu', POOL, 'flatten', fc(8 * 4 * 4, 10),
    ],
  },
};

/** The EE449 architectures (ARCHITECTURES less the training checks' `model`). */
export const EE449 = ['mlp_1', 'mlp_2', 'cnn_3', 'cnn_4', 'cnn_5'] as const;

/** Part 4's `s` variants: the same layers with Sigmoid in place of every ReLU. */
export const withSigmoid = (layers: LayerSpec[]): LayerSpec[] => layers.map((l) => (l === 'relu' ? 'sigmoid' : l));

// ---- Layer tables: a network's layer sequence as numbers ----

/**
 * A layer sequence as an int64 table, one row per layer and these columns, so the probe can
 * report what a student's model is made of and the grader can compare it with the handout's.
 * Flatten (and view or reshape) has no row: it is bookkeeping the handout does not list, done
 * anywhere between the last pooling and the first FC layer. harness/checks/properties.ts
 * (layer_sequence) words the differences; probes/_ee449.py writes the same table.
 */
export const LAYER_COLUMNS = ['kind', 'in', 'out', 'k', 'stride', 'padding', 'bias', 'params'] as const;

/** Row kinds: the index is the code in the `kind` column. */
export const LAYER_KINDS = [
  'unknown', 'Linear', 'Conv2d', 'MaxPool2d', 'ReLU', 'Sigmoid', 'Tanh', 'Softmax', 'Dropout', 'BatchNorm', 'AvgPool2d',
  'another activation', 'a layer with parameters',
] as const;

/** The `padding` column's code for torch's padding="same" (a number of pixels otherwise). */
export const PADDING_SAME = -1;

const kindCode = (name: (typeof LAYER_KINDS)[number]): number => LAYER_KINDS.indexOf(name);

export function layerTable(layers: LayerSpec[], input: Shape): Tensor {
  const rows: number[][] = [];
  let shape = input;
  for (const layer of layers) {
    const step = layerStep(layer, shape);
    shape = step.output;
    if (layer === 'flatten') continue;
    if (layer === 'relu') rows.push([kindCode('ReLU'), 0, 0, 0, 0, 0, 0, 0]);
    else if (layer === 'sigmoid') rows.push([kindCode('Sigmoid'), 0, 0, 0, 0, 0, 0, 0]);
    else if (layer === 'dropout') rows.push([kindCode('Dropout'), 0, 0, 0, 0, 0, 0, 0]);
    else if ('linear' in layer) rows.push([kindCode('Linear'), layer.linear[0], layer.linear[1], 0, 0, 0, layer.bias === false ? 0 : 1, step.params]);
    else if ('conv' in layer) {
      const { in: c, out: f, k, stride = 1, padding = 0 } = layer.conv;
      rows.push([kindCode('Conv2d'), c, f, k, stride, padding, 1, step.params]);
    } else rows.push([kindCode('MaxPool2d'), 0, 0, layer.maxpool, layer.maxpool, 0, 0, 0]);
  }
  return tensor([rows.length, LAYER_COLUMNS.length], rows.flat(), 'int64');
}

// ---- A forward pass through a layer list, with the weights the grader sets ----

/**
 * Scores of a layer list for a batch x (N, C, H, W) and one flat vector of parameters `theta`:
 * each Linear or Conv2d layer in order takes its weight in torch's layout ((out, in) or
 * (out, in, k, k), row-major) and then its bias, if it has one. Convolution and pooling run in
 * NHWC on the numpy packs' proved ops (conv.ts, pool.ts); the activations are turned back to
 * NCHW before a flatten, so the features reach the classifier in torch's order.
 */
export function sequentialForward(layers: LayerSpec[], input: Shape, x: Tensor, theta: Tensor): Tensor {
  const op = 'sequential_forward';
  const { params } = summarize(layers, input);
  if (theta.shape.length !== 1 || theta.data.length !== params) {
    throw new Error(`${op}: theta has shape [${theta.shape}]; these layers take ${params} parameters`);
  }
  if (x.shape.length !== 4 || x.shape.slice(1).join() !== input.join()) {
    throw new Error(`${op}: x must have shape [N, ${input}], got [${x.shape}]`);
  }
  let at = 0;
  const take = (shape: number[]): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = f64(shape, Float64Array.from(theta.data.subarray(at, at + n)));
    at += n;
    return t;
  };
  let a = nchwToNhwc(x);
  let spatial = true;
  for (const layer of layers) {
    if (layer === 'relu') a = reluForward(a);
    else if (layer === 'sigmoid') a = sigmoidForward(a);
    else if (layer === 'dropout') continue;
    else if (layer === 'flatten') {
      if (spatial) a = nchwFlat(a);
      spatial = false;
    } else if ('linear' in layer) {
      const [i, o] = layer.linear;
      const w = take([o, i]);
      const b = layer.bias === false ? f64([o], new Float64Array(o)) : take([o]);
      a = fcForward(a, fcWeight(w), b);
    } else if ('conv' in layer) {
      const { in: c, out: f, k, stride = 1, padding = 0 } = layer.conv;
      const w = take([f, c, k, k]);
      a = conv2dForward(a, torchConvWeight(w), take([f]), stride, padding);
    } else a = maxpoolForward(a, layer.maxpool, layer.maxpool);
  }
  return a;
}

function nchwToNhwc(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) {
    out[((i * h + r) * w + col) * c + ch] = x.data[((i * c + ch) * h + r) * w + col];
  }
  return f64([n, h, w, c], out);
}

/** NHWC activations flattened the way torch flattens NCHW ones: channel, then row, then column. */
function nchwFlat(a: Tensor): Tensor {
  const [n, h, w, c] = a.shape;
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) for (let ch = 0; ch < c; ch++) {
    out[i * c * h * w + (ch * h + r) * w + col] = a.data[((i * h + r) * w + col) * c + ch];
  }
  return f64([n, c * h * w], out);
}

/** A torch Conv2d weight (out, in, kh, kw) as the (kh, kw, in, out) kernel conv2d_forward takes. */
function torchConvWeight(w: Tensor): Tensor {
  const [f, c, kh, kw] = w.shape;
  const out = new Float64Array(w.data.length);
  for (let o = 0; o < f; o++) for (let i = 0; i < c; i++) for (let r = 0; r < kh; r++) for (let s = 0; s < kw; s++) {
    out[((r * kw + s) * c + i) * f + o] = w.data[((o * c + i) * kh + r) * kw + s];
  }
  return f64([kh, kw, c, f], out);
}

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

const modelName = (name: string) => (name === 'model' ? 'Model' : name);

const summaryOp = (name: string): RefOp => defineOp(
  {
    name: `${name}_summary`,
    summary: `parameter count and output shape of the torch-training pack's ${modelName(name)} on a batch of ${ARCHITECTURES[name].input.join('x')} images`,
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

const layersOp = (name: string): RefOp => defineOp(
  {
    name: `${name}_layers`,
    summary: `the layer table (${LAYER_COLUMNS.join(', ')}) of EE449's ${name}, flatten left out`,
    inputs: [],
    outputs: ['layers'],
  },
  () => {
    const arch = ARCHITECTURES[name];
    return { layers: layerTable(arch.layers, arch.input) };
  },
);

const forwardOp = (name: string): RefOp => defineOp(
  {
    name: `${name}_forward`,
    summary: `scores of EE449's ${name} for images x (N, 1, 32, 32) with parameters theta: each Linear/Conv2d layer in order, its weight (torch layout) then its bias`,
    inputs: ['x', 'theta'],
    outputs: ['scores'],
  },
  ({ t }) => {
    const arch = ARCHITECTURES[name];
    return { scores: sequentialForward(arch.layers, arch.input, t('x'), t('theta')) };
  },
);

export const torchOps: RefOp[] = [
  ...Object.keys(ARCHITECTURES).map(summaryOp),
  ...EE449.flatMap((name) => [layersOp(name), forwardOp(name)]),
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
