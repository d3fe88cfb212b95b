import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../harness/checks/properties.ts';
import { tensor } from '../../harness/tensor/tensor.ts';
import { reluNet141Residual } from '../../reference/ops/relu_fit.ts';

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

describe('the fits_data property', () => {
  // A network with three kinks inside [0, 12]; y is its own output, so theta fits exactly.
  const theta = [1, -1, 1, 0.5, -2, 6, -9, -1, 2, 3, -1.5, 1, 0.25];
  const xs = Array.from({ length: 13 }, (_, i) => i);
  const ys = Array.from(reluNet141Residual(theta, xs, new Array(13).fill(0)));
  const text = (s: string) => tensor([s.length], Array.from(s, (c) => c.charCodeAt(0)), 'uint8');
  const judge = (values: number[][], names: string) =>
    PROPERTIES.fits_data({
      thetas: tensor([values.length, 13], values.flat()), cells: tensor([values.length], values.map((_, i) => i + 2)),
      names: text(names), x: tensor([13], xs), y: tensor([13], ys), bar: 1e-6, label: 'data set 1',
    });

  it('passes when some value the notebook left reproduces y, and names it', () => {
    const r = judge([theta.map((v) => v + 1), theta], 'p0,solution');
    expect(r.passed).toBe(true);
    expect(r.message).toMatch(/^data set 1: fitted by `solution` after cell 3 \(max \|y\(x; theta\) - y\| 0/);
  });

  it('never takes the data for a fit, and says when nothing else was left', () => {
    const r = judge([xs, ys], 'x,y');
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/left no array of 13 numbers besides the data/);
  });

  it('says which packing a fit that misses would have fitted under', () => {
    // Stored as [w_h, w_o, b_h, b_o]: the middle blocks swapped.
    const stored = [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12].map((j) => theta[j]);
    const r = judge([stored], 'solution');
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/^data set 1: none of the 1 value of 13 numbers your notebook left fits it; the closest, `solution` after cell 2, misses y/);
    expect(r.message).toMatch(/`solution` after cell 2 fits it if read as \[w_h, w_o, b_h, b_o\]: the packing is \[w_h \(4\), b_h \(4\), w_o \(4\), b_o\]$/);
  });
});
