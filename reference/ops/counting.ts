/**
 * Counting answers of the written questions: parameters of LeNet-5 and FLOPs of a conv + pool
 * block, worked out from the layers rather than quoted, so a changed question changes the answer.
 */
import { scalar } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';
import { defineOp, expectInt } from './args.ts';

type Layer =
  | { kind: 'conv'; filters: number; k: number }
  | { kind: 'pool'; size: number }
  | { kind: 'fc'; out: number };

/** LeNet-5 on a 32x32 grey image: 6@5x5 conv, 2x2 pool, 16@5x5 conv, 2x2 pool, 400→120→84→10. */
export const LENET5: { input: [number, number, number]; layers: Layer[] } = {
  input: [32, 32, 1],
  layers: [
    { kind: 'conv', filters: 6, k: 5 },
    { kind: 'pool', size: 2 },
    { kind: 'conv', filters: 16, k: 5 },
    { kind: 'pool', size: 2 },
    { kind: 'fc', out: 120 },
    { kind: 'fc', out: 84 },
    { kind: 'fc', out: 10 },
  ],
};

/**
 * Walk the layers carrying the activation shape (h, w, c): a conv has k*k*c weights per filter
 * plus one bias per filter; a fully connected layer sees everything before it flattened, with
 * in*out weights plus out biases (counted only when fcBiases, the usual slip being to forget them).
 */
export function paramCount(net: { input: [number, number, number]; layers: Layer[] }, fcBiases = true): number {
  let [h, w, c] = net.input;
  let count = 0;
  for (const layer of net.layers) {
    if (layer.kind === 'conv') {
      count += layer.k * layer.k * c * layer.filters + layer.filters;
      [h, w, c] = [h - layer.k + 1, w - layer.k + 1, layer.filters];
    } else if (layer.kind === 'pool') {
      [h, w] = [Math.floor(h / layer.size), Math.floor(w / layer.size)];
    } else {
      const inputs = h * w * c;
      count += inputs * layer.out + (fcBiases ? layer.out : 0);
      [h, w, c] = [1, 1, layer.out];
    }
  }
  return count;
}

export const paramCountLenet5 = (fcBiases = true): number => paramCount(LENET5, fcBiases);

export interface ConvPoolSpec {
  h: number; w: number; c: number;
  filters: number; k: number; stride: number; padding: number;
  pool: number; poolStride: number;
  bias: boolean;
}

/**
 * FLOPs of conv then max pool. Each conv output is a k*k*c dot product: k*k*c multiplies and
 * k*k*c - 1 adds, plus one add for the bias. Each pool output is the max of pool*pool values:
 * pool*pool - 1 comparisons.
 */
export function convPoolFlops(s: ConvPoolSpec): number {
  const op = 'conv_pool_flops';
  for (const [name, min] of [['h', 1], ['w', 1], ['c', 1], ['filters', 1], ['k', 1], ['stride', 1], ['padding', 0], ['pool', 1], ['poolStride', 1]] as const) {
    expectInt(op, name, s[name], min);
  }
  const out = (size: number, k: number, stride: number, pad: number) => Math.floor((size + 2 * pad - k) / stride) + 1;
  if (s.k > s.h + 2 * s.padding || s.k > s.w + 2 * s.padding) throw new Error(`${op}: the ${s.k}x${s.k} kernel is larger than the padded input`);
  const [ch, cw] = [out(s.h, s.k, s.stride, s.padding), out(s.w, s.k, s.stride, s.padding)];
  if (s.pool > ch || s.pool > cw) throw new Error(`${op}: pool ${s.pool} is larger than the ${ch}x${cw} conv output`);
  const [ph, pw] = [out(ch, s.pool, s.poolStride, 0), out(cw, s.pool, s.poolStride, 0)];
  const dot = s.k * s.k * s.c;
  const perConvOutput = dot + (dot - 1) + (s.bias ? 1 : 0);
  const perPoolOutput = s.pool * s.pool - 1;
  return ch * cw * s.filters * perConvOutput + ph * pw * s.filters * perPoolOutput;
}

export const countingOps: RefOp[] = [
  defineOp(
    {
      name: 'param_count_lenet5',
      summary: 'LeNet-5 parameter count (conv biases always; fully connected biases when fc_biases)',
      inputs: ['fc_biases'],
      defaults: { fc_biases: 1 },
      outputs: ['count'],
    },
    (a) => ({ count: scalar(paramCountLenet5(a.flag('fc_biases')), 'int64') }),
  ),
  defineOp(
    {
      name: 'conv_pool_flops',
      summary: 'FLOPs of a k x k conv (multiplies + adds, + bias adds when bias) and a max pool (comparisons) after it',
      inputs: ['h', 'w', 'c', 'filters', 'k', 'stride', 'padding', 'pool', 'pool_stride', 'bias'],
      defaults: { stride: 1, padding: 0, pool: 1, pool_stride: 1, bias: 1 },
      outputs: ['flops'],
    },
    (a) => {
      const flops = convPoolFlops({
        h: a.int('h', 1), w: a.int('w', 1), c: a.int('c', 1),
        filters: a.int('filters', 1), k: a.int('k', 1), stride: a.int('stride', 1), padding: a.int('padding', 0),
        pool: a.int('pool', 1), poolStride: a.int('pool_stride', 1), bias: a.flag('bias'),
      });
      return { flops: scalar(flops, 'int64') };
    },
  ),
];

/** Minibatches in one epoch of n examples (the last one may be partial) and updates over all epochs. */
export function trainingCounts(n: number, batch: number, epochs: number): { batches: number; updates: number } {
  const batches = Math.ceil(n / batch);
  return { batches, updates: batches * epochs };
}

/**
 * Mean cross-entropy of predicted probabilities p (N, C) for integer labels, in nats (base e) or
 * another base; p rows are probabilities already, so there is no softmax here.
 */
export function meanCrossEntropyOfProbabilities(p: number[][], labels: number[], base = Math.E): number {
  let total = 0;
  p.forEach((row, i) => { total -= Math.log(row[labels[i]]) / Math.log(base); });
  return total / p.length;
}

countingOps.push(
  defineOp(
    {
      name: 'training_counts',
      summary: 'minibatches per epoch ceil(n/batch) and total updates over epochs',
      inputs: ['n', 'batch', 'epochs'],
      outputs: ['batches_per_epoch', 'updates'],
    },
    (a) => {
      const c = trainingCounts(a.int('n', 1), a.int('batch', 1), a.int('epochs', 1));
      return { batches_per_epoch: scalar(c.batches, 'int64'), updates: scalar(c.updates, 'int64') };
    },
  ),
  defineOp(
    {
      name: 'mean_cross_entropy_of_probabilities',
      summary: 'mean -log_base p[n, labels[n]] of probabilities p (N, C); base e gives nats',
      inputs: ['p', 'labels', 'base'],
      defaults: { base: Math.E },
      outputs: ['loss'],
    },
    (a) => {
      const p = a.t('p'), labels = a.t('labels');
      if (p.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== p.shape[0]) throw new Error(`mean_cross_entropy_of_probabilities: p must be (N, C) and labels (N,), got [${p.shape}] and [${labels.shape}]`);
      const [n, c] = p.shape;
      const rows = Array.from({ length: n }, (_, i) => Array.from(p.data.slice(i * c, (i + 1) * c)));
      return { loss: scalar(meanCrossEntropyOfProbabilities(rows, Array.from(labels.data), a.n('base'))) };
    },
  ),
);
