/**
 * Centred finite differences for proving reference backward passes in tests.
 * gradient of L(x) = sum(f(x) * dout) with respect to every element of x.
 */
import type { Tensor } from '../../harness/tensor/tensor.ts';

export function numericGradient(
  f: (x: Tensor) => Tensor,
  x: Tensor,
  dout: Tensor,
  h = 1e-6,
): Tensor {
  const grad = new Float64Array(x.data.length);
  const loss = (t: Tensor) => {
    const y = f(t);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += y.data[i] * dout.data[i];
    return s;
  };
  for (let i = 0; i < x.data.length; i++) {
    const old = x.data[i];
    const plus = { ...x, data: Float64Array.from(x.data) };
    plus.data[i] = old + h;
    const minus = { ...x, data: Float64Array.from(x.data) };
    minus.data[i] = old - h;
    grad[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return { dtype: 'float64', shape: [...x.shape], data: grad };
}

/** rel_error as the catalogue defines it: max |x-y| / max(1e-8, |x|+|y|). */
export function relError(a: Tensor | Float64Array, b: Tensor | Float64Array): number {
  const x = a instanceof Float64Array ? a : a.data;
  const y = b instanceof Float64Array ? b : b.data;
  if (x.length !== y.length) throw new Error('relError: size mismatch');
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const r = Math.abs(x[i] - y[i]) / Math.max(1e-8, Math.abs(x[i]) + Math.abs(y[i]));
    if (r > worst || Number.isNaN(r)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}
