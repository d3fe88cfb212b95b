/**
 * Softmax and softmax cross-entropy over the last axis of (N, C) logits. Everything goes through
 * the row maximum so logits of +-1000 stay finite: exp is only ever taken of numbers <= 0.
 */
import { type Tensor, scalar } from '../../harness/tensor/tensor.ts';
import { expectDims, expectShape, f64 } from './layers.ts';

/**
 * z - max(z) for one row. Working from the shifted row keeps every exp argument <= 0 (no
 * overflow) and keeps the numbers small: exp(z - logsumexp(z)) would round logsumexp at the
 * magnitude of z, so softmax([1000, 1000]) would come out as 0.5000000000000275, not 0.5.
 */
function shifted(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  return z.map((v) => v - max);
}

/** log sum_j exp(s_j) of a shifted row: the sum includes exp(0) = 1, so the log is finite. */
const logSumExp = (s: Float64Array): number => Math.log(s.reduce((acc, v) => acc + Math.exp(v), 0));

function eachRow(x: Tensor, f: (row: Float64Array, n: number) => void): void {
  const [n, c] = x.shape;
  for (let i = 0; i < n; i++) f(x.data.subarray(i * c, (i + 1) * c), i);
}

function checkLogits(op: string, name: string, x: Tensor): { n: number; c: number } {
  expectDims(op, name, x, 2);
  const [n, c] = x.shape;
  if (c < 1) throw new Error(`${op}: ${name} needs at least one class, got shape [${x.shape}]`);
  return { n, c };
}

function checkLabels(op: string, logits: Tensor, labels: Tensor): { n: number; c: number } {
  const { n, c } = checkLogits(op, 'logits', logits);
  if (n < 1) throw new Error(`${op}: logits need at least one row, got shape [${logits.shape}]`);
  expectShape(op, 'labels', labels, [n]);
  labels.data.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= c) {
      throw new Error(`${op}: labels[${i}] = ${y} is not a class index in [0, ${c})`);
    }
  });
  return { n, c };
}

/** softmax(z)_j = exp(z_j - max z) / sum_k exp(z_k - max z), row by row. */
export function softmax(x: Tensor): Tensor {
  checkLogits('softmax', 'x', x);
  const out = new Float64Array(x.data.length);
  eachRow(x, (row, i) => {
    const e = shifted(row).map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[i * row.length + j] = v / sum));
  });
  return f64(x.shape, out);
}

/**
 * -log softmax(z)[y] = logsumexp(z) - z[y], summed over rows, averaged when sizeAverage. Both
 * terms are taken from the shifted row (the max cancels), so large logits lose no digits.
 */
export function crossEntropyForward(logits: Tensor, labels: Tensor, sizeAverage = true): Tensor {
  const { n } = checkLabels('cross_entropy_forward', logits, labels);
  let loss = 0;
  eachRow(logits, (row, i) => {
    const s = shifted(row);
    loss += logSumExp(s) - s[labels.data[i]];
  });
  return scalar(sizeAverage ? loss / n : loss);
}

/** d/dz of logsumexp(z) - z[y] is softmax(z) - onehot(y); the average carries its 1/N. */
export function crossEntropyBackward(logits: Tensor, labels: Tensor, sizeAverage = true): Tensor {
  const { n, c } = checkLabels('cross_entropy_backward', logits, labels);
  const d = softmax(logits).data;
  for (let i = 0; i < n; i++) d[i * c + labels.data[i]] -= 1;
  if (sizeAverage) d.forEach((v, k) => (d[k] = v / n));
  return f64(logits.shape, d);
}
