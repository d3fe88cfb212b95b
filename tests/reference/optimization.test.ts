import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, scalar, tensor } from '../../harness/tensor/tensor.ts';
import {
  type FitOptions,
  DIVERGENCE_BOUND,
  fitReluNet141,
  gradientDescent,
  kinkCandidates,
  optimizationOps,
  quarticValley,
  quarticValleyGrad,
  reluNet141At,
} from '../../reference/ops/optimization.ts';
import { numericGradient, relError } from '../helpers/numgrad.ts';

const op = (name: string) => {
  const found = optimizationOps.find((o) => o.name === name);
  if (!found) throw new Error(`no op ${name}`);
  return found;
};
const vec = (...v: number[]): Tensor => tensor([v.length], v);

describe('quartic_valley_grad', () => {
  it('is [602, -100] at (3, 4) and zero at the minimum (2, 4)', () => {
    expect(quarticValleyGrad(3, 4)).toEqual([602, -100]);
    expect(quarticValleyGrad(2, 4).map(Math.abs)).toEqual([0, 0]);
    expect(Array.from(op('quartic_valley_grad').run({ x: vec(3, 4) }).g.data)).toEqual([602, -100]);
  });

  it('matches finite differences of f at random points', () => {
    const rng = new Rng('quartic');
    const f = (t: Tensor) => tensor([1], [quarticValley(t.data[0], t.data[1])]);
    for (let trial = 0; trial < 20; trial++) {
      const x = vec(3 * rng.normal(), 3 * rng.normal());
      const num = numericGradient(f, x, vec(1));
      expect(relError(Float64Array.from(quarticValleyGrad(x.data[0], x.data[1])), num)).toBeLessThan(1e-7);
    }
  });

  it('rejects an x that is not a pair', () => {
    expect(() => op('quartic_valley_grad').run({ x: vec(1, 2, 3) })).toThrow(/x must have shape \[2\]/);
  });
});

describe('quartic_valley_f', () => {
  it('is 0 at (2, 4), where its gradient vanishes, and positive elsewhere', () => {
    const f = (x: Tensor) => op('quartic_valley_f').run({ x }).f;
    expect(f(vec(2, 4))).toEqual(scalar(0));
    expect(quarticValleyGrad(2, 4).map(Math.abs)).toEqual([0, 0]);
    // (3, 4): (2 - 3)^2 + 10 (4 - 9)^2 = 1 + 250.
    expect(f(vec(3, 4)).data[0]).toBe(251);
    const rng = new Rng('quartic-f');
    for (let trial = 0; trial < 50; trial++) {
      const [a, b] = [2 + 3 * rng.normal(), 4 + 3 * rng.normal()];
      expect(f(vec(a, b)).data[0]).toBeGreaterThan(0);
      // The grad op is the derivative of this f: a central difference of f agrees with it.
      const h = 1e-6;
      const d1 = (f(vec(a + h, b)).data[0] - f(vec(a - h, b)).data[0]) / (2 * h);
      expect(relError(Float64Array.of(d1), Float64Array.of(quarticValleyGrad(a, b)[0]))).toBeLessThan(1e-6);
    }
  });

  it('takes the point as a pair, a column or a row, and nothing else', () => {
    for (const shape of [[2], [2, 1], [1, 2]]) expect(op('quartic_valley_f').run({ x: tensor(shape, [3, 4]) }).f.data[0]).toBe(251);
    expect(() => op('quartic_valley_f').run({ x: tensor([2, 2], [1, 2, 3, 4]) })).toThrow(/x must be a point \(x1, x2\): 2 values as \(2,\), \(2, 1\) or \(1, 2\), got shape \[2,2\]/);
  });

  it('evaluates where a solver ran off to, overflow included', () => {
    expect(op('quartic_valley_f').run({ x: vec(1e12, -3e5) }).f.data[0]).toBeGreaterThan(1e48);
    expect(op('quartic_valley_f').run({ x: vec(1e200, 0) }).f.data[0]).toBe(Infinity);
    expect(op('quartic_valley_f').run({ x: vec(NaN, 0) }).f.data[0]).toBeNaN();
  });
});

describe('gradient_descent', () => {
  /** The same iteration written independently, with the gradient multiplied out:
   *  df/dx1 = 2 x1 - 4 + 40 x1^3 - 40 x1 x2, df/dx2 = 20 x2 - 20 x1^2. */
  function byHand(x0: [number, number], lr: number, iters: number): number[] {
    let [a, b] = x0;
    const path = [a, b];
    for (let k = 0; k < iters; k++) {
      [a, b] = [a - lr * (2 * a - 4 + 40 * a ** 3 - 40 * a * b), b - lr * (20 * b - 20 * a ** 2)];
      path.push(a, b);
    }
    return path;
  }

  for (const x0 of [[-0.4336, 0.3426], [3.5784, 2.7694]] as [number, number][]) {
    it(`follows the update rule from the published start (${x0}) and heads for (2, 4)`, () => {
      const out = op('gradient_descent').run({ x0: vec(...x0), lr: scalar(1e-3), iters: scalar(2000, 'int64') });
      expect(out.path.shape).toEqual([2001, 2]);
      expect(Array.from(out.path.data.slice(0, 2))).toEqual(x0);
      expect(relError(out.path.data, Float64Array.from(byHand(x0, 1e-3, 2000)))).toBeLessThan(1e-12);
      expect(out.diverged.dtype).toBe('bool');
      expect(out.diverged.data[0]).toBe(0);
      const [a, b] = out.path.data.slice(-2);
      expect(quarticValley(a, b)).toBeLessThan(0.6);
      expect(quarticValley(a, b)).toBeLessThan(quarticValley(...x0) / 10);
    });
  }

  it('reports divergence for lr 0.1 from (3.5784, 2.7694) instead of throwing', () => {
    // The first step goes to x1 = 3.5784 - 0.1 * 1439.5... = -140.4, where the gradient is about
    // 40 x1^3 = -1.1e8: the second step lands past 1e6 and later ones overflow to inf, then nan.
    const { path, diverged } = gradientDescent([3.5784, 2.7694], 0.1, 10);
    expect(diverged).toBe(true);
    expect(path[2]).toBeCloseTo(-140.38207924, 6);
    expect(Math.abs(path[4])).toBeGreaterThan(DIVERGENCE_BOUND);
    expect(path.some((v) => !Number.isFinite(v))).toBe(true);
    expect(relError(path.slice(0, 6), Float64Array.from(byHand([3.5784, 2.7694], 0.1, 2)))).toBeLessThan(1e-12);
    const out = op('gradient_descent').run({ x0: vec(3.5784, 2.7694), lr: scalar(0.1), iters: scalar(50) });
    expect(out.diverged.data[0]).toBe(1);
    expect(out.path.shape).toEqual([51, 2]);
    // Only 2 steps in, the iterate is already past the bound while still finite.
    expect(gradientDescent([3.5784, 2.7694], 0.1, 2).diverged).toBe(true);
    expect(gradientDescent([3.5784, 2.7694], 0.1, 1).diverged).toBe(false);
  });

  it('with zero iterations the path is just x0', () => {
    const out = op('gradient_descent').run({ x0: vec(1, 2), lr: scalar(0.5), iters: scalar(0) });
    expect(out.path.shape).toEqual([1, 2]);
    expect(Array.from(out.path.data)).toEqual([1, 2]);
  });

  it('rejects bad iteration counts and step sizes', () => {
    expect(() => op('gradient_descent').run({ x0: vec(1, 2), lr: scalar(0.1), iters: scalar(-1) })).toThrow(/iters must be an integer >= 0/);
    expect(() => op('gradient_descent').run({ x0: vec(1, 2), lr: scalar(0.1), iters: scalar(2.5) })).toThrow(/iters/);
    expect(() => gradientDescent([1, 2], Number.NaN, 3)).toThrow(/lr must be finite/);
    expect(() => op('gradient_descent').run({ x0: vec(1, Number.POSITIVE_INFINITY), lr: scalar(0.1), iters: scalar(3) })).toThrow(/finite/);
  });
});

/** y(x) written out for the tests, independent of the reference's indexing helpers. */
function net(theta: ArrayLike<number>, x: number): number {
  const [wh0, wh1, wh2, wh3, bh0, bh1, bh2, bh3, wo0, wo1, wo2, wo3, bo] = Array.from(theta);
  const r = (z: number) => Math.max(z, 0);
  return bo + wo0 * r(wh0 * x + bh0) + wo1 * r(wh1 * x + bh1) + wo2 * r(wh2 * x + bh2) + wo3 * r(wh3 * x + bh3);
}
const worstResidual = (theta: ArrayLike<number>, xs: number[], ys: number[]) =>
  Math.max(...xs.map((x, j) => Math.abs(net(theta, x) - ys[j])));

describe('relu_net_141', () => {
  it('evaluates a hand-made theta', () => {
    // w_h = [1, -1, 2, 0], b_h = [-1, 2, -6, 5], w_o = [2, 3, -1, 0.5], b_o = 1:
    //   y = 1 + 2 relu(x - 1) + 3 relu(2 - x) - relu(2x - 6) + 0.5 relu(5)   (the last unit is the constant 2.5)
    //   x = -1: 1 + 0 + 9 - 0 + 2.5 = 12.5      x = 0:   1 + 0 + 6 - 0 + 2.5 = 9.5
    //   x = 1.5: 1 + 1 + 1.5 - 0 + 2.5 = 6      x = 3 (a kink): 1 + 4 + 0 - 0 + 2.5 = 7.5
    //   x = 4:  1 + 6 + 0 - 2 + 2.5 = 7.5
    const theta = vec(1, -1, 2, 0, -1, 2, -6, 5, 2, 3, -1, 0.5, 1);
    const y = op('relu_net_141').run({ theta, x: vec(-1, 0, 1.5, 3, 4) }).y;
    expect(Array.from(y.data)).toEqual([12.5, 9.5, 6, 7.5, 7.5]);
    expect(reluNet141At(theta.data, 1.5)).toBe(6);
  });

  it('keeps the shape of x and checks theta', () => {
    const theta = vec(...Array.from({ length: 13 }, (_, i) => i / 10));
    expect(op('relu_net_141').run({ theta, x: scalar(2) }).y.shape).toEqual([]);
    expect(() => op('relu_net_141').run({ theta: vec(1, 2, 3), x: vec(1) })).toThrow(/theta must have shape \[13\]/);
  });
});

describe('relu_net_141_fit', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const data1 = { x: range(13), y: [8, 6, 4, 2, 0, 2, 4, 2, 0, 2, 4, 6, 8] };
  const data2 = { x: range(11), y: [0, 1, 2, 3, 2, 1, 2, 3, 4, 5, 6] };

  /** Fit, check the residual independently, and return the number of starts used. */
  function fits(x: number[], y: number[], seed: number, options?: FitOptions): number {
    const r = fitReluNet141(x, y, seed, options);
    expect(r.theta.length).toBe(13);
    expect(worstResidual(r.theta, x, y)).toBeLessThanOrEqual(1e-8);
    return r.starts;
  }

  it('fits both course data sets exactly', () => {
    const starts = [data1, data2].map((d) => fits(d.x, d.y, 0));
    console.log(`relu_net_141_fit, course data sets: starts used ${starts.join(', ')}`);
    for (const d of [data1, data2]) {
      const theta = op('relu_net_141_fit').run({ x: vec(...d.x), y: vec(...d.y), seed: scalar(7) }).theta;
      expect(theta.shape).toEqual([13]);
      expect(worstResidual(theta.data, d.x, d.y)).toBeLessThanOrEqual(1e-8);
    }
  });

  it('fits them from random starts too, without the data-kink hint', () => {
    // Kinks drawn anywhere around the data: slower, but shows the solver does the work.
    const starts = [data1, data2].map((d) => range(5).map((seed) => fits(d.x, d.y, seed, { init: 'random', restarts: 500 })));
    console.log(`relu_net_141_fit, random starts only: data set 1 needed ${starts[0].join(', ')}; data set 2 needed ${starts[1].join(', ')}`);
  });

  /** Continuous piecewise-linear targets on x = 0..n with at most three kinks at integer x. */
  function piecewiseTarget(rng: Rng): { x: number[]; y: number[] } {
    const n = rng.int(8, 15);
    const kinks = new Set<number>();
    const count = rng.int(0, 4);
    while (kinks.size < count) kinks.add(rng.int(1, n));
    const slopes = [3 * rng.normal(), ...[...kinks].map(() => 3 * rng.normal())];
    const sorted = [...kinks].sort((a, b) => a - b);
    const y = [3 * rng.normal()];
    for (let x = 1; x <= n; x++) y.push(y[x - 1] + slopes[sorted.filter((k) => k < x).length]);
    return { x: range(n + 1), y };
  }

  it('fits 20 generated piecewise-linear targets (at most three kinks at integer x)', () => {
    const rng = new Rng('relu-fit/targets');
    const starts = range(20).map((i) => {
      const { x, y } = piecewiseTarget(rng);
      return fits(x, y, i);
    });
    console.log(`relu_net_141_fit, 20 generated targets: starts used ${starts.join(', ')}`);
  });

  it('fits samples of random 1-4-1 networks (four kinks anywhere, often between points)', () => {
    const rng = new Rng('relu-fit/networks');
    const starts = range(10).map((i) => {
      const n = rng.int(10, 15);
      const theta = new Float64Array(13);
      for (let u = 0; u < 4; u++) {
        theta[u] = (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(0.3 * rng.normal());
        theta[4 + u] = -theta[u] * rng.uniform() * n;
        theta[8 + u] = 2 * rng.normal();
      }
      theta[12] = rng.normal();
      const x = range(n + 1);
      return fits(x, x.map((v) => net(theta, v)), i);
    });
    console.log(`relu_net_141_fit, 10 random-network targets: starts used ${starts.join(', ')}`);
  });

  it('is deterministic for a seed', () => {
    const a = fitReluNet141(data2.x, data2.y, 3, { init: 'random', restarts: 100 });
    const b = fitReluNet141(data2.x, data2.y, 3, { init: 'random', restarts: 100 });
    expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
  });

  it('says so when no network fits (a zigzag with eleven bends)', () => {
    const x = range(13);
    expect(() => fitReluNet141(x, x.map((v) => v % 2), 0, { restarts: 30 })).toThrow(
      /no exact fit \(max \|residual\| <= 1e-8\) found after 30 restarts/,
    );
  });

  it('rejects malformed data', () => {
    expect(() => fitReluNet141([0, 1, 1], [0, 1, 2], 0)).toThrow(/x = 1 appears twice with different y/);
    expect(() => op('relu_net_141_fit').run({ x: vec(0, 1, 2), y: vec(0, 1), seed: scalar(0) })).toThrow(/y must have shape \[3\]/);
    expect(() => op('relu_net_141_fit').run({ x: vec(0, 1), y: vec(0, 1), seed: scalar(0.5) })).toThrow(/seed must be an integer/);
    expect(() => fitReluNet141([], [], 0)).toThrow(/at least one point/);
  });

  it('finds where the data bends, and where one kink between two points explains two bends', () => {
    expect(kinkCandidates(data1.x, data1.y).bends.map((b) => b.at).sort((a, b) => a - b)).toEqual([4, 6, 8]);
    // y = relu(x - 1.5) sampled at 0..4 bends at both 1 and 2; the extended segments meet at 1.5.
    const { candidates } = kinkCandidates([0, 1, 2, 3, 4], [0, 0, 0.5, 1.5, 2.5]);
    expect(candidates).toContainEqual({ at: 1.5, explains: [1, 2] });
  });
});
