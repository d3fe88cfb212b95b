/**
 * Layers of the fully-connected-network homework. Each forward is its formula and each backward
 * its chain rule, so a reader can check the oracle against the maths line by line. Shapes are
 * checked first: a malformed case must fail loudly, never grade against a wrong answer.
 */
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
import { matmul, rows, transpose } from '../nd.ts';

// ---- Checks and builders shared with losses.ts and optim.ts ----

/** Reference outputs are float64 whatever dtype the inputs came in. */
export const f64 = (shape: readonly number[], data: Float64Array): Tensor => tensor([...shape], data);

export function expectDims(op: string, name: string, t: Tensor, ndim: number): void {
  if (t.shape.length !== ndim) throw new Error(`${op}: ${name} must be ${ndim}-d, got shape [${t.shape}]`);
}

export function expectShape(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new Error(`${op}: ${name} must have shape [${shape}], got [${t.shape}]`);
  }
}

/** f at every element of x. */
export function pointwise(x: Tensor, f: (v: number) => number): Tensor {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
  return f64(x.shape, out);
}

/** f at every element of a and b; b (named bName in errors) must have a's shape. */
export function pointwise2(
  op: string,
  a: Tensor,
  bName: string,
  b: Tensor,
  f: (x: number, y: number) => number,
): Tensor {
  expectShape(op, bName, b, a.shape);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
  return f64(a.shape, out);
}

// ---- Fully connected (affine) layer ----

/** The sizes of out = x.reshape(N, D) @ w + b, after checking they fit together. */
function affineShapes(op: string, x: Tensor, w: Tensor, b: Tensor): { n: number; d: number; m: number } {
  if (x.shape.length < 1) throw new Error(`${op}: x must have a batch axis, got a 0-d array`);
  expectDims(op, 'w', w, 2);
  expectDims(op, 'b', b, 1);
  const { n, d } = rows(x);
  const [wd, m] = w.shape;
  if (wd !== d) {
    throw new Error(`${op}: x of shape [${x.shape}] flattens to (${n}, ${d}) but w is [${w.shape}]: needs ${d} rows`);
  }
  expectShape(op, 'b', b, [m]);
  return { n, d, m };
}

export function fcForward(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const { n, d, m } = affineShapes('fc_forward', x, w, b);
  const out = matmul(x.data, w.data, n, d, m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] += b.data[j];
  return f64([n, m], out);
}

/** With X = x.reshape(N, D): dX = dout w^T, dw = X^T dout, db = sum of dout over the batch. */
export function fcBackward(x: Tensor, w: Tensor, b: Tensor, dout: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
  const { n, d, m } = affineShapes('fc_backward', x, w, b);
  expectShape('fc_backward', 'dout', dout, [n, m]);
  const dx = matmul(dout.data, transpose(w.data, d, m), n, m, d);
  const dw = matmul(transpose(x.data, n, d), dout.data, d, n, m);
  const db = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) db[j] += dout.data[i * m + j];
  return { dx: f64(x.shape, dx), dw: f64([d, m], dw), db: f64([m], db) };
}

// ---- Activations ----

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** The tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export const geluForward = (x: Tensor): Tensor =>
  pointwise(x, (v) => 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v ** 3))));

/**
 * Product rule on 0.5 x (1 + tanh u) with u = k (x + c x^3):
 *   0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) k (1 + 3 c x^2).
 */
export const geluBackward = (x: Tensor, dout: Tensor): Tensor =>
  pointwise2('gelu_backward', x, 'dout', dout, (v, g) => {
    const th = Math.tanh(GELU_K * (v + GELU_C * v ** 3));
    return g * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * GELU_K * (1 + 3 * GELU_C * v * v));
  });

export const reluForward = (x: Tensor): Tensor => pointwise(x, (v) => (v > 0 ? v : 0));

/** The kink at 0 takes gradient 0, as `dout * (x > 0)` does. */
export const reluBackward = (x: Tensor, dout: Tensor): Tensor =>
  pointwise2('relu_backward', x, 'dout', dout, (v, g) => (v > 0 ? g : 0));

/** Only ever exponentiates a non-positive number, so exp cannot overflow for any x. */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export const sigmoidForward = (x: Tensor): Tensor => pointwise(x, sigmoid);

/**
 * s (1 - s) written as s(x) s(-x): for large x, 1 - s(x) rounds to 0 while s(-x) keeps the
 * tiny true value, so the gradient stays accurate in the tails instead of collapsing to 0.
 */
export const sigmoidBackward = (x: Tensor, dout: Tensor): Tensor =>
  pointwise2('sigmoid_backward', x, 'dout', dout, (v, g) => g * sigmoid(v) * sigmoid(-v));

// ---- Dropout ----

/**
 * Inverted dropout computes out = x * mask / keep_prob with a mask the grader never sees, so the
 * mask is read back from the student's own forward output: kept where out != 0. An element whose
 * input was exactly 0 looks dropped either way; random inputs make that a measure-zero event.
 * keep_prob 0 or 1 means dropout is switched off, and then the layer is the identity.
 */
export function dropoutBackward(x: Tensor, out: Tensor, dout: Tensor, keepProb: number): Tensor {
  const op = 'dropout_backward';
  if (!(keepProb >= 0 && keepProb <= 1)) throw new Error(`${op}: keep_prob must be in [0, 1], got ${keepProb}`);
  expectShape(op, 'out', out, x.shape);
  expectShape(op, 'dout', dout, x.shape);
  if (keepProb === 0 || keepProb === 1) return pointwise(dout, (g) => g);
  return pointwise2(op, out, 'dout', dout, (o, g) => (o !== 0 ? g / keepProb : 0));
}

// ---- The two-layer network ----

/** scores = fc2(gelu(fc1(x))). */
export function smallFcNetForward(x: Tensor, fc1W: Tensor, fc1B: Tensor, fc2W: Tensor, fc2B: Tensor): Tensor {
  const hidden = geluForward(fcForward(x, fc1W, fc1B));
  return fcForward(hidden, fc2W, fc2B);
}
