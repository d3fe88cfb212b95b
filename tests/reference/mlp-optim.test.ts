import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, scalar, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import {
  adamCurves,
  adamStep,
  l1Grad,
  l2Grad,
  l2LambdaForWeightDecay,
  sgdCurves,
  sgdStep,
} from '../../reference/ops/mlp.ts';
import { numericGradient, relError } from '../helpers/numgrad.ts';

const randn = (rng: Rng, shape: number[], scale = 1): Tensor =>
  tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));

const values = (t: Tensor): number[] => Array.from(t.data);
const maxAbsDiff = (a: Tensor, b: Tensor): number => Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i])));
const zerosLike = (t: Tensor): Tensor => tensor(t.shape, new Float64Array(t.data.length));

describe('sgd_step', () => {
  it('leaves w alone with lr 0 and no weight decay', () => {
    const rng = new Rng('sgd/still');
    const w = randn(rng, [3, 4]);
    expect(values(sgdStep(w, randn(rng, [3, 4]), 0, 0))).toEqual(values(w));
  });

  it('matches a step worked by hand', () => {
    // lr 0.1, weight_decay 0.01: 1 - 0.1*0.5 - 0.01*1 = 0.94 and -2 - 0.1*4 - 0.01*(-2) = -2.38.
    const out = sgdStep(tensor([2], [1, -2]), tensor([2], [0.5, 4]), 0.1, 0.01).data;
    expect(out[0]).toBeCloseTo(0.94, 15);
    expect(out[1]).toBeCloseTo(-2.38, 15);
  });

  it('rejects a gradient of another shape', () => {
    expect(() => sgdStep(tensor([2], [1, 2]), tensor([3], [1, 2, 3]), 0.1)).toThrow(/dw must have shape \[2\]/);
  });
});

describe('adam_step', () => {
  it('moves every weight by about lr * sign(dw) on the first step', () => {
    // From m = v = 0: m1 = (1-b1) g and v1 = (1-b2) g^2, whose bias corrections undo exactly
    // those factors, so the step is lr * g / (|g| + eps) = lr * sign(g) up to eps / |g|.
    const rng = new Rng('adam/first');
    const w = randn(rng, [4, 3]);
    const dw = randn(rng, [4, 3]);
    const lr = 1e-2;
    const next = adamStep(w, dw, zerosLike(w), zerosLike(w), 0, { lr });
    expect(next.t).toBe(1);
    w.data.forEach((wi, i) => {
      expect(Math.abs(wi - next.w.data[i] - lr * Math.sign(dw.data[i]))).toBeLessThan(lr * 1e-6);
      expect(next.m.data[i]).toBeCloseTo(0.1 * dw.data[i], 15);
      expect(next.v.data[i]).toBeCloseTo(0.001 * dw.data[i] ** 2, 15);
    });
  });

  it('keeps moving by lr * sign(g) under a constant gradient', () => {
    // With g fixed, m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2, so mhat = g and vhat = g^2 at
    // every step: ten steps move w by 10 lr sign(g). This fails if t is not incremented first.
    const g = tensor([3], [0.5, -2, 3]);
    let state = { w: tensor([3], [1, 1, 1]), m: zerosLike(g), v: zerosLike(g), t: 0 };
    for (let s = 0; s < 10; s++) state = adamStep(state.w, g, state.m, state.v, state.t, { lr: 0.1 });
    expect(state.t).toBe(10);
    [1 - 1, 1 + 1, 1 - 1].forEach((w, i) => expect(Math.abs(state.w.data[i] - w)).toBeLessThan(1e-6));
  });

  it('only decays the weights when there is no gradient', () => {
    // m = v = 0 and g = 0 give mhat = 0, so the step is 0 / (0 + eps) = 0 and only -wd*w remains.
    const w = tensor([2], [2, -4]);
    const next = adamStep(w, zerosLike(w), zerosLike(w), zerosLike(w), 5, { lr: 0.1, weightDecay: 0.25 });
    expect(values(next.w)).toEqual([1.5, -3]);
  });

  it('rejects bad state and hyperparameters', () => {
    const w = tensor([2], [1, 2]);
    const z = zerosLike(w);
    expect(() => adamStep(w, z, tensor([3], [0, 0, 0]), z, 0, { lr: 1 })).toThrow(/m must have shape \[2\]/);
    expect(() => adamStep(w, z, z, z, 1.5, { lr: 1 })).toThrow(/t must be a step count/);
    expect(() => adamStep(w, z, z, z, -1, { lr: 1 })).toThrow(/t must be a step count/);
    expect(() => adamStep(w, z, z, z, 0, { lr: 1, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
  });
});

describe('l1_grad / l2_grad', () => {
  it('match values worked by hand', () => {
    // lam 0.5, w [-2, 0, 3], dw ones: L1 adds 0.5*sign(w) = [-0.5, 0, 0.5]; L2 adds 2*0.5*w = w.
    const w = tensor([3], [-2, 0, 3]);
    const dw = tensor([3], [1, 1, 1]);
    expect(values(l1Grad(w, dw, 0.5))).toEqual([0.5, 1, 1.5]);
    expect(values(l2Grad(w, dw, 0.5))).toEqual([-1, 1, 4]);
  });

  it('add the finite-difference gradient of their penalty', () => {
    const rng = new Rng('reg/grad');
    const w = randn(rng, [3, 4]);
    const dw = randn(rng, [3, 4]);
    const lam = 0.3;
    const penaltyL1 = (t: Tensor) => scalar(lam * t.data.reduce((a, v) => a + Math.abs(v), 0));
    const penaltyL2 = (t: Tensor) => scalar(lam * t.data.reduce((a, v) => a + v * v, 0));
    const added = (g: Tensor) => tensor(g.shape, g.data.map((v, i) => v - dw.data[i]));
    // Both penalties are polynomials of degree <= 2 away from w = 0, where central differences are
    // exact, so a step of 1e-3 only cuts rounding error (no weight is that close to 0).
    expect(Math.min(...w.data.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relError(added(l1Grad(w, dw, lam)), numericGradient(penaltyL1, w, scalar(1), 1e-3))).toBeLessThan(1e-7);
    expect(relError(added(l2Grad(w, dw, lam)), numericGradient(penaltyL2, w, scalar(1), 1e-3))).toBeLessThan(1e-7);
  });
});

describe('l2_lambda_for_weight_decay', () => {
  it('solves lr * 2 * lam = weight_decay', () => {
    // 1e-4 / (2 * 0.01) = 5e-3.
    expect(Math.abs(l2LambdaForWeightDecay(0.01, 1e-4) - 5e-3)).toBeLessThan(1e-18);
    expect(l2LambdaForWeightDecay(0, 0)).toBe(0);
    expect(() => l2LambdaForWeightDecay(0, 1e-4)).toThrow(/lr = 0/);
  });
});

describe('sgd_curves / adam_curves', () => {
  const rng = new Rng('curves');
  const problem = { w0: randn(rng, [3]), a: randn(rng, [5, 3]), target: randn(rng, [5]) };
  const lr = 0.01;
  const weightDecay = 1e-4;
  const lam = l2LambdaForWeightDecay(lr, weightDecay);
  const steps = 50;

  it('start at w0 and have one row per step', () => {
    for (const { curveWd, curveL2 } of [
      sgdCurves(problem, { lr, weightDecay, lam, steps }),
      adamCurves(problem, { lr, weightDecay, lam, steps }),
    ]) {
      for (const c of [curveWd, curveL2]) {
        expect(c.shape).toEqual([steps + 1, 3]);
        expect(Array.from(c.data.subarray(0, 3))).toEqual(values(problem.w0));
      }
    }
  });

  it('follow the least-squares gradient a^T (a w - target)', () => {
    // One plain SGD step is w0 - lr * grad, so (w0 - w1) / lr must be the finite-difference
    // gradient of 0.5 ||a w - target||^2 at w0.
    const { a, target, w0 } = problem;
    const loss = (w: Tensor) => {
      let s = 0;
      for (let k = 0; k < 5; k++) {
        let r = -target.data[k];
        for (let j = 0; j < 3; j++) r += a.data[k * 3 + j] * w.data[j];
        s += 0.5 * r * r;
      }
      return scalar(s);
    };
    const { curveWd } = sgdCurves(problem, { lr: 1, weightDecay: 0, lam: 0, steps: 1 });
    const step = tensor([3], w0.data.map((v, j) => v - curveWd.data[3 + j]));
    // The loss is quadratic, so central differences are exact up to rounding at any step.
    expect(relError(step, numericGradient(loss, w0, scalar(1), 1e-3))).toBeLessThan(1e-7);
  });

  it('match a one-dimensional SGD run worked by hand', () => {
    // a = [[1]], target = [0]: the gradient is w, so with lr 0.5 and weight_decay 0.1 each step
    // multiplies w by 1 - 0.5 - 0.1 = 0.4. The L2 run with lam 0.1 multiplies by
    // 1 - 0.5 * (1 + 2 * 0.1) = 0.4 too.
    const oneD = { w0: tensor([1], [1]), a: tensor([1, 1], [1]), target: tensor([1], [0]) };
    const { curveWd, curveL2 } = sgdCurves(oneD, { lr: 0.5, weightDecay: 0.1, lam: 0.1, steps: 3 });
    [1, 0.4, 0.16, 0.064].forEach((w, s) => {
      expect(curveWd.data[s]).toBeCloseTo(w, 15);
      expect(curveL2.data[s]).toBeCloseTo(w, 15);
    });
  });

  it('coincide for SGD with lam from l2_lambda_for_weight_decay', () => {
    const { curveWd, curveL2 } = sgdCurves(problem, { lr, weightDecay, lam, steps });
    expect(maxAbsDiff(curveWd, curveL2)).toBeLessThan(1e-12);
    // The agreement is specific to that lam: doubling it separates the curves.
    const off = sgdCurves(problem, { lr, weightDecay, lam: 2 * lam, steps });
    expect(maxAbsDiff(off.curveWd, off.curveL2)).toBeGreaterThan(1e-6);
  });

  it('differ for Adam with the same lam', () => {
    const { curveWd, curveL2 } = adamCurves(problem, { lr, weightDecay, lam, steps });
    expect(maxAbsDiff(curveWd, curveL2)).toBeGreaterThan(1e-6);
    // Without any regularisation the two Adam runs are the same run.
    const plain = adamCurves(problem, { lr, weightDecay: 0, lam: 0, steps });
    expect(maxAbsDiff(plain.curveWd, plain.curveL2)).toBe(0);
  });

  it('reject mismatched problems and bad step counts', () => {
    expect(() => sgdCurves({ ...problem, target: tensor([4], [0, 0, 0, 0]) }, { lr, weightDecay, lam, steps })).toThrow(
      /target must have shape \[5\]/,
    );
    expect(() => sgdCurves({ ...problem, w0: tensor([2], [0, 0]) }, { lr, weightDecay, lam, steps })).toThrow(/w0 must have shape \[3\]/);
    expect(() => adamCurves({ ...problem, a: tensor([15], new Float64Array(15)) }, { lr, weightDecay, lam, steps })).toThrow(/a must be 2-d/);
    expect(() => sgdCurves(problem, { lr, weightDecay, lam, steps: 2.5 })).toThrow(/steps must be an integer/);
  });
});
