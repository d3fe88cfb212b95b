import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, scalar, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import {
  dropoutBackward,
  fcBackward,
  fcForward,
  geluBackward,
  geluForward,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  smallFcNetForward,
} from '../../reference/ops/mlp.ts';
import { numericGradient, relError } from '../helpers/numgrad.ts';

/*
 * Finite-difference steps. The check is elementwise relative error, so the step is chosen per
 * op to keep the difference's own error well below 1e-7 of each gradient element:
 * - fc is linear in each argument, so central differences have no truncation error and a large
 *   step only shrinks the rounding error of the summed loss;
 * - smooth nonlinear ops use 1e-5, near the cube root of machine epsilon, where truncation and
 *   rounding errors balance;
 * - inputs stay O(1): far in gelu's negative tail 1 + tanh(u) cancels and the forward itself
 *   carries more error than the tiny gradient there can absorb.
 */
const LINEAR_STEP = 1e-3;
const SMOOTH_STEP = 1e-5;

const randn = (rng: Rng, shape: number[], scale = 1): Tensor =>
  tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));

const values = (t: Tensor): number[] => Array.from(t.data);

describe('fc_forward / fc_backward', () => {
  it('matches a 2x2 product worked by hand', () => {
    // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]] = [[19,22],[43,50]];
    // adding b = [1,-1] to every row gives [[20,21],[44,49]].
    const x = tensor([2, 2], [1, 2, 3, 4]);
    const w = tensor([2, 2], [5, 6, 7, 8]);
    const b = tensor([2], [1, -1]);
    const out = fcForward(x, w, b);
    expect(out.shape).toEqual([2, 2]);
    expect(values(out)).toEqual([20, 21, 44, 49]);

    // With dout all ones: db sums each column of ones over 2 rows = [2,2];
    // dw = x^T @ ones = column sums of x repeated = [[1+3, 1+3], [2+4, 2+4]];
    // dx = ones @ w^T = row sums of w, per row = [[5+6, 7+8], [5+6, 7+8]].
    const { dx, dw, db } = fcBackward(x, w, b, tensor([2, 2], [1, 1, 1, 1]));
    expect(values(db)).toEqual([2, 2]);
    expect(values(dw)).toEqual([4, 4, 6, 6]);
    expect(values(dx)).toEqual([11, 15, 11, 15]);
  });

  it('flattens every axis after the batch axis', () => {
    // x (2, 1, 2) is the same data as (2, 2): the result must not depend on the extra axis.
    const x = tensor([2, 1, 2], [1, 2, 3, 4]);
    const out = fcForward(x, tensor([2, 2], [5, 6, 7, 8]), tensor([2], [1, -1]));
    expect(values(out)).toEqual([20, 21, 44, 49]);
  });

  for (const xShape of [[4, 2, 3, 2], [3, 7], [1, 5]]) {
    it(`backward matches finite differences for x of shape [${xShape}]`, () => {
      const rng = new Rng(`fc/${xShape}`);
      const d = sizeOf(xShape.slice(1));
      const m = 5;
      const x = randn(rng, xShape);
      const w = randn(rng, [d, m]);
      const b = randn(rng, [m]);
      const dout = randn(rng, [xShape[0], m]);
      const { dx, dw, db } = fcBackward(x, w, b, dout);
      expect(dx.shape).toEqual(xShape);
      expect(dw.shape).toEqual([d, m]);
      expect(db.shape).toEqual([m]);
      const numeric = (f: (t: Tensor) => Tensor, at: Tensor) => numericGradient(f, at, dout, LINEAR_STEP);
      expect(relError(dx, numeric((t) => fcForward(t, w, b), x))).toBeLessThan(1e-7);
      expect(relError(dw, numeric((t) => fcForward(x, t, b), w))).toBeLessThan(1e-7);
      expect(relError(db, numeric((t) => fcForward(x, w, t), b))).toBeLessThan(1e-7);
    });
  }

  it('rejects shapes that do not fit together', () => {
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => fcForward(x, tensor([2, 2], [1, 2, 3, 4]), tensor([2], [0, 0]))).toThrow(/flattens to \(2, 3\).*needs 3 rows/);
    expect(() => fcForward(x, tensor([3, 2], [1, 2, 3, 4, 5, 6]), tensor([3], [0, 0, 0]))).toThrow(/b must have shape \[2\]/);
    expect(() => fcForward(x, tensor([6], [1, 2, 3, 4, 5, 6]), tensor([2], [0, 0]))).toThrow(/w must be 2-d/);
    expect(() => fcForward(scalar(1), tensor([1, 1], [1]), tensor([1], [0]))).toThrow(/batch axis/);
    const w = tensor([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(() => fcBackward(x, w, tensor([2], [0, 0]), tensor([2, 3], [1, 2, 3, 4, 5, 6]))).toThrow(/dout must have shape \[2,2\]/);
  });

  it('returns float64 even for float32 inputs', () => {
    const x = tensor([1, 1], [2], 'float32');
    expect(fcForward(x, tensor([1, 1], [3], 'float32'), tensor([1], [1], 'float32')).dtype).toBe('float64');
  });
});

describe('gelu', () => {
  it('has the values the formula gives at hand-picked points', () => {
    // x = 0: 0.5 * 0 * (...) = 0.
    expect(geluForward(tensor([1], [0])).data[0]).toBe(0);
    // x = +-10: the tanh argument is about +-42, where tanh is +-1 in double precision,
    // so gelu(10) = 0.5*10*2 = 10 and gelu(-10) = 0.5*(-10)*0 = 0.
    const [big, small] = geluForward(tensor([2], [10, -10])).data;
    expect(big).toBe(10);
    expect(Math.abs(small)).toBe(0);
  });

  it('satisfies gelu(x) - gelu(-x) = x', () => {
    // tanh is odd: 0.5x(1 + tanh u) + 0.5x(1 - tanh u) = x.
    const x = randn(new Rng('gelu/odd'), [20], 2);
    const pos = geluForward(x).data;
    const neg = geluForward(tensor([20], x.data.map((v) => -v))).data;
    x.data.forEach((v, i) => expect(pos[i] - neg[i]).toBeCloseTo(v, 14));
  });

  it('has slope 1/2 at 0', () => {
    // d/dx [0.5x(1 + tanh u)] at x = 0 is 0.5(1 + tanh 0) + 0 = 0.5.
    expect(geluBackward(tensor([1], [0]), tensor([1], [1])).data[0]).toBe(0.5);
  });

  it('backward matches finite differences on a non-square input', () => {
    const rng = new Rng('gelu/grad');
    const x = randn(rng, [3, 5]);
    const dout = randn(rng, [3, 5]);
    expect(relError(geluBackward(x, dout), numericGradient(geluForward, x, dout, SMOOTH_STEP))).toBeLessThan(1e-7);
  });

  it('rejects a dout of another shape', () => {
    expect(() => geluBackward(tensor([2], [1, 2]), tensor([1, 2], [1, 2]))).toThrow(/dout must have shape \[2\]/);
  });
});

describe('relu', () => {
  it('clips negatives and passes the gradient only where x > 0', () => {
    const x = tensor([4], [-1, 0, 2, 0.5]);
    expect(values(reluForward(x))).toEqual([0, 0, 2, 0.5]);
    expect(values(reluBackward(x, tensor([4], [5, 6, 7, 8])))).toEqual([0, 0, 7, 8]);
  });

  it('backward matches finite differences', () => {
    const rng = new Rng('relu/grad');
    const x = randn(rng, [4, 3]);
    const dout = randn(rng, [4, 3]);
    // Linear on each side of 0, so the linear step is exact as long as no input is within it of the kink.
    expect(Math.min(...x.data.map(Math.abs))).toBeGreaterThan(LINEAR_STEP);
    expect(relError(reluBackward(x, dout), numericGradient(reluForward, x, dout, LINEAR_STEP))).toBeLessThan(1e-7);
  });
});

describe('sigmoid', () => {
  it('has the values worked out by hand', () => {
    // s(0) = 1/(1+1); s(ln 3) = 1/(1 + 1/3) = 3/4; s(-ln 3) = 1 - 3/4.
    const [zero, ln3, minusLn3] = sigmoidForward(tensor([3], [0, Math.log(3), -Math.log(3)])).data;
    expect(zero).toBe(0.5);
    expect(ln3).toBeCloseTo(0.75, 15);
    expect(minusLn3).toBeCloseTo(0.25, 15);
    // s'(0) = s(0)(1 - s(0)) = 1/4.
    expect(sigmoidBackward(tensor([1], [0]), tensor([1], [1])).data[0]).toBe(0.25);
  });

  it('stays finite and correct for large |x|', () => {
    const x = tensor([4], [1000, -1000, 800, -800]);
    const s = sigmoidForward(x).data;
    expect(Array.from(s)).toEqual([1, 0, 1, 0]);
    const ds = sigmoidBackward(x, tensor([4], [1, 1, 1, 1])).data;
    ds.forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('keeps the tiny gradient in the tails', () => {
    // s'(x) = e^-x / (1 + e^-x)^2, which is symmetric in x; at x = 40 it is about 4.2e-18,
    // far below the rounding of 1 - s(40), so it tests that the tail is not computed as 0.
    const e = Math.exp(-40);
    const expected = e / (1 + e) ** 2;
    const [pos, neg] = sigmoidBackward(tensor([2], [40, -40]), tensor([2], [1, 1])).data;
    expect(Math.abs(pos - expected) / expected).toBeLessThan(1e-12);
    expect(Math.abs(neg - expected) / expected).toBeLessThan(1e-12);
  });

  it('satisfies s(x) + s(-x) = 1', () => {
    const x = randn(new Rng('sigmoid/sym'), [10], 5);
    const a = sigmoidForward(x).data;
    const b = sigmoidForward(tensor([10], x.data.map((v) => -v))).data;
    a.forEach((v, i) => expect(v + b[i]).toBeCloseTo(1, 15));
  });

  it('backward matches finite differences', () => {
    const rng = new Rng('sigmoid/grad');
    const x = randn(rng, [2, 6], 2);
    const dout = randn(rng, [2, 6]);
    expect(relError(sigmoidBackward(x, dout), numericGradient(sigmoidForward, x, dout, SMOOTH_STEP))).toBeLessThan(1e-7);
  });
});

describe('dropout_backward', () => {
  // A forward pass with a known mask: out = x * mask / keep_prob.
  function dropoutCase(seed: string, keepProb: number) {
    const rng = new Rng(seed);
    const x = randn(rng, [5, 4]);
    const mask = Float64Array.from({ length: 20 }, () => (rng.uniform() < keepProb ? 1 : 0));
    const forward = (t: Tensor) => tensor(t.shape, t.data.map((v, i) => (v * mask[i]) / keepProb));
    return { x, mask, forward, out: forward(x), dout: randn(rng, [5, 4]) };
  }

  it('matches finite differences of a forward pass with the same mask', () => {
    const { x, forward, out, dout, mask } = dropoutCase('dropout/grad', 0.6);
    // The case must contain both kept and dropped elements to prove anything.
    expect(mask.includes(0) && mask.includes(1)).toBe(true);
    const dx = dropoutBackward(x, out, dout, 0.6);
    expect(relError(dx, numericGradient(forward, x, dout, LINEAR_STEP))).toBeLessThan(1e-7);
  });

  it('is the identity when dropout is off (keep_prob 0 or 1)', () => {
    const rng = new Rng('dropout/off');
    const x = randn(rng, [3, 3]);
    const dout = randn(rng, [3, 3]);
    for (const p of [0, 1]) expect(values(dropoutBackward(x, x, dout, p))).toEqual(values(dout));
  });

  it('scales by 1/keep_prob where kept, worked by hand', () => {
    // keep_prob 0.5: kept elements have out = 2x != 0 and get dout / 0.5; dropped have out = 0.
    const x = tensor([3], [1, 2, 3]);
    const out = tensor([3], [2, 0, 6]);
    expect(values(dropoutBackward(x, out, tensor([3], [1, 1, 3]), 0.5))).toEqual([2, 0, 6]);
  });

  it('rejects a keep_prob outside [0, 1] and mismatched shapes', () => {
    const x = tensor([2], [1, 2]);
    expect(() => dropoutBackward(x, x, x, 1.5)).toThrow(/keep_prob must be in \[0, 1\]/);
    expect(() => dropoutBackward(x, tensor([1], [1]), x, 0.5)).toThrow(/out must have shape/);
  });
});

describe('small_fc_net_forward', () => {
  it('is fc, then gelu, then fc', () => {
    const rng = new Rng('net/compose');
    const x = randn(rng, [4, 2, 3]);
    const [w1, b1, w2, b2] = [randn(rng, [6, 5]), randn(rng, [5]), randn(rng, [5, 3]), randn(rng, [3])];
    const scores = smallFcNetForward(x, w1, b1, w2, b2);
    expect(scores.shape).toEqual([4, 3]);
    expect(values(scores)).toEqual(values(fcForward(geluForward(fcForward(x, w1, b1)), w2, b2)));
  });

  it('gives scores = fc2_b when the hidden layer is gelu(0) = 0', () => {
    // x = 0 and fc1_b = 0 make the hidden pre-activation 0, gelu(0) = 0, so only fc2_b remains.
    const scores = smallFcNetForward(
      tensor([2, 3], [0, 0, 0, 0, 0, 0]),
      tensor([3, 2], [1, 2, 3, 4, 5, 6]),
      tensor([2], [0, 0]),
      tensor([2, 2], [7, 8, 9, 10]),
      tensor([2], [-1, 4]),
    );
    expect(values(scores)).toEqual([-1, 4, -1, 4]);
  });
});
