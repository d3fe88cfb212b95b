/**
 * Optimiser steps and regulariser gradients, plus the two small experiments the homework uses to
 * show that weight decay equals an L2 penalty for SGD (with the right coefficient) but not for Adam.
 * Weight decay here is decoupled and not scaled by lr: w_new = (update) - weight_decay * w.
 */
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
import { matmul, transpose } from '../nd.ts';
import { expectDims, expectShape, f64, pointwise2 } from './layers.ts';

export function sgdStep(w: Tensor, dw: Tensor, lr: number, weightDecay = 0): Tensor {
  return pointwise2('sgd_step', w, 'dw', dw, (wi, gi) => wi - lr * gi - weightDecay * wi);
}

export interface AdamHyper {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/** One Adam step; t counts steps taken, so the bias corrections use the incremented t. */
export function adamStep(
  w: Tensor,
  dw: Tensor,
  m: Tensor,
  v: Tensor,
  t: number,
  { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 }: AdamHyper,
): { w: Tensor; m: Tensor; v: Tensor; t: number } {
  const op = 'adam_step';
  for (const [name, x] of [['dw', dw], ['m', m], ['v', v]] as const) expectShape(op, name, x, w.shape);
  if (!Number.isInteger(t) || t < 0) throw new Error(`${op}: t must be a step count (integer >= 0), got ${t}`);
  for (const [name, b] of [['beta1', beta1], ['beta2', beta2]] as const) {
    // beta = 1 makes the bias correction 1 - beta^t zero.
    if (!(b >= 0 && b < 1)) throw new Error(`${op}: ${name} must be in [0, 1), got ${b}`);
  }
  const tNew = t + 1;
  const mNew = pointwise2(op, m, 'dw', dw, (mi, gi) => beta1 * mi + (1 - beta1) * gi);
  const vNew = pointwise2(op, v, 'dw', dw, (vi, gi) => beta2 * vi + (1 - beta2) * gi * gi);
  const out = new Float64Array(w.data.length);
  for (let i = 0; i < out.length; i++) {
    const mHat = mNew.data[i] / (1 - beta1 ** tNew);
    const vHat = vNew.data[i] / (1 - beta2 ** tNew);
    out[i] = w.data[i] - (lr * mHat) / (Math.sqrt(vHat) + eps) - weightDecay * w.data[i];
  }
  return { w: f64(w.shape, out), m: mNew, v: vNew, t: tNew };
}

/** Gradient of lam * sum |w| added to dw; sign(0) = 0 picks the zero subgradient at the kink. */
export const l1Grad = (w: Tensor, dw: Tensor, lam: number): Tensor =>
  pointwise2('l1_grad', w, 'dw', dw, (wi, gi) => gi + lam * Math.sign(wi));

/** Gradient of lam * ||w||^2 added to dw. */
export const l2Grad = (w: Tensor, dw: Tensor, lam: number): Tensor =>
  pointwise2('l2_grad', w, 'dw', dw, (wi, gi) => gi + 2 * lam * wi);

/**
 * The L2 coefficient lam for which SGD on loss + lam ||w||^2 takes the same steps as SGD with
 * weight decay. Written against the two update rules:
 *   weight decay:  w - lr dw - weight_decay w
 *   L2 penalty:    w - lr (dw + 2 lam w) = w - lr dw - (lr 2 lam) w
 * Both are w - lr dw - c w, so they agree for every w and dw exactly when the shrink
 * coefficients c agree: lr 2 lam = weight_decay.
 */
export function l2LambdaForWeightDecay(lr: number, weightDecay: number): number {
  const decayShrink = weightDecay;
  const l2ShrinkPerLam = lr * 2;
  if (l2ShrinkPerLam === 0) {
    // With lr = 0 the L2 step never moves w: only zero weight decay can be matched (by any lam).
    if (decayShrink === 0) return 0;
    throw new Error(`l2_lambda_for_weight_decay: with lr = 0 no L2 penalty reproduces weight_decay ${weightDecay}`);
  }
  return decayShrink / l2ShrinkPerLam;
}

// ---- Weight decay against L2 on a least-squares problem ----

export interface LeastSquares {
  /** Starting weights (D,). */
  w0: Tensor;
  /** Design matrix (K, D). */
  a: Tensor;
  /** Targets (K,). */
  target: Tensor;
}

export interface CurveSettings {
  lr: number;
  weightDecay: number;
  lam: number;
  steps: number;
}

export interface Curves {
  /** (steps + 1, D): w after 0..steps steps with weight decay. */
  curveWd: Tensor;
  /** (steps + 1, D): the same with the L2 gradient instead. */
  curveL2: Tensor;
}

/** The gradient function of 0.5 ||a w - target||^2, which is a^T (a w - target). */
function leastSquaresGrad(op: string, { w0, a, target }: LeastSquares): (w: Tensor) => Tensor {
  expectDims(op, 'a', a, 2);
  const [k, d] = a.shape;
  expectShape(op, 'w0', w0, [d]);
  expectShape(op, 'target', target, [k]);
  const aT = transpose(a.data, k, d);
  return (w) => {
    const residual = matmul(a.data, w.data, k, d, 1).map((r, i) => r - target.data[i]);
    return f64([d], matmul(aT, residual, d, k, 1));
  };
}

/** w0 followed by `steps` applications of step, stacked as rows. */
function trajectory(op: string, w0: Tensor, steps: number, step: (w: Tensor) => Tensor): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`${op}: steps must be an integer >= 0, got ${steps}`);
  const d = w0.data.length;
  const out = new Float64Array((steps + 1) * d);
  let w = f64([d], Float64Array.from(w0.data));
  out.set(w.data, 0);
  for (let s = 1; s <= steps; s++) {
    w = step(w);
    out.set(w.data, s * d);
  }
  return tensor([steps + 1, d], out);
}

export function sgdCurves(problem: LeastSquares, { lr, weightDecay, lam, steps }: CurveSettings): Curves {
  const op = 'sgd_curves';
  const grad = leastSquaresGrad(op, problem);
  return {
    curveWd: trajectory(op, problem.w0, steps, (w) => sgdStep(w, grad(w), lr, weightDecay)),
    curveL2: trajectory(op, problem.w0, steps, (w) => sgdStep(w, l2Grad(w, grad(w), lam), lr, 0)),
  };
}

export function adamCurves(
  problem: LeastSquares,
  { lr, weightDecay, lam, steps, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }: CurveSettings & Omit<AdamHyper, 'lr' | 'weightDecay'>,
): Curves {
  const op = 'adam_curves';
  const grad = leastSquaresGrad(op, problem);
  // Each trajectory owns its moment estimates and step count, starting from zero.
  const adamWith = (gradient: (w: Tensor) => Tensor, decay: number) => {
    let m = f64(problem.w0.shape, new Float64Array(problem.w0.data.length));
    let v = f64(problem.w0.shape, new Float64Array(problem.w0.data.length));
    let t = 0;
    return (w: Tensor): Tensor => {
      const next = adamStep(w, gradient(w), m, v, t, { lr, beta1, beta2, eps, weightDecay: decay });
      ({ m, v, t } = next);
      return next.w;
    };
  };
  return {
    curveWd: trajectory(op, problem.w0, steps, adamWith(grad, weightDecay)),
    curveL2: trajectory(op, problem.w0, steps, adamWith((w) => l2Grad(w, grad(w), lam), 0)),
  };
}
