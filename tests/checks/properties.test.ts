import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../harness/checks/properties.ts';
import { tensor } from '../../harness/tensor/tensor.ts';

describe('the minimizer property', () => {
  const judge = (x: number[], f: number) =>
    PROPERTIES.minimizer({ x: tensor([2, 1], x), f, f_min: 0, tol: 1e-5, far: 1, label: "fminunc's result" });

  it('passes a point where f is within the bar of its minimum', () => {
    expect(judge([1.9999964, 3.9999856], 1.3e-11)).toEqual({
      passed: true, value: 1.3e-11, bar: 1e-5, message: "fminunc's result [2, 3.99999]: f = 1.30e-11, within 1.00e-5 of the minimum 0",
    });
  });

  it('says a solver that ran off, or settled far from the minimum, minimized a wrong f', () => {
    for (const [x, f] of [[[1e12, -3e5], 1e49], [[Infinity, 0], Infinity], [[NaN, NaN], NaN], [[2, 2], 40]] as [number[], number][]) {
      const r = judge(x, f);
      expect(r.passed).toBe(false);
      expect(r.message).toMatch(/far from the minimum 0: the solver minimized a wrong f \(is the objective it was given the f of the exercise\?\)$/);
    }
    expect(judge([1e12, -3e5], 1e49).message).toMatch(/^fminunc's result \[1\.00e12, -3\.00e5\]: f = 1\.00e49 there/);
  });

  it('says a point near the minimum that misses the bar stopped short', () => {
    expect(judge([1.99, 3.96], 1e-3).message).toBe("fminunc's result [1.99, 3.96]: f = 0.001, above the minimum 0 by 0.001 (bar 1.00e-5): the solver stopped short of the minimizer (tolerances or iteration limits too loose?)");
  });
});
