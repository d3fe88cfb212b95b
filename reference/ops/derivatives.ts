/**
 * The numbers behind the written questions on derivatives (pack optimization-matlab): how the
 * error of a finite difference depends on its step h, and how finite differences, automatic
 * differentiation and the symbolic derivative compare, all for df/dx1 of the quartic valley.
 * Computed in float64, the arithmetic the students' Octave uses, so an answer read off their
 * own experiment is the answer here.
 */
import { type Tensor, scalar, tensor } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';
import { defineOp, expectDims, expectFinite, expectShape } from './args.ts';
import { quarticValley, quarticValleyGrad } from './optimization.ts';

/** (f(x1 + h, x2) - f(x1 - h, x2)) / 2h: error O(h^2) from truncation, O(eps |f| / h) from rounding. */
export const centralDifference = (x1: number, x2: number, h: number): number =>
  (quarticValley(x1 + h, x2) - quarticValley(x1 - h, x2)) / (2 * h);

/** (f(x1 + h, x2) - f(x1, x2)) / h: error O(h) from truncation, O(eps |f| / h) from rounding. */
export const forwardDifference = (x1: number, x2: number, h: number): number =>
  (quarticValley(x1 + h, x2) - quarticValley(x1, x2)) / h;

/** A dual number v + d ε with ε² = 0: carrying d through each operation is forward-mode AD. */
type Dual = [value: number, derivative: number];
const constant = (c: number): Dual => [c, 0];
const sub = ([a, da]: Dual, [b, db]: Dual): Dual => [a - b, da - db];
const add = ([a, da]: Dual, [b, db]: Dual): Dual => [a + b, da + db];
const mul = ([a, da]: Dual, [b, db]: Dual): Dual => [a * b, da * b + a * db];

/**
 * df/dx1 by forward-mode automatic differentiation: f's own program, (2 - x1)^2 + 10 (x2 - x1^2)^2,
 * run on dual numbers with x1 seeded with derivative 1. No formula for the derivative is written
 * anywhere, and no step is taken: the chain rule is applied to each operation's numbers.
 */
export function dualNumberDx1(x1: number, x2: number): number {
  const u: Dual = [x1, 1];
  const v = constant(x2);
  const a = sub(constant(2), u);
  const b = sub(v, mul(u, u));
  return add(mul(a, a), mul(constant(10), mul(b, b)))[1];
}

function pointOf(op: string, t: Tensor): [number, number] {
  expectShape(op, 'x', t, [2]);
  expectFinite(op, 'x', t);
  return [t.data[0], t.data[1]];
}

export const derivativeOps: RefOp[] = [
  defineOp(
    {
      name: 'central_difference_errors',
      summary: '|central difference - df/dx1| of the quartic valley at x (2,) for each step in hs (k,); the best, smallest and largest h; whether a smaller h was always better',
      inputs: ['x', 'hs'],
      outputs: ['errors', 'best_h', 'smallest_h', 'largest_h', 'smaller_always_better'],
    },
    (a) => {
      const [x1, x2] = pointOf('central_difference_errors', a.t('x'));
      const hs = a.t('hs');
      expectDims('central_difference_errors', 'hs', hs, 1);
      if (hs.data.length < 2 || hs.data.some((h) => !(h > 0) || !Number.isFinite(h))) throw new Error('central_difference_errors: hs must hold at least two positive steps');
      const exact = quarticValleyGrad(x1, x2)[0];
      const errors = hs.data.map((h) => Math.abs(centralDifference(x1, x2, h) - exact));
      const best = errors.indexOf(Math.min(...errors));
      // From the largest step down: did every smaller step give a smaller error?
      const order = [...hs.data.keys()].sort((i, j) => hs.data[j] - hs.data[i]);
      const smallerAlwaysBetter = order.every((i, k) => k === 0 || errors[i] < errors[order[k - 1]]);
      return {
        errors: tensor([hs.data.length], errors),
        best_h: scalar(hs.data[best]),
        smallest_h: scalar(Math.min(...hs.data)),
        largest_h: scalar(Math.max(...hs.data)),
        smaller_always_better: scalar(smallerAlwaysBetter ? 1 : 0, 'bool'),
      };
    },
  ),
  defineOp(
    {
      name: 'derivative_method_errors',
      summary: '|approximation - df/dx1| at x (2,) for [central difference at h_central, forward difference at h_forward, forward-mode AD]; the 1-based index of the most accurate; whether AD is exact to rounding',
      inputs: ['x', 'h_central', 'h_forward'],
      outputs: ['errors', 'most_accurate', 'automatic_exact'],
    },
    (a) => {
      const [x1, x2] = pointOf('derivative_method_errors', a.t('x'));
      const exact = quarticValleyGrad(x1, x2)[0];
      const approximations = [centralDifference(x1, x2, a.n('h_central')), forwardDifference(x1, x2, a.n('h_forward')), dualNumberDx1(x1, x2)];
      const errors = approximations.map((d) => Math.abs(d - exact));
      // Exact to rounding: within a few ulps of the symbolic value.
      const automaticExact = errors[2] <= 4 * Number.EPSILON * Math.max(1, Math.abs(exact));
      return {
        errors: tensor([3], errors),
        most_accurate: scalar(errors.indexOf(Math.min(...errors)) + 1),
        automatic_exact: scalar(automaticExact ? 1 : 0, 'bool'),
      };
    },
  ),
];
