/**
 * Small dense-array helpers the reference ops share. Plain loops over C-order Float64Arrays:
 * the oracle must be obviously right before it is fast.
 */
import { type Tensor, like, sizeOf } from '../harness/tensor/tensor.ts';

/** (n, k) @ (k, m) on raw row-major buffers. */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += aip * b[p * m + j];
    }
  }
  return out;
}

/** Transpose of an (n, m) row-major buffer. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** Elementwise combination of two same-shaped tensors. */
export function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (a.data.length !== b.data.length) throw new Error(`shape mismatch: [${a.shape}] vs [${b.shape}]`);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
  return like(a, out);
}

/** The (N, D) view of x with every axis after the first flattened. */
export function rows(x: Tensor): { n: number; d: number } {
  const n = x.shape[0] ?? 1;
  return { n, d: n === 0 ? 0 : sizeOf(x.shape) / n };
}
