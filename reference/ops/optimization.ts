/**
 * The optimization homework: the gradient of a quartic valley, gradient descent on it, and the
 * 1-4-1 ReLU network fitted exactly to a handful of points.
 */
import { type Tensor, scalar } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';
import { defineOp, expectDims, expectFinite, expectInt, expectShape, f64 } from './args.ts';
import { THETA_SIZE, fitReluNet141, reluNet141At } from './relu_fit.ts';

export * from './relu_fit.ts';

/** f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2, minimum 0 at (2, 4). */
export const quarticValley = (x1: number, x2: number): number => (2 - x1) ** 2 + 10 * (x2 - x1 ** 2) ** 2;

/** [df/dx1, df/dx2] = [-2(2 - x1) - 40 x1 (x2 - x1^2), 20 (x2 - x1^2)]. */
export const quarticValleyGrad = (x1: number, x2: number): [number, number] => [
  -2 * (2 - x1) - 40 * x1 * (x2 - x1 ** 2),
  20 * (x2 - x1 ** 2),
];

/** Past this size an iterate is treated as diverged even while it is still finite. */
export const DIVERGENCE_BOUND = 1e6;

/**
 * path[0] = x0, path[k+1] = path[k] - lr * grad(path[k]). A step size too large for the valley
 * makes the iterates blow up; that is reported in `diverged` (and the path keeps whatever values
 * the arithmetic gives, inf and nan included) rather than thrown, since showing divergence is
 * part of the exercise.
 */
export function gradientDescent(
  x0: readonly [number, number], lr: number, iters: number,
  grad: (x1: number, x2: number) => [number, number] = quarticValleyGrad,
): { path: Float64Array; diverged: boolean } {
  expectInt('gradient_descent', 'iters', iters, 0);
  if (!Number.isFinite(lr)) throw new Error(`gradient_descent: lr must be finite, got ${lr}`);
  const path = new Float64Array(2 * (iters + 1));
  [path[0], path[1]] = x0;
  for (let k = 0; k < iters; k++) {
    const [g1, g2] = grad(path[2 * k], path[2 * k + 1]);
    path[2 * k + 2] = path[2 * k] - lr * g1;
    path[2 * k + 3] = path[2 * k + 1] - lr * g2;
  }
  const diverged = path.some((v) => !Number.isFinite(v) || Math.abs(v) > DIVERGENCE_BOUND);
  return { path, diverged };
}

/**
 * A point of the plane as the solvers of a MATLAB hand-in return it: 2 values as a pair (2,), a
 * column (2, 1) or a row (1, 2). Which one is the hand-in's business; where it lies is the check's.
 */
function point(op: string, name: string, t: Tensor): [number, number] {
  const layouts = [[2], [2, 1], [1, 2]];
  if (!layouts.some((s) => s.length === t.shape.length && s.every((d, i) => d === t.shape[i]))) {
    throw new Error(`${op}: ${name} must be a point (x1, x2): 2 values as (2,), (2, 1) or (1, 2), got shape [${t.shape}]`);
  }
  return [t.data[0], t.data[1]];
}

function xyPair(op: string, name: string, t: Tensor): [number, number] {
  expectShape(op, name, t, [2]);
  expectFinite(op, name, t);
  return [t.data[0], t.data[1]];
}

export const optimizationOps: RefOp[] = [
  defineOp(
    {
      name: 'quartic_valley_f',
      summary: 'f(x1,x2) = (2-x1)^2 + 10(x2-x1^2)^2 at a point x given as (2,), (2, 1) or (1, 2); inf and nan pass through',
      inputs: ['x'],
      outputs: ['f'],
    },
    // Not finite-checked: a solver that ran off to inf is what this op is asked to evaluate.
    (a) => ({ f: scalar(quarticValley(...point('quartic_valley_f', 'x', a.t('x')))) }),
  ),
  defineOp(
    {
      name: 'quartic_valley_grad',
      summary: 'gradient of f(x1,x2) = (2-x1)^2 + 10(x2-x1^2)^2 at x (2,)',
      inputs: ['x'],
      outputs: ['g'],
    },
    (a) => ({ g: f64([2], Float64Array.from(quarticValleyGrad(...xyPair('quartic_valley_grad', 'x', a.t('x'))))) }),
  ),
  defineOp(
    {
      name: 'gradient_descent',
      summary: 'gradient descent on the quartic valley: path (iters+1, 2) from x0, and whether it diverged',
      inputs: ['x0', 'lr', 'iters'],
      outputs: ['path', 'diverged'],
    },
    (a) => {
      const iters = a.int('iters', 0);
      const { path, diverged } = gradientDescent(xyPair('gradient_descent', 'x0', a.t('x0')), a.n('lr'), iters);
      return { path: f64([iters + 1, 2], path), diverged: scalar(diverged ? 1 : 0, 'bool') };
    },
  ),
  defineOp(
    {
      name: 'relu_net_141',
      summary: 'y = b_o + sum_i w_o[i] relu(w_h[i] x + b_h[i]), theta = [w_h(4), b_h(4), w_o(4), b_o], at every x',
      inputs: ['theta', 'x'],
      outputs: ['y'],
    },
    (a) => {
      const theta = a.t('theta');
      const x = a.t('x');
      expectShape('relu_net_141', 'theta', theta, [THETA_SIZE]);
      return { y: f64(x.shape, x.data.map((v) => reluNet141At(theta.data, v))) };
    },
  ),
  defineOp(
    {
      name: 'relu_net_141_fit',
      summary: 'a theta (13,) with max |relu_net_141(theta, x) - y| <= 1e-8 (Levenberg–Marquardt, seeded restarts)',
      inputs: ['x', 'y', 'seed'],
      defaults: { seed: 0 },
      outputs: ['theta'],
    },
    (a) => {
      const x = a.t('x');
      const y = a.t('y');
      expectDims('relu_net_141_fit', 'x', x, 1);
      expectShape('relu_net_141_fit', 'y', y, x.shape);
      const seed = a.n('seed');
      if (!Number.isInteger(seed)) throw new Error(`relu_net_141_fit: seed must be an integer, got ${seed}`);
      return { theta: f64([THETA_SIZE], fitReluNet141(x.data, y.data, seed).theta) };
    },
  ),
];
