import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { scalar, tensor } from '../../harness/tensor/tensor.ts';
import { centralDifference, derivativeOps, dualNumberDx1, forwardDifference } from '../../reference/ops/derivatives.ts';
import { quarticValleyGrad } from '../../reference/ops/optimization.ts';

const op = (name: string) => derivativeOps.find((o) => o.name === name)!;
const at34 = tensor([2], [3, 4]);
const HS = [1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11];

describe('dual numbers (forward-mode automatic differentiation)', () => {
  it('give the symbolic df/dx1 to the last bit or two at random points, and 602 at (3, 4)', () => {
    expect(dualNumberDx1(3, 4)).toBe(602);
    const rng = new Rng('dual');
    for (let i = 0; i < 100; i++) {
      const [a, b] = [3 * rng.normal(), 3 * rng.normal()];
      const exact = quarticValleyGrad(a, b)[0];
      // Rounding of a sum is bounded by the size of its terms: 2 (2 - a) and 40 a (b - a^2).
      const terms = Math.abs(2 * (2 - a)) + 40 * Math.abs(a) * (Math.abs(b) + a * a);
      expect(Math.abs(dualNumberDx1(a, b) - exact)).toBeLessThanOrEqual(8 * Number.EPSILON * terms);
    }
  });
});

describe('central_difference_errors', () => {
  const out = op('central_difference_errors').run({ x: at34, hs: tensor([HS.length], HS) });

  it('follows the two error terms: 120 h^2 of truncation for large h, eps |f| / h of rounding for small h', () => {
    // d3f/dx1^3 = 240 x1 = 720 at (3, 4), so truncation is 720 h^2 / 6 = 120 h^2.
    expect(out.errors.data[0]).toBeCloseTo(120 * 1e-2, 6);
    expect(out.errors.data[1] / (120 * 1e-6)).toBeCloseTo(1, 3);
    // f(3, 4) = 251: rounding moves each f by about 251 eps, the quotient by about 251 eps / h.
    for (const i of [4, 5]) expect(out.errors.data[i]).toBeGreaterThan((251 * Number.EPSILON) / HS[i] / 100);
    expect(out.errors.data[5]).toBeGreaterThan(out.errors.data[3]);
  });

  it('picks h = 1e-5, near (3 eps |f| / 720)^(1/3), and says a smaller h was not always better', () => {
    expect(out.best_h).toEqual(scalar(1e-5));
    expect(Math.cbrt((3 * Number.EPSILON * 251) / 720)).toBeGreaterThan(1e-6);
    expect(Math.cbrt((3 * Number.EPSILON * 251) / 720)).toBeLessThan(1e-4);
    expect(out.smaller_always_better).toEqual(scalar(0, 'bool'));
    expect([out.smallest_h.data[0], out.largest_h.data[0]]).toEqual([1e-11, 1e-1]);
    // With only large steps, smaller is better every time.
    const large = op('central_difference_errors').run({ x: at34, hs: tensor([3], [1e-1, 1e-2, 1e-3]) });
    expect(large.smaller_always_better).toEqual(scalar(1, 'bool'));
  });

  it('matches its own definition, term by term', () => {
    HS.forEach((h, i) => expect(out.errors.data[i]).toBe(Math.abs(centralDifference(3, 4, h) - 602)));
  });

  it('rejects steps that are not positive', () => {
    expect(() => op('central_difference_errors').run({ x: at34, hs: tensor([2], [1e-3, 0]) })).toThrow(/hs must hold at least two positive steps/);
  });
});

describe('derivative_method_errors', () => {
  it('ranks automatic differentiation first (exact), then central, then forward differences', () => {
    const out = op('derivative_method_errors').run({ x: at34, h_central: scalar(1e-5), h_forward: scalar(1e-8) });
    const [central, forward, automatic] = out.errors.data;
    expect(automatic).toBe(0);
    expect(central).toBe(Math.abs(centralDifference(3, 4, 1e-5) - 602));
    expect(forward).toBe(Math.abs(forwardDifference(3, 4, 1e-8) - 602));
    // Forward differences at their best h lose about half the digits: sqrt(eps) relative.
    expect(forward / 602).toBeGreaterThan(1e-9);
    expect(central).toBeLessThan(forward);
    expect(out.most_accurate).toEqual(scalar(3));
    expect(out.automatic_exact).toEqual(scalar(1, 'bool'));
  });
});
