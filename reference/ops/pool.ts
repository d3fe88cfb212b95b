/**
 * Max pooling on NHWC images: square pool_size windows moved by stride, no padding.
 */
import type { Tensor } from '../../harness/tensor/tensor.ts';
import { expectDims, expectInt, expectShape, f64, indexer } from './args.ts';

interface PoolGeometry {
  N: number; H: number; W: number; C: number;
  HO: number; WO: number;
}

function poolGeometry(op: string, x: Tensor, pool: number, stride: number): PoolGeometry {
  expectDims(op, 'x', x, 4);
  expectInt(op, 'pool_size', pool, 1);
  expectInt(op, 'stride', stride, 1);
  const [N, H, W, C] = x.shape;
  if (pool > H || pool > W) throw new Error(`${op}: pool_size ${pool} is larger than the ${H}x${W} input`);
  return { N, H, W, C, HO: Math.floor((H - pool) / stride) + 1, WO: Math.floor((W - pool) / stride) + 1 };
}

export function maxpoolForward(x: Tensor, pool: number, stride: number): Tensor {
  const { N, H, W, C, HO, WO } = poolGeometry('maxpool_forward', x, pool, stride);
  const X = indexer([N, H, W, C]);
  const O = indexer([N, HO, WO, C]);
  const out = new Float64Array(N * HO * WO * C);
  for (let n = 0; n < N; n++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) for (let c = 0; c < C; c++) {
    let m = -Infinity;
    for (let di = 0; di < pool; di++) for (let dj = 0; dj < pool; dj++) {
      m = Math.max(m, x.data[X(n, i * stride + di, j * stride + dj, c)]);
    }
    out[O(n, i, j, c)] = m;
  }
  return f64([N, HO, WO, C], out);
}

/**
 * Where a window's gradient goes when its maximum is tied:
 * - 'first': all of it to the first maximum in row-major window order (what the course's
 *   argmax-based solutions do, and the reference answer);
 * - 'split': an equal share to each tied maximum (the other valid subgradient checks accept);
 * - 'all': all of it to every tied maximum, which counts it several times over — a common
 *   mistake (`mask = window == max`), kept so the grader can recognise and name it.
 */
export type TieRule = 'first' | 'split' | 'all';

export function maxpoolBackward(x: Tensor, pool: number, stride: number, dout: Tensor, ties: TieRule = 'first'): Tensor {
  const op = ties === 'first' ? 'maxpool_backward' : `maxpool_backward_${ties === 'split' ? 'split' : 'all_ties'}`;
  const { N, H, W, C, HO, WO } = poolGeometry(op, x, pool, stride);
  expectShape(op, 'dout', dout, [N, HO, WO, C]);
  const X = indexer([N, H, W, C]);
  const O = indexer([N, HO, WO, C]);
  const dx = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) for (let c = 0; c < C; c++) {
    const window: number[] = [];
    for (let di = 0; di < pool; di++) for (let dj = 0; dj < pool; dj++) window.push(X(n, i * stride + di, j * stride + dj, c));
    const m = Math.max(...window.map((at) => x.data[at]));
    const maxima = window.filter((at) => x.data[at] === m);
    const g = dout.data[O(n, i, j, c)];
    const winners = ties === 'first' ? maxima.slice(0, 1) : maxima;
    const share = ties === 'split' ? g / maxima.length : g;
    // Overlapping windows may pick the same element: their gradients add up.
    for (const at of winners) dx[at] += share;
  }
  return f64(x.shape, dx);
}
